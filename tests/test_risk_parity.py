"""Risk budgeting (risk parity) as an engine objective: accuracy on real panels against
the exact reference, derivatives against autograd, the certificate, errors and the CLI."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.certificate import optimality_gap
from portfolio_sgd.cli import main
from portfolio_sgd.constraints import PositiveOrthant
from portfolio_sgd.data import load_returns
from portfolio_sgd.engine import Problem
from portfolio_sgd.engine.gradients import batch_gradient
from portfolio_sgd.engine.sampling import BatchSampler, Sampling
from portfolio_sgd.errors import ConfigError, DataError, InfeasibleConstraintError
from portfolio_sgd.measures.quadratic import quadratic_form
from portfolio_sgd.objectives import Objective, ObjectiveSpec, RiskParity
from portfolio_sgd.reference.exact import solve_exact
from tests.conftest import ETF_MIX

RNG = np.random.default_rng(11)
R_NP = RNG.standard_t(5, size=(300, 6)) * 0.01 + RNG.normal(0, 0.004, 300)[:, None]
SKEWED = (0.3, 0.2, 0.2, 0.1, 0.1, 0.1)


@pytest.fixture(scope="module")
def panels() -> dict[str, pd.DataFrame]:
    return {
        "sp500": load_returns(dataset="sp500"),
        "ff49-daily": load_returns(dataset="ff49-daily", start="2015-01-01"),
        "etf-mix": load_returns(dataset="us-etfs", tickers=ETF_MIX),
    }


def contributions(returns: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``w_i (Sigma w)_i / w'Sigma w`` from a hand-written population covariance."""
    centred = returns - returns.mean(axis=0)
    cov = centred.T @ centred / len(returns)
    return w * (cov @ w) / (w @ cov @ w)


# ------------------------------------------------------------------- real panels
@pytest.mark.parametrize("panel", ["sp500", "ff49-daily", "etf-mix"])
@pytest.mark.parametrize("budgets", ["equal", "ramp"])
def test_default_run_meets_the_budgets_and_the_exact_reference(panels, panel, budgets) -> None:
    returns = panels[panel]
    n = returns.shape[1]
    raw = None if budgets == "equal" else tuple(np.linspace(1.0, 4.0, n))
    beta = np.full(n, 1.0 / n) if raw is None else np.asarray(raw) / sum(raw)
    began = time.perf_counter()
    result = optimize(returns, ObjectiveSpec("risk-parity", budgets=raw), seed=0)
    elapsed = time.perf_counter() - began
    r = returns.to_numpy()
    w = result.weights.to_numpy()
    residual = np.abs(contributions(r, w) - beta).max()
    assert residual <= 1e-5, (panel, budgets, residual, elapsed)
    assert result.converged and w.sum() == pytest.approx(1.0) and np.all(w > 0)
    np.testing.assert_allclose(
        result.risk_contributions.to_numpy(), contributions(r, w), atol=1e-12
    )
    exact = solve_exact("risk-parity", r, budgets=raw)
    np.testing.assert_allclose(w, exact.weights, atol=1e-6)
    assert exact.value == pytest.approx(float(w @ np.cov(r.T, bias=True) @ w), rel=1e-6)


def test_float32_and_a_warm_start_also_converge(panels) -> None:
    returns = panels["etf-mix"]
    n = returns.shape[1]
    result = optimize(returns, "risk-budgeting", dtype="float32", seed=1)
    assert np.abs(result.risk_contributions.to_numpy() - 1.0 / n).max() <= 1e-4
    warm = optimize(returns, "risk-parity", init_weights=np.full(n, 1.0 / n))
    assert warm.converged


# ------------------------------------------------------------------ derivatives
def _problem(budgets=None) -> Problem:
    R = torch.tensor(R_NP)
    spec = ObjectiveSpec("risk-parity", budgets=budgets)
    return Problem(returns=R, mean=R.mean(0), spec=spec, constraints=Constraints())


