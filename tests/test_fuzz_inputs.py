"""Fuzzing the inputs (issue 11): a mutated input either loads to exactly the data it
holds, or fails with one :class:`PortfolioSGDError`; never a traceback, never garbage.

Every case starts from a clean slice of the bundled sp500 returns. Hypothesis mutates how
it is written (delimiter, encoding, gzip, Parquet, date format, headers) and what it holds
(text, NaN, inf, huge, empty cells; duplicate or unsorted dates; odd dtypes, indexes and
columns). An independent oracle, written from the mutation alone, says whether the case
must fail and, if not, which columns of the clean data must come back.

Runs are reproducible (``derandomize=True``, no example database). The number of cases
scales with ``PORTFOLIO_SGD_FUZZ_EXAMPLES`` (a multiplier, default 1: about 2,200 cases).
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_sgd.cli import main
from portfolio_sgd.data import load_returns
from portfolio_sgd.data.inputs import validate_returns_input
from portfolio_sgd.errors import PortfolioSGDError

SCALE = float(os.environ.get("PORTFOLIO_SGD_FUZZ_EXAMPLES", "1"))
ROWS, ASSETS, MIN_ROWS = 36, 4, 30


def fuzz(n: int):
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@functools.cache
def clean(monthly: bool = False) -> pd.DataFrame:
    """(ROWS, ASSETS) real returns; daily dates, or monthly ones dated on the 1st."""
    data = load_returns(dataset="sp500").iloc[-ROWS:, :ASSETS]
    if monthly:
        data = data.set_axis(pd.date_range("2019-01-01", periods=ROWS, freq="MS", name="Date"))
    return data


_counter = itertools.count()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


# --- file cases --------------------------------------------------------------------

CELL_KINDS = ("text", "nan", "empty", "inf", "huge", "below", "padded")
FATAL = {"text", "inf", "huge", "below"}
DATE_STYLES = ("iso", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d", "%d %b %Y", "iso-time")
HEADERS = ("plain", "unicode", "padded", "duplicate", "empty")
NAMES = {"unicode": ["Ünï", "Çà", "Ñø", "Ëé"], "plain": None}


@dataclass
class FileCase:
    container: str
    cells: list[tuple[int, int, str]] = field(default_factory=list)
    monthly: bool = False
    date_style: str = "iso"
    give_format: bool = False
    rows: str = "ok"  # ok | duplicate | unsorted
    header: str = "plain"
    sep: str = ","
    encoding: str = "utf-8"
    gzip: bool = False


@st.composite
def file_cases(draw, container: str) -> FileCase:
    cells = draw(
        st.lists(
            st.tuples(
                st.integers(0, ROWS - 1), st.integers(0, ASSETS - 1), st.sampled_from(CELL_KINDS)
            ),
            max_size=3,
        )
    )
    rows = draw(st.sampled_from(["ok"] * 4 + ["duplicate", "unsorted"]))
    case = FileCase(container=container, cells=cells, rows=rows)
    case.monthly = draw(st.booleans())
    if container == "csv":
        case.date_style = draw(st.sampled_from(DATE_STYLES))
        case.give_format = draw(st.booleans())
        case.header = draw(st.sampled_from(HEADERS))
        case.sep = draw(st.sampled_from([",", ";", "\t", "|"]))
        case.encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
        case.gzip = draw(st.booleans())
    else:
        case.header = draw(st.sampled_from(["plain", "unicode"]))
    return case


def expected_names(case: FileCase) -> list[str]:
    base = [str(c) for c in clean(case.monthly).columns]
    return NAMES["unicode"][:ASSETS] if case.header == "unicode" else base


def oracle(case: FileCase) -> tuple[bool, list[int]]:
    """(must_fail, kept column positions) from the mutation alone."""
    final: dict[tuple[int, int], str] = {}
    for row, col, kind in case.cells:  # a later mutation wins; padding keeps what it pads
        final[row, col] = final.get((row, col), kind) if kind == "padded" else kind
    dropped = {col for (_, col), kind in final.items() if kind in ("nan", "empty")}
    # text fails the read; inf/huge/below fail validation unless their column is dropped
    fatal = {kind for (_, col), kind in final.items() if kind == "text" or col not in dropped}
    if fatal & FATAL or case.rows != "ok" or case.header in ("duplicate", "empty"):
        return True, []
    dates = clean(case.monthly).index
    if case.date_style in ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y") and not case.give_format:
        if not (dates.day > 12).any():  # nothing proves the order: must ask for a format
            return True, []
    kept = [c for c in range(ASSETS) if c not in dropped]
    return len(kept) < 2, kept


def mutate(case: FileCase) -> pd.DataFrame:
    """The clean data as an object frame, with the case's cell/row/header mutations."""
    data = clean(case.monthly).astype(object)
    for row, col, kind in case.cells:
        value = data.iat[row, col]
        data.iat[row, col] = {
            "text": "abc",
            "nan": "NaN",
            "empty": "",
            "inf": "inf",
            "huge": "1e300",
            "below": "-1.5",
            "padded": f"  {value if isinstance(value, str) else repr(value)} ",
        }[kind]
    names = expected_names(case)
    if case.header == "padded":
        names = [f" {n} " for n in names]
    elif case.header == "duplicate":
        names = [names[0], names[0], *names[2:]]
    elif case.header == "empty":
        names = [names[0], "", *names[2:]]
    data.columns = names
    if case.rows == "duplicate":
        data.index = data.index[[0, 0, *range(2, ROWS)]]
    elif case.rows == "unsorted":
        data = data.iloc[[1, 0, *range(2, ROWS)]]
    return data


