"""Parsing linear constraint strings over asset and group names.

A constraint is ``lhs OP rhs`` with ``OP`` one of ``<=``, ``>=``, ``==`` (or ``=``) and
each side a linear expression: numbers, names, ``+``, ``-``, ``*``, ``/`` (by a number)
and parentheses, e.g. ``"Tech <= 0.3"``, ``"Equity <= 2 * Bond"``,
``"AAPL + MSFT <= 0.15"``, ``"Energy == 0.05"``, ``"0.5 * (AAPL + MSFT) >= XOM"``.

A name is a run of letters, digits, ``_``, ``.`` and ``^`` that does not start like a
number (``BRK.B``, ``^GSPC``, ``Consumer_Staples``); adjacent words form one name
(``Health Care``, ``Information Technology``, joined by one space); any other name (with
a hyphen: ``"BRK-B"``) is written in single or double quotes.

:func:`parse_linear` returns the constraint as ``sum_k coef_k * name_k SENSE rhs`` with
``SENSE`` in ``{"<=", "=="}`` (``>=`` is flipped). A syntax error is a
:class:`~portfolio_sgd.errors.ConfigError` naming the offending token and its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["ParsedConstraint", "ambiguous_name", "needs_quotes", "parse_linear", "quoted"]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?)"
    r"|(?P<op><=|>=|==|=<|=>|=|<|>)"
    r"|(?P<sym>[-+*/()])"
    r"|(?P<name>[A-Za-z_^][A-Za-z0-9_.^]*)"
    r"|'(?P<q1>[^']+)'|\"(?P<q2>[^\"]+)\"|`(?P<q3>[^`]+)`)"
)
_QUOTED = ("q1", "q2", "q3")
_SENSES = {"<=": "<=", "=<": "<=", ">=": ">=", "=>": ">=", "==": "==", "=": "=="}


@dataclass(frozen=True)
class ParsedConstraint:
    """``sum_k coefs[k][1] * w[coefs[k][0]]  sense  rhs``.

    Attributes
    ----------
    coefs : tuple of (name, coefficient)
        Non-zero coefficients, in order of first appearance.
    sense : {"<=", "=="}
    rhs : float
    text : str
        The source string.
    """

    coefs: tuple[tuple[str, float], ...]
    sense: str
    rhs: float
    text: str


# A linear form: (coefficients by name, constant).
_Form = tuple[dict[str, float], float]


class _Parser:
    """Recursive descent over the token list of one constraint string."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        self.quoted: list[bool] = []
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            if m is None or m.end() == pos:
                bad = stripped[pos:].lstrip()
                at = pos + len(stripped[pos:]) - len(bad)
                self.fail(bad[0], at)
            kind = m.lastgroup or ""
            value = m.group(kind)
            self.quoted.append(kind in _QUOTED)
            kind = "name" if kind in _QUOTED else kind
            self.tokens.append((kind, value, m.start(kind)))
            pos = m.end()
        self.i = 0

    def fail(self, token: str, pos: int, why: str = "unexpected token") -> None:
        raise ConfigError(f"constraint {self.text!r}: {why} {token!r} at position {pos}")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise ConfigError(f"constraint {self.text!r}: incomplete expression at the end")
        self.i += 1
        return tok

    def expr(self) -> _Form:
        coefs, const = self.term()
        while (tok := self.peek()) is not None and tok[1] in "+-" and tok[0] == "sym":
            self.take()
            other = self.term()
            sign = 1.0 if tok[1] == "+" else -1.0
            coefs, const = _add((coefs, const), other, sign)
        return coefs, const

    def term(self) -> _Form:
        form = self.unary()
        while (tok := self.peek()) is not None and tok[0] == "sym" and tok[1] in "*/":
            self.take()
            start = self.peek()
            other = self.unary()
            if tok[1] == "*" and not form[0]:
                form, other = other, form
            if other[0]:
                self.fail(
                    start[1] if start else tok[1],
                    start[2] if start else tok[2],
                    "non-linear term at",
                )
            if tok[1] == "/" and other[1] == 0:
                self.fail(tok[1], tok[2], "division by zero at")
            factor = other[1] if tok[1] == "*" else 1.0 / other[1]
            form = ({k: v * factor for k, v in form[0].items()}, form[1] * factor)
        return form

    def unary(self) -> _Form:
        tok = self.take()
        if tok[0] == "sym" and tok[1] in "+-":
            coefs, const = self.unary()
            sign = 1.0 if tok[1] == "+" else -1.0
            return {k: sign * v for k, v in coefs.items()}, sign * const
        if tok[0] == "num":
            value = float(tok[1].rstrip("%")) / (100.0 if tok[1].endswith("%") else 1.0)
            return {}, value
        if tok[0] == "name":
            name = tok[1]
            while (nxt := self.peek()) is not None and nxt[0] == "name":
                name += " " + self.take()[1]  # adjacent words are one name: Health Care
            return {name: 1.0}, 0.0
        if tok[1] == "(":
            form = self.expr()
            close = self.peek()
            if close is None or close[1] != ")":
                self.fail(
                    close[1] if close else "(",
                    close[2] if close else tok[2],
                    "expected ')' instead of" if close else "unclosed",
                )
            self.take()
            return form
        self.fail(tok[1], tok[2])
        raise AssertionError  # pragma: no cover

    def constraint(self) -> ParsedConstraint:
        if not self.tokens:
            raise ConfigError(f"constraint {self.text!r}: empty constraint")
        lhs = self.expr()
        tok = self.take() if self.peek() is not None else None
        if tok is None or tok[0] != "op":
            where = tok or ("", "", len(self.text))
            self.fail(
                where[1],
                where[2],
                "expected <=, >= or == instead of"
                if tok
                else "missing comparison (<=, >= or ==) at the end:",
            )
        sense = _SENSES.get(tok[1]) if tok else None
        if sense is None:
            self.fail(tok[1], tok[2], "strict comparison not supported:")  # type: ignore[index]
        rhs = self.expr()
        if (extra := self.peek()) is not None:
            self.fail(extra[1], extra[2])
        return _normalise(lhs, rhs, str(sense), self.text, self.fail)


