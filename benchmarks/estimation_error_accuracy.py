"""Accuracy of shrinkage and recency weighting against exact references, on real panels.

For each panel (last ``--rows`` days) and objective: the shrinkage intensity next to
scikit-learn's, and the largest weight difference and relative objective gap of the SGD
result against the Clarabel QP on scikit-learn's shrunk covariance; and the same for
recency weighting (half-life 126 days) against the weighted QP.

Run::

    PYTHONPATH=. python -m benchmarks.estimation_error_accuracy
"""

from __future__ import annotations

import argparse

import cvxpy as cp
import numpy as np
from sklearn.covariance import OAS, LedoitWolf

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.data import load_returns
from portfolio_sgd.estimation.bootstrap import recency_weights

PANELS = {
    "sp500": {"dataset": "sp500"},
    "us-etfs": {"dataset": "us-etfs"},
    "ff49-daily": {"dataset": "ff49-daily", "start": "2000-01-01"},
}
LAM, HI = 300.0, 0.3


def qp(sigma: np.ndarray, mu: np.ndarray, objective: str) -> tuple[np.ndarray, float]:
    """Exact optimum (weights, value) of min-variance or mean-variance with covariance sigma."""
    w = cp.Variable(len(mu))
    risk = cp.quad_form(w, cp.psd_wrap(sigma))
    f = risk if objective == "min-variance" else -mu @ w + 0.5 * LAM * risk
    prob = cp.Problem(cp.Minimize(f), [cp.sum(w) == 1, w >= 0, w <= HI])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-13, tol_gap_rel=1e-12)
    return np.asarray(w.value), float(prob.value)


def main() -> None:
    """Print one line per (panel, objective, method)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=250)
    args = parser.parse_args()
    print(
        "| panel | objective | method | delta (ours / sklearn) | max abs weight diff | rel. objective gap |"
    )
    print("|---|---|---|---|---:|---:|")
    for name, kw in PANELS.items():
        returns = load_returns(**kw).iloc[-args.rows :]
        x = returns.to_numpy(dtype=np.float64)
        for objective in ("min-variance", "mean-variance"):
            lam = LAM if objective == "mean-variance" else None
            for kind, est in (("ledoit-wolf", LedoitWolf), ("oas", OAS)):
                fit = est().fit(x)
                w_star, f_star = qp(fit.covariance_, x.mean(axis=0), objective)
                res = optimize(
                    returns,
                    objective,
                    Constraints(max_weight=HI),
                    risk_aversion=lam,
                    shrinkage=kind,
                    seed=0,
                )
                gap = (res.objective_value - f_star) / abs(f_star)
                diff = np.abs(res.weights.to_numpy() - w_star).max()
                delta = f"{res.spec.shrinkage_intensity:.4f} / {fit.shrinkage_:.4f}"
                print(f"| {name} | {objective} | {kind} | {delta} | {diff:.1e} | {gap:.1e} |")
            c = recency_weights(len(x), 126.0)
            mean = c @ x / len(x)
            cov = ((x - mean) * c[:, None]).T @ (x - mean) / len(x)
            w_star, f_star = qp(cov, mean, objective)
            res = optimize(
                returns,
                objective,
                Constraints(max_weight=HI),
                risk_aversion=lam,
                half_life=126.0,
                seed=0,
            )
            gap = (res.objective_value - f_star) / abs(f_star)
            diff = np.abs(res.weights.to_numpy() - w_star).max()
            print(f"| {name} | {objective} | half-life 126 | - | {diff:.1e} | {gap:.1e} |")


if __name__ == "__main__":
    main()