def date_text(index: pd.DatetimeIndex, style: str) -> list[str]:
    if style == "iso":
        return [d.date().isoformat() for d in index]
    if style == "iso-time":
        return [d.isoformat() for d in index]
    return list(index.strftime(style))


def write(case: FileCase, folder) -> str:
    data = mutate(case)
    stem = folder / f"case{next(_counter)}"
    if case.container == "parquet":
        numeric = data.apply(lambda c: pd.to_numeric(c.astype(str).str.strip(), errors="coerce"))
        texts = [c for c in data.columns if (data[c] == "abc").any()]
        frame = numeric.astype(object) if texts else numeric
        for c in texts:  # a text column stays text, as a careless export would write it
            frame[c] = data[c].astype(str)
        path = f"{stem}.parquet"
        frame.to_parquet(path)
        return path
    lines = [case.sep.join(["Date", *map(str, data.columns)])]
    stamps = date_text(pd.DatetimeIndex(data.index), case.date_style)
    for stamp, row in zip(stamps, data.itertuples(index=False), strict=True):
        cells = (v if isinstance(v, str) else repr(v) for v in row)
        lines.append(case.sep.join([stamp, *cells]))
    blob = ("\n".join(lines) + "\n").encode(case.encoding)
    path = f"{stem}.csv" + (".gz" if case.gzip else "")
    with (gzip.open if case.gzip else open)(path, "wb") as handle:
        handle.write(blob)
    return path


def check_file_case(case: FileCase, folder) -> None:
    path = write(case, folder)
    date_format = None
    if case.give_format and case.date_style not in ("iso", "iso-time"):
        date_format = case.date_style
    must_fail, kept = oracle(case)
    try:
        got = load_returns(returns_path=path, min_rows=MIN_ROWS, date_format=date_format)
    except PortfolioSGDError as exc:
        assert "\n" not in str(exc)
        if case.encoding == "latin-1" and case.header == "unicode":
            return  # not UTF-8: refusing to read it is right
        assert must_fail, f"{case}: unexpected {type(exc).__name__}: {exc}"
        return
    assert not must_fail, f"{case}: loaded data that must be rejected"
    expected = clean(case.monthly).iloc[:, kept]
    assert list(got.columns) == [expected_names(case)[c] for c in kept]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-14, atol=0)
    assert np.isfinite(got.to_numpy()).all()
    want = pd.DatetimeIndex(expected.index, name="Date", freq=None)
    pd.testing.assert_index_equal(got.index, want)


@fuzz(1000)
@given(case=file_cases("csv"))
def test_fuzz_csv_files(case, folder):
    check_file_case(case, folder)