def _autograd(problem: Problem, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``f(y) = 1/2 Var[x] - b'log y`` and its gradient by autograd."""
    y = y.clone().requires_grad_(True)
    x = y @ problem.returns.T
    dev = x - (y @ problem.mean)[:, None]
    b = torch.tensor(SKEWED if problem.spec.budgets else [1 / 6] * 6, dtype=torch.float64)
    f = 0.5 * (dev * dev).mean(dim=1) - (b / b.sum() * torch.log(y)).sum(dim=1)
    f.sum().backward()
    return f.detach(), y.grad


@pytest.mark.parametrize("budgets", [None, SKEWED])
def test_exact_gradients_match_autograd(budgets) -> None:
    problem = _problem(budgets)
    y = torch.tensor(RNG.uniform(0.5, 2.0, size=(3, 6)))
    want_f, want_g = _autograd(problem, y)
    gen = torch.Generator().manual_seed(0)
    sampler = BatchSampler(problem.n_rows, 3, Sampling.REPLACEMENT, gen, "cpu", torch.float64)
    for quad in (None, quadratic_form(problem)):
        f, g, _ = batch_gradient(problem, y, None, None, [300] * 3, True, sampler, quad=quad)
        torch.testing.assert_close(f, want_f, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(g, want_g, rtol=1e-10, atol=1e-12)
    # mini-batches: the barrier term is exact, the variance half unbiased
    sampler = BatchSampler(problem.n_rows, 3, Sampling.SHUFFLE, gen, "cpu", torch.float64)
    grads = [batch_gradient(problem, y, None, None, [100] * 3, False, sampler)[1] for _ in range(3)]
    torch.testing.assert_close(sum(grads) / 3, want_g, rtol=1e-9, atol=1e-12)


def test_reported_value_is_the_scale_free_barrier_objective() -> None:
    problem = _problem(SKEWED)
    objective = problem.spec.impl
    y = torch.tensor(RNG.uniform(0.5, 2.0, size=(2, 6)))
    value = objective.full_value(problem.returns, y, problem.mean)
    torch.testing.assert_close(value, objective.full_value(problem.returns, 7.5 * y, problem.mean))
    scales = torch.logspace(-3, 3, 20001, dtype=torch.float64)
    f = [_autograd(problem, s * y)[0] for s in scales[::100]]
    assert torch.all(torch.stack(f).min(dim=0).values >= value - 1e-9)


def test_certificate_bounds_the_true_gap_and_converged_is_the_residual() -> None:
    r = R_NP
    exact = solve_exact("risk-parity", r, budgets=SKEWED)
    spec = ObjectiveSpec("risk-parity", budgets=SKEWED)
    R = torch.tensor(r)
    w_star = torch.tensor(exact.weights)[None, :]
    f_star = float(spec.impl.full_value(R, w_star, R.mean(0))[0])
    for eps in (1e-7, 1e-4, 1e-2, 0.2):
        w = exact.weights * np.exp(eps * RNG.standard_normal(6))
        cert = optimality_gap(spec, r, w / w.sum())
        true_gap = float(spec.impl.full_value(R, torch.tensor(w)[None, :], R.mean(0))[0]) - f_star
        assert -1e-12 <= true_gap <= cert.gap[0] + 1e-12
        beta = np.asarray(SKEWED)
        residual = np.abs(contributions(r, w / w.sum()) - beta).max()
        assert cert.residual[0] == pytest.approx(residual, rel=1e-9, abs=1e-15)
        assert bool(cert.converged[0]) == (residual <= 1e-5)


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize("budgets", [(1.0, -1.0), (1.0, 0.0), (1.0, float("nan")), ()])
def test_bad_budgets_are_one_line_config_errors(budgets) -> None:
    with pytest.raises(ConfigError, match="budgets") as info:
        ObjectiveSpec("risk-parity", budgets=budgets)
    assert "\n" not in str(info.value)


def test_budget_length_bounds_and_other_objectives_are_refused() -> None:
    returns = pd.DataFrame(R_NP, columns=list("ABCDEF"))
    with pytest.raises(DataError, match="5 risk budgets for 6 assets"):
        optimize(returns, ObjectiveSpec("risk-parity", budgets=(1, 1, 1, 1, 1)), steps=5)
    with pytest.raises(ConfigError, match="risk parity takes no weight bounds"):
        optimize(returns, "risk-parity", max_weight=0.3, steps=5)
    with pytest.raises(ConfigError, match="risk parity takes no weight bounds"):
        solve_exact("risk-parity", R_NP, Constraints(min_weight=0.05))
    with pytest.raises(ConfigError, match="risk parity only"):
        ObjectiveSpec("min-variance", budgets=(1.0, 2.0))
    flat = returns.assign(C=0.0)
    with pytest.raises(DataError, match="zero variance"):
        optimize(flat, "risk-parity", steps=5)


def test_positive_orthant_part() -> None:
    cp = pytest.importorskip(
        "cvxpy", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
    )
    part = PositiveOrthant((0.1, 0.2))
    part.validate(2)
    with pytest.raises(InfeasibleConstraintError):
        part.validate(3)
    with pytest.raises(InfeasibleConstraintError):
        PositiveOrthant((0.1, 0.0)).validate(2)
    y = torch.tensor([[0.05, 0.5], [1.0, -1.0]], dtype=torch.float64)
    np.testing.assert_allclose(part.violation(y).numpy(), [0.05, 1.2])
    from portfolio_sgd.constraints.projection import projector_for

    projected = projector_for([part])(y)
    np.testing.assert_allclose(projected.numpy(), [[0.1, 0.5], [1.0, 0.2]])
    x = cp.Variable(2)
    cp.Problem(cp.Minimize(cp.sum_squares(x - y[1].numpy())), part.cvxpy(cp, x)).solve()
    np.testing.assert_allclose(x.value, projected[1].numpy(), atol=1e-6)
    assert Objective.parse("risk-budgeting") is Objective.RISK_PARITY
    assert RiskParity.feasible_set == "positive-orthant"


# --------------------------------------------------------------------------- CLI
def test_cli_json_has_risk_contributions_and_reads_budgets(tmp_path, panels) -> None:
    tickers = list(panels["sp500"].columns)
    path = tmp_path / "budgets.csv"
    path.write_text(
        "ticker,budget\n" + "".join(f"{t},{1 + i % 3}\n" for i, t in enumerate(tickers))
    )
    runner = CliRunner()
    args = ["optimize", "--objective", "risk-budgeting", "--budgets", str(path), "--format", "json"]
    out = runner.invoke(main, args, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["objective"] == "risk-parity" and payload["converged"] is True
    rc = np.array([payload["risk_contributions"][t] for t in tickers])
    beta = np.array([1 + i % 3 for i in range(len(tickers))], dtype=float)
    assert np.abs(rc - beta / beta.sum()).max() <= 1e-5
    assert payload["spec"]["budgets"] == [float(b) for b in beta]
    table = runner.invoke(main, ["optimize", "--objective", "risk-parity"], catch_exceptions=False)
    assert "risk" in table.stdout.splitlines()[2] and "max |RC - budget|" in table.stdout
    path.write_text("ticker,budget\nAAPL,1\nMSFT,2\n")
    bad = runner.invoke(main, args)
    assert bad.exit_code == 1 and "no budget for: " in bad.output and "KO" in bad.output
