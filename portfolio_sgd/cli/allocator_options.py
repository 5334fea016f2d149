"""The allocators' options of ``portfolio-sgd optimize`` (declarations only, torch-free).

``--objective hrp|herc|nco|equal-weight|inverse-volatility|max-diversification`` runs an
allocator (:mod:`portfolio_sgd.allocators`) instead of the SGD engine, with the tree's
``--linkage`` and ``--distance``, HERC's and NCO's ``--n-clusters``, NCO's ``--inner`` and
``--outer`` objectives and ``--nco-cv`` folds, and a ``--plot`` dendrogram. ``--measure`` and ``--alpha`` (the
objective options) set HRP's and HERC's risk measure.
"""

from __future__ import annotations

import click

from .sections import OBJECTIVE, OUTPUT, section

ALLOCATOR_NAMES = (
    "hrp",
    "herc",
    "nco",
    "equal-weight",
    "inverse-volatility",
    "max-diversification",
)
"""The allocators' names, in the registry's order (kept here so that ``--help`` needs no
torch; ``tests/test_allocators.py`` checks it equals ``allocator_names()``)."""

LINKAGE_NAMES = ("single", "average", "complete", "ward")
DISTANCE_NAMES = ("pearson", "spearman", "distance-correlation")

allocator_options = section(
    OBJECTIVE,
    click.option(
        "--linkage",
        type=click.Choice(LINKAGE_NAMES),
        default=None,
        help="Allocators hrp/herc/nco: linkage of the asset tree  [default: ward].",
    ),
    click.option(
        "--distance",
        type=click.Choice(DISTANCE_NAMES),
        default=None,
        help="Allocators hrp/herc/nco: distance between assets  [default: pearson].",
    ),
    click.option(
        "--n-clusters",
        type=click.IntRange(min=1),
        default=None,
        help="Allocators herc/nco: number of flat clusters  [default: the gap rule].",
    ),
    click.option(
        "--inner",
        default=None,
        metavar="OBJECTIVE",
        help="Allocator nco: objective within each cluster (any objective, or an "
        "allocator)  [default: min-variance].",
    ),
    click.option(
        "--outer",
        default=None,
        metavar="OBJECTIVE",
        help="Allocator nco: objective across clusters  [default: min-variance].",
    ),
    click.option(
        "--nco-cv",
        default=None,
        metavar="K|ignore",
        help="Allocator nco: K-fold cross-validation of the inner portfolios whose "
        "out-of-sample returns feed the outer problem, or 'ignore' (in-sample), as "
        "skfolio's cv  [default: 5].",
    ),
)

dendrogram_option = section(
    OUTPUT,
    click.option(
        "--plot",
        "plot_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Allocators hrp/herc/nco: save the dendrogram of the asset tree as a PNG.",
    ),
)