def _add(a: _Form, b: _Form, sign: float) -> _Form:
    """``a + sign * b``."""
    coefs = dict(a[0])
    for k, v in b[0].items():
        coefs[k] = coefs.get(k, 0.0) + sign * v
    return coefs, a[1] + sign * b[1]


def _normalise(lhs: _Form, rhs: _Form, sense: str, text: str, fail) -> ParsedConstraint:  # noqa: ANN001
    """``lhs - rhs`` moved to ``sum coef * name (<= | ==) constant``."""
    coefs, const = _add(lhs, rhs, -1.0)
    if sense == ">=":
        coefs, const = {k: -v for k, v in coefs.items()}, -const
        sense = "<="
    kept = tuple((k, v) for k, v in coefs.items() if v != 0.0)
    if not kept:
        raise ConfigError(f"constraint {text!r}: names no asset or group")
    return ParsedConstraint(coefs=kept, sense=sense, rhs=0.0 - const, text=text)


def parse_linear(text: str) -> ParsedConstraint:
    """Parse one linear constraint string.

    Parameters
    ----------
    text : str
        E.g. ``"Tech <= 0.3"``, ``"Equity <= 2 * Bond"``, ``"AAPL + MSFT <= 15%"``.

    Returns
    -------
    ParsedConstraint

    Raises
    ------
    ConfigError
        A syntax error naming the offending token and its position, a non-linear term,
        a strict comparison, or no name at all.
    """
    if not isinstance(text, str):
        raise ConfigError(f"a linear constraint must be a string, got {type(text).__name__}")
    return _Parser(text).constraint()


def _plain_tokens(text: str) -> list[tuple[str, str]] | None:
    """The unquoted tokens ``(kind, value)`` of ``text`` (quoted names as kind "quoted"),
    or None where ``text`` does not tokenise."""
    try:
        parser = _Parser(text)
    except ConfigError:
        return None
    return [
        ("quoted" if q else kind, value)
        for (kind, value, _), q in zip(parser.tokens, parser.quoted, strict=True)
    ]


def needs_quotes(name: str) -> bool:
    """Whether ``name`` must be quoted in a constraint: unquoted, it does not read as
    that one name (``Tech-Growth``, ``BRK-B``, ``3M``, ``1``, ``a  b``)."""
    tokens = _plain_tokens(name)
    if not tokens or any(kind != "name" for kind, _ in tokens):
        return True
    return " ".join(value for _, value in tokens) != name


def quoted(name: str) -> str:
    """``name`` in backquotes (double quotes where it holds a backquote)."""
    return f'"{name}"' if "`" in name else f"`{name}`"


def ambiguous_name(text: str, names: list[str]) -> str | None:
    """The first of ``names`` that needs quotes but appears unquoted in ``text``.

    A name appears when its tokens occur as a contiguous run of ``text``'s unquoted
    tokens: ``Tech-Growth`` in ``"Tech-Growth <= 0.01"`` (or ``Tech - Growth``), the
    ticker ``1`` in ``"AAPL <= 1"``.
    """
    tokens = _plain_tokens(text)
    if not tokens:
        return None
    for name in names:
        if not needs_quotes(name):
            continue
        pattern = _plain_tokens(name)
        if not pattern or any(kind == "quoted" for kind, _ in pattern):
            continue
        k = len(pattern)
        if any(tokens[i : i + k] == pattern for i in range(len(tokens) - k + 1)):
            return name
    return None
