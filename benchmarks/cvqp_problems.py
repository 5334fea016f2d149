"""The CVQP peer comparison's data sets, problems, exact references and scoring.

Two problems on the long-only simplex, at ``alpha = 0.95`` (the historical CVaR of the
losses ``-R w``, :func:`portfolio_sgd.measures.performance.cvar_and_var`; with ``(1 - alpha) T`` an
integer it is CVQP's mean of the ``(1 - alpha) T`` largest losses):

- **mean-CVaR**: ``min -lam mu.w + CVaR(-R w)``. The reference is a certified lower bound
  on ``f*`` (the tail LP's dual bound of our runs, :func:`portfolio_sgd.optimality_gap`),
  so every gap is a proven upper bound on the distance to the optimum.
- **max-return**: ``max mu.w  s.t.  CVaR(-R w) <= kappa``, CVQP's native form. ``kappa``
  is halfway between the minimum CVaR and the CVaR of the best single asset, so the cap
  binds. The reference is the HiGHS LP optimum (Rockafellar-Uryasev form,
  :func:`max_return_lp`) where ``T N`` is small enough, else the best feasible answer of
  a long, tight run of ours and CVQP at its tightest tolerance.

Every answer is scored by :func:`score` after clipping to the simplex (one exact float64
evaluation, the same for every solver).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

ALPHA = 0.95
BAR_GAP, BAR_VIOLATION = 1e-4, 1e-6
"""The bar: relative gap <= 1e-4 and violation <= 1e-6."""
LP_MAX_ELEMENTS = 5_000_000
"""Largest ``T N`` for which the max-return reference is the exact HiGHS LP."""


@dataclass(frozen=True)
class DataSet:
    """One returns matrix of the comparison.

    Attributes
    ----------
    name : str
        Label in the tables (source, shape, lam).
    r : ndarray, shape (T, N), float64
    lam : float
        Mean-CVaR return weight.
    dtype : {"float32", "float64"}
        Dtype of our default run (float32 on generated sets, float64 on real data).
    """

    name: str
    r: np.ndarray
    lam: float
    dtype: str


@dataclass(frozen=True)
class Score:
    """One answer, clipped to the simplex and evaluated exactly in float64.

    ``value`` is the objective after clipping (mean-CVaR ``f``; max-return ``mu.w``);
    ``gap`` is relative to the reference (positive = worse). ``budget`` is ``|sum w - 1|``
    and ``min_weight`` the smallest weight, both before clipping; ``cvar_over`` is
    ``(CVaR - kappa) / kappa`` after clipping (None for mean-CVaR). ``violation`` is the
    largest of ``budget``, ``max(-min_weight, 0)`` and (max-return) ``max(cvar_over, 0)``.
    """

    value: float
    gap: float
    budget: float
    min_weight: float
    cvar_over: float | None
    violation: float

    @property
    def meets_bar(self) -> bool:
        """Gap <= 1e-4 and violation <= 1e-6."""
        return bool(self.gap <= BAR_GAP and self.violation <= BAR_VIOLATION)


def clip_to_simplex(w: np.ndarray) -> np.ndarray:
    """``max(w, 0)`` rescaled to sum to one (N,), float64."""
    clipped = np.maximum(np.asarray(w, dtype=np.float64), 0.0)
    return clipped / clipped.sum()


def cvar(r: np.ndarray, w: np.ndarray) -> float:
    """Exact float64 ``CVaR_alpha(-R w)`` of weights ``w`` (N,)."""
    from portfolio_sgd.measures.performance import cvar_and_var

    return float(cvar_and_var(-(r @ w)[:, None], ALPHA)[0][0])


def mean_cvar_value(r: np.ndarray, w: np.ndarray, lam: float) -> float:
    """Exact float64 ``-lam mu.w + CVaR(-R w)``."""
    return float(-lam * (r @ w).mean()) + cvar(r, w)


def score(
    problem: str, r: np.ndarray, w: np.ndarray, reference: float, lam: float, kappa: float
) -> Score:
    """Score weights ``w`` (N,) for ``problem`` ("cvar" or "max-return").

    ``reference`` is the mean-CVaR lower bound on ``f*`` or the max-return optimum
    ``mu.w*``; the gap is ``(f - f_ref) / |f_ref|`` or ``(mu.w* - mu.w) / |mu.w*|``.
    """
    w = np.asarray(w, dtype=np.float64)
    clipped = clip_to_simplex(w)
    budget, min_weight = abs(float(w.sum()) - 1.0), float(w.min())
    viol = max(budget, -min_weight, 0.0)
    if problem == "cvar":
        value = mean_cvar_value(r, clipped, lam)
        gap, over = (value - reference) / abs(reference), None
    else:
        value = float((r @ clipped).mean())
        gap = (reference - value) / abs(reference)
        over = (cvar(r, clipped) - kappa) / kappa
        viol = max(viol, over)
    return Score(value, gap, budget, min_weight, over, viol)


def max_return_lp(r: np.ndarray, kappa: float) -> tuple[np.ndarray, float, str]:
    """The exact max-return optimum: HiGHS on the Rockafellar-Uryasev LP.

    ``max mu.w  s.t.  t + sum(z) / ((1 - alpha) T) <= kappa,  z >= -R w - t,  z >= 0,
    1'w = 1,  w >= 0``, in variables ``(w, t, z)``, with ``R`` scaled by its RMS for the
    LP's tolerances. Sparse, float64.

    Returns
    -------
    (weights (N,), seconds, status message)
    """
    from scipy import sparse
    from scipy.optimize import linprog

    t_len, n = r.shape
    scale = float(np.sqrt(np.mean(r**2))) or 1.0
    rs = r / scale
    began = time.perf_counter()
    cost = np.concatenate([-rs.mean(axis=0), [0.0], np.zeros(t_len)])
    tail = sparse.hstack(
        [sparse.csr_matrix(-rs), -np.ones((t_len, 1)), -sparse.eye(t_len)], format="csr"
    )
    cap = np.concatenate([np.zeros(n), [1.0], np.full(t_len, 1.0 / ((1.0 - ALPHA) * t_len))])
    a_ub = sparse.vstack([tail, sparse.csr_matrix(cap[None, :])], format="csr")
    b_ub = np.concatenate([np.zeros(t_len), [kappa / scale]])
    a_eq = sparse.csr_matrix(np.concatenate([np.ones(n), np.zeros(1 + t_len)])[None, :])
    bounds = [(0.0, None)] * n + [(None, None)] + [(0.0, None)] * t_len
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    seconds = time.perf_counter() - began
    if res.status != 0 or res.x is None:
        raise RuntimeError(f"HiGHS did not solve the max-return LP: {res.message}")
    return np.asarray(res.x[:n], dtype=np.float64), seconds, str(res.message)


def binding_kappa(r: np.ndarray) -> tuple[float, float, float]:
    """``(kappa, minimum CVaR, best asset's CVaR)``: the cap halfway between the two.

    The minimum-CVaR portfolio is our float64 run (``cvar``, ``return_weight = 0``, its
    exact finish); the maximum-return portfolio on the simplex is the best single asset.
    """
    from portfolio_sgd import EngineConfig, optimize

    low = optimize(r, "cvar", return_weight=0.0, config=EngineConfig(dtype="float64"))
    c_min = cvar(r, clip_to_simplex(low.weights.to_numpy()))
    c_top = cvar(r, np.eye(r.shape[1])[int(r.mean(axis=0).argmax())])
    return 0.5 * (c_min + c_top), c_min, c_top


def bootstrap_rows(x: np.ndarray, n_rows: int, block: float, seed: int) -> np.ndarray:
    """A stationary bootstrap of ``x`` (T0, N) to ``n_rows`` rows (mean block ``block``)."""
    rng = np.random.default_rng(seed)
    new = rng.random(n_rows) < 1.0 / block
    new[0] = True
    starts = rng.integers(0, x.shape[0], size=n_rows)
    pos = np.arange(n_rows)
    began = np.maximum.accumulate(np.where(new, pos, 0))
    return np.ascontiguousarray(x[(starts[began] + pos - began) % x.shape[0]])


def student_t_factor_returns(
    rows: int, n: int, seed: int, df: float = 4.0, factors: int = 5
) -> np.ndarray:
    """Daily-like simple returns (rows, n), float64, from a Student-t factor model.

    ``log(1 + r_t) = m + B f_t + D e_t``: ``factors`` independent Student-t factors (``df``
    degrees of freedom, scaled to unit variance) with vols 1.2% (market) and 0.3-0.8%,
    market loadings 0.3-1.7 and other loadings N(0, 0.5); idiosyncratic Student-t noise
    with vols spread log-uniformly over 0.4%-4% a day; small positive means
    ``m`` uniform in [0, 6e-4]. Independent t factors give heavy, not perfectly
    co-moving tails (unlike :func:`benchmarks.problems.synthetic_returns`, whose one
    mixing scale hits all assets at once). Generated in 65,536-row chunks.
    """
    rng = np.random.default_rng([seed, n, rows, 7])
    loadings = rng.normal(0.0, 0.5, size=(n, factors))
    loadings[:, 0] = rng.uniform(0.3, 1.7, size=n)
    fvol = rng.uniform(0.003, 0.008, size=factors)
    fvol[0] = 0.012
    scaled = (loadings * fvol).T  # (K, N)
    ivol = np.exp(rng.uniform(np.log(0.004), np.log(0.04), size=n))
    drift = rng.uniform(0.0, 6e-4, size=n)
    unit = np.sqrt((df - 2.0) / df)
    out = np.empty((rows, n), dtype=np.float64)
    for c, start in enumerate(range(0, rows, 65_536)):
        stop = min(start + 65_536, rows)
        crng = np.random.default_rng([seed, n, rows, 7, c + 1])
        block = crng.standard_t(df, size=(stop - start, n)) * (unit * ivol)
        block += (crng.standard_t(df, size=(stop - start, factors)) * unit) @ scaled
        block += drift
        out[start:stop] = np.expm1(block)  # the model is of log returns: simple > -1
    return out


def datasets(rows: int, only: str | None = None) -> Iterator[DataSet]:
    """The comparison's four data sets at ``rows`` scenarios (those whose name has ``only``),
    built one at a time (at 500k rows each holds 2 GB).

    N = 100 at 20k rows and 500 above for the two generated sets; 500 columns of
    us-stocks-2500 and the 49 of ff49-daily, stationary-bootstrapped (mean block 20) to
    ``rows``.
    """
    from benchmarks.problems import synthetic_returns

    n_gen, k = (100 if rows <= 20_000 else 500), f"{rows // 1000}k"
    makers = {
        f"synthetic {n_gen} x {k}, lam=1": (
            lambda: synthetic_returns(rows, n_gen, seed=0).astype(np.float64),
            1.0,
            "float32",
        ),
        f"student-t factors {n_gen} x {k}, lam=5": (
            lambda: student_t_factor_returns(rows, n_gen, seed=3),
            5.0,
            "float32",
        ),
        f"us-stocks 500 cols, bootstrap {k}, lam=1": (
            lambda: bootstrap_rows(_panel("us-stocks-2500", 500), rows, 20.0, 1),
            1.0,
            "float64",
        ),
        f"ff49-daily, bootstrap {k}, lam=1": (
            lambda: bootstrap_rows(_panel("ff49-daily", None), rows, 20.0, 2),
            1.0,
            "float64",
        ),
    }
    for name, (make, lam, dtype) in makers.items():
        if not only or only in name:
            yield DataSet(name, make(), lam, dtype)


def _panel(dataset: str, columns: int | None) -> np.ndarray:
    """A bundled panel as float64 (T0, N), its first ``columns`` columns."""
    from portfolio_sgd.data import load_returns

    frame = load_returns(dataset=dataset)
    if columns is not None:
        frame = frame.iloc[:, :columns]
    return np.ascontiguousarray(frame.to_numpy(dtype=np.float64))
