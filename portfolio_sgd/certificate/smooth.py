"""The smooth objectives' certificate pieces, composed from the objective and measure layers.

The maths lives below: the float64 chunked passes in :mod:`portfolio_sgd.measures.chunks`,
the exact full-data value and gradient and the Frank-Wolfe gap in
:mod:`portfolio_sgd.measures.smooth_bound`. This module is the certificate's view of them.
"""

from __future__ import annotations

from ..measures.chunks import CHUNK_ELEMENTS, bounded_rows, column_mean, iter_chunks
from ..measures.smooth_bound import frank_wolfe_gap, smooth_terms

__all__ = [
    "CHUNK_ELEMENTS",
    "bounded_rows",
    "column_mean",
    "frank_wolfe_gap",
    "iter_chunks",
    "smooth_terms",
]
