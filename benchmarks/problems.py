"""Benchmark problems: bundled real datasets and seeded synthetic scenario sets.

Synthetic sets follow a Student-t factor model for *log* returns, turned into simple
returns with ``expm1`` (so every return is > -1 and Kelly's ``log(1 + x)`` is finite
for every long-only portfolio). They are generated in row chunks straight into a float32
array, each chunk from its own seeded generator, so the peak memory of generation is the
data plus one chunk, and the same (name, seed) gives the same bytes on any machine.
They are cached as .npy outside the repository (:func:`cache_dir`), never committed.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class Size:
    """One problem size of the suite.

    Attributes
    ----------
    name : str
        Suite key (``sp500``, ``syn-500x100k``, ...).
    kind : {"dataset", "synthetic"}
    n_assets, n_rows : int
        N and T (for datasets: the shape after loading, filled in at load time).
    dataset : str or None
        Bundled dataset name for ``kind == "dataset"``.
    dtype : {"float32", "float64"}
        Dtype of the SGD run: engine default (float64) on real data, float32 on synthetic.
    """

    name: str
    kind: str
    n_assets: int
    n_rows: int
    dataset: str | None = None
    dtype: str = "float32"

    def to_dict(self) -> dict[str, object]:
        """Plain dict."""
        return asdict(self)


SIZES: dict[str, Size] = {
    "tiny": Size("tiny", "synthetic", 8, 2_000),
    "sp500": Size("sp500", "dataset", 20, 8_312, "sp500", "float64"),
    "ff49-daily": Size("ff49-daily", "dataset", 49, 13_245, "ff49-daily", "float64"),
    "us-stocks-2500": Size("us-stocks-2500", "dataset", 2500, 1_259, "us-stocks-2500", "float64"),
    "syn-100x20k": Size("syn-100x20k", "synthetic", 100, 20_000),
    "syn-500x100k": Size("syn-500x100k", "synthetic", 500, 100_000),
    "syn-1000x500k": Size("syn-1000x500k", "synthetic", 1000, 500_000),
}


def synthetic_returns(
    n_rows: int, n_assets: int, seed: int = 0, n_factors: int = 5, dof: float = 4.0
) -> np.ndarray:
    """Simple returns (T, N), float32, from a seeded Student-t factor model.

    ``log r_t = mu + s_t (B f_t + e_t)`` with Gaussian factors ``f_t`` (K of them) and
    idiosyncratic terms ``e_t``, and one Student-t mixing scale per scenario,
    ``s_t = sqrt((dof - 2) / chi2_dof)``, so every scenario is multivariate Student-t with
    ``dof`` degrees of freedom and unit-variance scaling (fat tails that hit all assets
    at once, as in crashes). Factor vols 1% (market) and 0.5% (others) a day, loadings
    around 1 on the market, idiosyncratic vols 1-3%, drifts 0-8e-4. Returns are
    ``expm1`` of the log returns, so every return is > -1.

    Parameters
    ----------
    n_rows, n_assets : int
        T and N.
    seed : int
    n_factors : int
    dof : float

    Returns
    -------
    np.ndarray, shape (n_rows, n_assets), float32
    """
    rng = np.random.default_rng([seed, n_assets, n_rows])
    loadings = rng.normal(0.0, 0.5, size=(n_assets, n_factors))
    loadings[:, 0] = rng.normal(1.0, 0.3, size=n_assets)
    fvol = np.full(n_factors, 0.005)
    fvol[0] = 0.01
    scaled = (loadings * fvol).T.astype(np.float32)  # (K, N)
    ivol = rng.uniform(0.01, 0.03, size=n_assets).astype(np.float32)
    drift = rng.uniform(0.0, 8e-4, size=n_assets).astype(np.float32)
    out = np.empty((n_rows, n_assets), dtype=np.float32)
    for c, start in enumerate(range(0, n_rows, CHUNK_ROWS)):
        stop = min(start + CHUNK_ROWS, n_rows)
        rows = stop - start
        crng = np.random.default_rng([seed, n_assets, n_rows, c + 1])
        mix = np.sqrt((dof - 2.0) / crng.chisquare(dof, size=(rows, 1))).astype(np.float32)
        block = crng.standard_normal((rows, n_assets), dtype=np.float32)
        block *= ivol
        block += crng.standard_normal((rows, n_factors), dtype=np.float32) @ scaled
        block *= mix
        block += drift
        np.expm1(block, out=block)
        out[start:stop] = block
    return out


def load_problem(size: Size, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """The returns matrix (T, N) of ``size`` and its column labels.

    Datasets come from :func:`portfolio_sgd.data.load_returns` (float64, cached as .npz
    after the first load); synthetic sets from :func:`cached_synthetic` (float32).
    """
    if size.kind == "dataset":
        path = cache_dir() / f"dataset-{size.dataset}.npz"
        if path.exists():
            with np.load(path) as z:
                return np.ascontiguousarray(z["returns"]), [str(c) for c in z["columns"]]
        from portfolio_sgd.data import load_returns

        frame = load_returns(dataset=size.dataset)
        data = np.ascontiguousarray(frame.to_numpy(dtype=np.float64))
        columns = [str(c) for c in frame.columns]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, returns=data, columns=np.array(columns))
        os.replace(tmp, path)
        return data, columns
    data = cached_synthetic(size, seed)
    return data, [f"a{i}" for i in range(size.n_assets)]


def cache_dir() -> Path:
    """Where generated synthetic sets are cached (``$PORTFOLIO_SGD_BENCH_CACHE`` or a
    ``portfolio-sgd-bench`` folder in the system temp dir); never inside the repository."""
    root = os.environ.get("PORTFOLIO_SGD_BENCH_CACHE")
    return Path(root) if root else Path(tempfile.gettempdir()) / "portfolio-sgd-bench"


def cached_synthetic(size: Size, seed: int = 0) -> np.ndarray:
    """:func:`synthetic_returns` for ``size``, generated once and then read from a .npy cache.

    Generation of the 1000 x 500k set takes about a minute here; every worker process
    needs the data, so it is generated by the suite once and loaded by each worker.
    """
    path = cache_dir() / f"{size.name}-seed{seed}.npy"
    if path.exists():
        data = np.load(path)
        if data.shape == (size.n_rows, size.n_assets) and data.dtype == np.float32:
            return data
    data = synthetic_returns(size.n_rows, size.n_assets, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, data)
    os.replace(tmp, path)
    return data