@fuzz(250)
@given(case=file_cases("parquet"))
def test_fuzz_parquet_files(case, folder):
    check_file_case(case, folder)


# --- DataFrames given to the API ------------------------------------------------------

DTYPES = ("float", "float32", "object", "int", "bool", "category", "text")
INDEXES = ("dates", "unsorted", "duplicated", "tz", "strings", "range")
COLUMNS = ("str", "ints", "duplicates")


@st.composite
def frame_cases(draw):
    return (
        draw(st.lists(st.sampled_from(DTYPES), min_size=ASSETS, max_size=ASSETS)),
        draw(st.sampled_from(INDEXES)),
        draw(st.sampled_from(COLUMNS)),
        draw(st.sampled_from([ROWS, 3])),
    )


def build_frame(dtypes, index_kind, columns_kind, rows):
    base = clean().iloc[:rows]
    data, expected = {}, np.empty((rows, ASSETS))
    rng = np.random.default_rng(len(dtypes))
    for j, kind in enumerate(dtypes):
        col = base.iloc[:, j].to_numpy()
        if kind == "int":
            col = rng.integers(-1, 2, size=rows)
        values = {
            "float": col,
            "float32": col.astype(np.float32),
            "object": col.astype(object),
            "int": col,
            "bool": col > 0,
            "category": pd.Categorical(col),
            "text": np.where(np.arange(rows) == rows // 2, "x", col.astype(str)).astype(object),
        }[kind]
        data[j] = values
        if kind in ("bool", "text"):
            expected[:, j] = 0.0  # never compared: the case must fail
        else:
            expected[:, j] = np.asarray(col if kind == "category" else values, dtype=np.float64)
    frame = pd.DataFrame(data)
    dates = pd.DatetimeIndex(base.index)
    frame.index = {
        "dates": dates,
        "unsorted": dates[::-1],
        "duplicated": dates[[0, *range(rows - 1)]],
        "tz": dates.tz_localize("UTC"),
        "strings": dates.strftime("%Y-%m-%d"),
        "range": pd.RangeIndex(rows),
    }[index_kind]
    frame.columns = {
        "str": [f"T{j}" for j in range(ASSETS)],
        "ints": list(range(ASSETS)),
        "duplicates": ["A", "A", *[f"T{j}" for j in range(2, ASSETS)]],
    }[columns_kind]
    return frame, expected


@fuzz(900)
@given(case=frame_cases())
def test_fuzz_dataframes_given_to_the_api(case):
    dtypes, index_kind, columns_kind, rows = case
    frame, expected = build_frame(*case)
    must_fail = (
        rows < MIN_ROWS
        or {"bool", "text"} & set(dtypes)
        or index_kind in ("unsorted", "duplicated")
        or columns_kind == "duplicates"
        or np.any(expected.max(axis=0) == expected.min(axis=0))
    )
    try:
        values, tickers, index = validate_returns_input(frame)
    except PortfolioSGDError as exc:
        assert "\n" not in str(exc)
        assert must_fail, f"{case}: unexpected {exc}"
        return
    assert not must_fail, f"{case}: accepted bad input"
    assert tickers == [str(c) for c in frame.columns] and index.equals(frame.index)
    np.testing.assert_allclose(values, expected, rtol=1e-6 if "float32" in dtypes else 0)


# --- a few whole CLI runs ---------------------------------------------------------------


@fuzz(20)
@given(case=file_cases("csv"))
def test_fuzz_cli_optimize(case, folder):
    path = write(case, folder)
    args = ["optimize", "--returns", path, "--steps", "5", "--format", "json"]
    if case.give_format and case.date_style not in ("iso", "iso-time"):
        args += ["--date-format", case.date_style]
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.stderr
    must_fail, kept = oracle(case)
    if result.exit_code == 0:
        assert not must_fail, case
        weights = json.loads(result.stdout)["weights"]
        assert list(weights) == [expected_names(case)[c] for c in kept]
        assert abs(sum(weights.values()) - 1) < 1e-9
    else:
        assert result.exit_code in (1, 2)
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1, result.stderr
        if not (case.encoding == "latin-1" and case.header == "unicode"):
            assert must_fail, (case, errors)
