"""Calibration of the bootstrap error bars against the true sampling error.

Synthetic Gaussian daily returns with known mean and covariance (N = 10 assets, T = 1000
rows, a one-factor covariance with correlation 0.3 and volatilities 1.2-1.8% a day). Many
independent histories are drawn; the spread of their optimal weights across histories
(standard deviation, ``ddof=1``) is the true sampling error of the weights. From each
single history the i.i.d. bootstrap (``block_length=1``: the data are i.i.d.) gives a
standard error per asset. Per asset, the ratio is the median bootstrap SE over histories
divided by the true spread; the table reports the median (and range) of these ratios
over assets. A calibrated bootstrap has ratios near 1.

Run (writes ``benchmarks/results/bootstrap_calibration.md``)::

    PYTHONPATH=. python -m benchmarks.bootstrap_calibration --histories 40 --resamples 200
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from portfolio_sgd import optimize

N_ASSETS, N_ROWS = 10, 1000
OBJECTIVES = {"min-variance": {}, "mean-variance": {"risk_aversion": 100.0}}
RESULTS = Path(__file__).parent / "results" / "bootstrap_calibration.md"


def true_moments(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Known daily mean (N,) and covariance (N, N) of the synthetic returns."""
    rng = np.random.default_rng([seed, 1])
    vol = rng.uniform(0.012, 0.018, N_ASSETS)
    corr = 0.3 * np.ones((N_ASSETS, N_ASSETS)) + 0.7 * np.eye(N_ASSETS)
    mean = rng.uniform(0.0002, 0.0008, N_ASSETS)
    return mean, corr * np.outer(vol, vol)


def calibrate(n_histories: int, n_resamples: int, seed: int = 0) -> list[dict[str, float]]:
    """One row per objective: median and range over assets of SE ratios, and the SEs.

    Parameters
    ----------
    n_histories : int
        Independent histories (T x N each) drawn from the true distribution.
    n_resamples : int
        Bootstrap resamples per history.
    seed : int

    Returns
    -------
    list of dict
        ``objective``, ``median_ratio``, ``min_ratio``, ``max_ratio``, ``true_sd``
        (median over assets), ``bootstrap_se`` (median over assets and histories),
        ``seconds``.
    """
    mean, cov = true_moments(seed)
    rng = np.random.default_rng([seed, 2])
    chol = np.linalg.cholesky(cov)
    histories = [
        mean + rng.standard_normal((N_ROWS, N_ASSETS)) @ chol.T for _ in range(n_histories)
    ]
    rows = []
    for objective, params in OBJECTIVES.items():
        start = time.perf_counter()
        points, ses = [], []
        for h, returns in enumerate(histories):
            res = optimize(
                returns, objective, bootstrap=n_resamples, block_length=1.0, seed=h, **params
            )
            points.append(res.weights.to_numpy())
            ses.append(res.error_bars.weights_se.to_numpy())  # type: ignore[union-attr]
        true_sd = np.std(points, axis=0, ddof=1)  # (N,): the spread across histories
        ratio = np.median(ses, axis=0) / true_sd
        rows.append(
            {
                "objective": objective,
                "median_ratio": float(np.median(ratio)),
                "min_ratio": float(ratio.min()),
                "max_ratio": float(ratio.max()),
                "true_sd": float(np.median(true_sd)),
                "bootstrap_se": float(np.median(ses)),
                "seconds": time.perf_counter() - start,
            }
        )
    return rows


def markdown(rows: list[dict[str, float]], n_histories: int, n_resamples: int) -> str:
    """The calibration table as markdown."""
    lines = [
        f"Bootstrap calibration: N = {N_ASSETS}, T = {N_ROWS}, {n_histories} independent "
        f"Gaussian histories, {n_resamples} i.i.d. resamples each.",
        "",
        "| objective | median SE ratio | range over assets | true SD (median) "
        "| bootstrap SE (median) | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['objective']} | {r['median_ratio']:.2f} | "
            f"{r['min_ratio']:.2f} - {r['max_ratio']:.2f} | {r['true_sd']:.4f} | "
            f"{r['bootstrap_se']:.4f} | {r['seconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Command line: run the calibration and write the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=40)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = calibrate(args.histories, args.resamples, args.seed)
    text = markdown(rows, args.histories, args.resamples)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
