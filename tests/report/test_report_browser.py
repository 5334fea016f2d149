"""The report in a real browser: headless Chromium (Debian's) driven by Selenium.

One report is built on sp500 2019-2022 with two tickers renamed to HTML, a backtest, a
comparison and the resampled portfolio; the page is then opened from disk and checked:
no console errors, every section, every chart drawn with its traces, the numbers shown
equal to the JSON result (and to ``optimize --format json``), nothing loaded from the
network, the hostile tickers shown as text and never run. A screenshot of each section is
kept in ``test-artifacts/report/`` (gitignored).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_sgd.cli.main import main
from tests.report.conftest import ARTIFACTS, HOSTILE, IMG_TICKER, SCRIPT_TICKER, require_browser

pytestmark = pytest.mark.slow

SECTIONS = ["summary", "weights", "frontier", "backtest", "estimation", "compare", "reproduce"]
TRACES = {
    "fig-composition": 2,  # weights with bootstrap intervals, P(held)
    "fig-contributions": 1,
    "fig-contributions-groups": 1,
    "fig-frontier": 7,  # frontier, assets, resampled cloud, chosen, 3 compared
    "fig-cumulative": 3,  # sgd, equal-weight, benchmark
    "fig-drawdowns": 3,
    "fig-rolling": 6,  # volatility and Sharpe of each
    "fig-turnover": 4,  # turnover and cumulative cost of each strategy
    "fig-monthly": 1,
    "fig-noise": 2,  # measured, sigma^2/m
    "fig-compare": 3,
}
COMMON = [
    "--returns",
    "{returns}",
    "--objective",
    "min-variance",
    "--resample",
    "--bootstrap",
    "30",
]


def _args(template: list[str], returns: Path) -> list[str]:
    return [a.format(returns=returns) for a in template]


@pytest.fixture(scope="module")
def report_file(hostile_returns_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_browser()  # skip (locally) before the slow build when there is no browser
    out = tmp_path_factory.mktemp("report") / "report.html"
    args = [
        "report",
        *_args(COMMON, hostile_returns_file),
        "--groups",
        str(Path(__file__).resolve().parents[2] / "data" / "sp500_sectors.csv"),
        "--backtest",
        "sgd:min-variance:m=64",
        "--rebalance-every",
        "63",
        "--compare",
        "min-variance,cvar,equal-weight",
        "--output",
        str(out),
    ]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="module")
def optimize_json(hostile_returns_file: Path) -> dict:
    """The same optimisation through ``optimize --format json``."""
    done = CliRunner().invoke(
        main, ["optimize", *_args(COMMON, hostile_returns_file), "--format", "json"]
    )
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def page(browser, report_file: Path):  # noqa: ANN001, ANN201
    browser.get(report_file.as_uri())
    browser.execute_async_script(
        "const done = arguments[0];"
        "const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));"
        "Promise.all(plots.map(p => p._fullLayout ? Promise.resolve() : "
        "new Promise(r => p.on('plotly_afterplot', r)))).then(() => done());"
    )
    return browser


def _data(page) -> dict:  # noqa: ANN001
    return page.execute_script(
        "return JSON.parse(document.getElementById('report-data').textContent)"
    )


def _cells(page, table_id: str) -> dict[str, list[str]]:  # noqa: ANN001
    return page.execute_script(
        "const out = {};"
        f"document.querySelectorAll('#{table_id} tbody tr').forEach(tr => "
        "{ out[tr.dataset.key] = Array.from(tr.cells).map(c => c.textContent); });"
        "return out;"
    )


def test_page_loads_without_console_errors(page) -> None:  # noqa: ANN001
    severe = [e for e in page.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert severe == []


def test_every_section_is_present_and_screenshotted(page) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    ids = page.execute_script(
        "return Array.from(document.querySelectorAll('section.report-section')).map(s => s.id)"
    )
    assert ids == SECTIONS
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for key in ids:
        element = page.find_element(By.ID, key)
        page.execute_script("arguments[0].scrollIntoView()", element)
        path = ARTIFACTS / f"{key}.png"
        assert element.screenshot(str(path)), key
        assert path.stat().st_size > 1000


def test_every_chart_drew_its_traces(page) -> None:  # noqa: ANN001
    charts = page.execute_script(
        "return Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => ({"
        "id: p.id, data: p.data.length, full: p._fullData.length,"
        "svg: p.querySelectorAll('svg.main-svg').length,"
        "drawn: p.querySelectorAll('.cartesianlayer g.trace, g.hm').length}))"
    )
    assert {c["id"]: c["data"] for c in charts} == TRACES
    for chart in charts:
        assert chart["full"] == chart["data"], chart
        assert chart["svg"] >= 1 and chart["drawn"] == chart["data"], chart  # one group each


def test_numbers_shown_equal_the_json_result(page, optimize_json: dict) -> None:  # noqa: ANN001
    data = _data(page)
    result = data["result"]
    weights = _cells(page, "weights-table")
    assert weights  # the held assets
    for ticker, row in weights.items():
        assert row[0] == ticker
        assert row[1] == f"{result['weights'][ticker]:.4f}"
        assert row[1] == f"{optimize_json['weights'][ticker]:.4f}"  # an independent run
        assert row[5] == f"{result['p_held'][ticker]:.2f}"
    held = {t for t, w in optimize_json["weights"].items() if abs(w) >= 5e-5}
    assert set(weights) == held
    summary = {k: v[1] for k, v in _cells(page, "summary-table").items()}
    assert summary["optimality_gap"] == f"{optimize_json['optimality_gap']:.6g}"
    assert summary["relative_gap_bound"] == f"{optimize_json['relative_gap_bound']:.6g}"
    assert summary["converged"] == ("yes" if optimize_json["converged"] else "NO")
    assert summary["n_assets"] == str(optimize_json["n_assets"])
    assert summary["window"] == f"{optimize_json['start']} .. {optimize_json['end']}"
    backtest = _cells(page, "backtest-table")
    for name, metrics in data["backtest"]["strategies"].items():
        assert backtest[name][1] == f"{metrics['annual_return']:.2%}"
        assert backtest[name][5] == f"{metrics['max_drawdown']:.2%}"
    noise = _cells(page, "noise-table")
    for k, m in enumerate(data["estimation"]["batch_sizes"]):
        assert noise[str(m)][2] == f"{data['estimation']['predicted'][k]:.4g}"


def test_page_opens_offline(page, report_file: Path) -> None:  # noqa: ANN001
    text = report_file.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=\s*[\"']?https?:", text)
    remote = page.execute_script(
        "return Array.from(document.querySelectorAll('[src],[href]'))"
        ".map(e => e.getAttribute('src') || e.getAttribute('href'))"
        ".filter(u => /^(https?:)?\\/\\//.test(u))"
    )
    assert remote == []
    loaded = page.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name)"
        ".filter(u => /^https?:/.test(u))"
    )
    assert loaded == []
    assert text.count('<script type="text/javascript">') == 1  # plotly.js, once


def test_html_in_tickers_is_shown_as_text_and_never_runs(page) -> None:  # noqa: ANN001
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert  # noqa: B018
    assert page.execute_script("return window.__xss === undefined")
    weights = _cells(page, "weights-table")
    for ticker in (SCRIPT_TICKER, IMG_TICKER):
        assert ticker in weights and weights[ticker][0] == ticker
    assert set(HOSTILE.values()) <= set(_data(page)["result"]["weights"])
