"""Step cost with sector caps: 11 sector caps on 500 assets against an unconstrained step.

The panel is the first 500 columns of the bundled ``us-stocks-2500`` prices (2012-2017
daily returns) with synthetic sector labels (asset i in sector ``i mod 11``) and a cap of
0.12 on every sector. Each case runs the engine for a fixed number of mini-batch steps
(constant batch size, no tolerance stop) and reports the wall time per step, the
minimum over ``--repeats`` runs (the least disturbed by other load):

- ``unconstrained``: long-only, fully invested (the library defaults);
- ``unconstrained, no preconditioner``: the same in the Euclidean metric;
- ``11 sector caps``: the same run with ``Constraints(groups=..., linear=[...])``
  (the exact nested group kernel, :mod:`portfolio_sgd.constraints.group_kernel`, in the
  preconditioner's diagonal metric), and again without the preconditioner.

It also times the projections alone on a (K, 500) batch. Run::

    python -m benchmarks.constraint_step_cost [--steps 300] [--repeats 3] [--device cpu]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

N_ASSETS, N_SECTORS, CAP = 500, 11, 0.12


def _panel() -> Any:
    from portfolio_sgd.data import load_returns

    returns = load_returns(dataset="us-stocks-2500")
    return returns.iloc[:, :N_ASSETS]


def _sector_constraints(tickers: list[str]) -> Any:
    from portfolio_sgd import Constraints

    groups = {t: f"S{i % N_SECTORS}" for i, t in enumerate(tickers)}
    caps = [f"S{g} <= {CAP}" for g in range(N_SECTORS)]
    return Constraints(groups=groups, linear=caps)


def _per_step(returns: Any, constraints: Any, config: Any, repeats: int) -> float:
    from portfolio_sgd import optimize

    best = float("inf")
    for _ in range(repeats):
        res = optimize(returns, "min-variance", constraints, config)
        best = min(best, res.wall_time / max(res.steps, 1))
    return best


def _kernel_times(constraints: Any, n: int, k: int, repeats: int, device: str) -> dict[str, float]:
    """Seconds per call of the simplex kernel and the sector-cap kernel on (k, n) points."""
    import torch

    from portfolio_sgd.constraints import Constraints

    gen = torch.Generator().manual_seed(0)
    v = (torch.randn(k, n, generator=gen, dtype=torch.float64) * 0.01 + 1.0 / n).to(device)
    out = {}
    for label, c in (("simplex kernel", Constraints()), ("sector kernel", constraints)):
        project = c.projector(n)
        project(v)
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(200):
                project(v)
            if device != "cpu":
                torch.cuda.synchronize()
            best = min(best, (time.perf_counter() - t0) / 200)
        out[label] = best
    return out


def measure(steps: int, repeats: int, device: str) -> dict[str, float]:
    """Seconds per step of each case, and per projection call."""
    import dataclasses

    import torch

    from portfolio_sgd import Constraints, EngineConfig

    torch.set_num_threads(1)
    returns = _panel()
    tickers = [str(c) for c in returns.columns]
    sectors = _sector_constraints(tickers)
    config = EngineConfig(
        steps=steps, batch_schedule="constant", batch_size=64, tol=None, seed=0, device=device
    )
    plain = dataclasses.replace(config, precondition=False)
    rows = {
        "unconstrained": _per_step(returns, Constraints(), config, repeats),
        "unconstrained, no preconditioner": _per_step(returns, Constraints(), plain, repeats),
        "11 sector caps": _per_step(returns, sectors, config, repeats),
        "11 sector caps, no preconditioner": _per_step(returns, sectors, plain, repeats),
    }
    bound = sectors.bind(tickers)
    for k in (1, 64):
        for label, sec in _kernel_times(bound, N_ASSETS, k, repeats, device).items():
            rows[f"{label}, K={k}"] = sec
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    from .machine import machine_info

    info = machine_info(1)
    rows = measure(args.steps, args.repeats, args.device)
    print(
        f"machine: {info['cpu']}, {info['logical_cores']} logical cores, torch threads 1, "
        f"device {args.device}, load average {info['load_average_at_start']}"
    )
    print("| case | seconds |\n|---|---|")
    for label, sec in rows.items():
        print(f"| {label} | {sec * 1e3:.3f} ms |")
    base = rows["unconstrained"]
    print(f"\nsector caps / unconstrained step: {rows['11 sector caps'] / base:.2f}x")
    ratio = rows["11 sector caps, no preconditioner"] / rows["unconstrained, no preconditioner"]
    print(f"sector caps / unconstrained step (both Euclidean): {ratio:.2f}x")


if __name__ == "__main__":
    main()
