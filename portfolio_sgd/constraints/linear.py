"""General linear constraints ``A_ub w <= b_ub`` and ``A_eq w = b_eq`` (groups, sectors).

:class:`LinearConstraints` is the numeric constraint part: rows over the N assets of
one panel, each with a label (the source string, or ``A_ub[i]`` for a matrix row), so a
violation or an infeasibility can be reported by name. :func:`resolve_linear` builds it
from a :class:`~portfolio_sgd.constraints.Constraints` record's ``groups``, ``linear``
strings and matrix forms, against the panel's tickers.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from .base import ConstraintPart
from .groups import GroupsForm, check_members, group_exposures
from .linear_parse import ambiguous_name, parse_linear, quoted

__all__ = ["LinearConstraints", "resolve_linear"]


@dataclass(frozen=True, eq=False)
class LinearConstraints(ConstraintPart):
    """Rows ``a_ub w <= b_ub`` and ``a_eq w = b_eq`` over N assets.

    Attributes
    ----------
    a_ub : np.ndarray, shape (m_ub, N)
    b_ub : np.ndarray, shape (m_ub,)
    a_eq : np.ndarray, shape (m_eq, N)
    b_eq : np.ndarray, shape (m_eq,)
    labels_ub, labels_eq : tuple of str
        One label per row (the constraint's source text).
    """

    a_ub: np.ndarray
    b_ub: np.ndarray
    a_eq: np.ndarray
    b_eq: np.ndarray
    labels_ub: tuple[str, ...] = field(default=())
    labels_eq: tuple[str, ...] = field(default=())
    name = "linear"

    @property
    def n_rows(self) -> int:
        """Number of rows (inequalities plus equalities)."""
        return int(self.a_ub.shape[0] + self.a_eq.shape[0])

    def row_violations(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Signed residuals ``(a_ub w - b_ub, a_eq w - b_eq)``: shapes (K, m_ub), (K, m_eq)."""
        w64 = w.to(torch.float64)
        a_ub = torch.as_tensor(self.a_ub, dtype=torch.float64, device=w.device)
        a_eq = torch.as_tensor(self.a_eq, dtype=torch.float64, device=w.device)
        b_ub = torch.as_tensor(self.b_ub, dtype=torch.float64, device=w.device)
        b_eq = torch.as_tensor(self.b_eq, dtype=torch.float64, device=w.device)
        return w64 @ a_ub.T - b_ub, w64 @ a_eq.T - b_eq

    def violation(self, w: torch.Tensor) -> torch.Tensor:
        ub, eq = self.row_violations(w)
        zero = torch.zeros(w.shape[:-1], dtype=torch.float64, device=w.device)
        worst_ub = ub.clamp_min(0.0).amax(dim=-1) if ub.shape[-1] else zero
        worst_eq = eq.abs().amax(dim=-1) if eq.shape[-1] else zero
        return torch.maximum(worst_ub, worst_eq).to(w.dtype)

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        out = []
        if self.a_ub.shape[0]:
            out.append(self.a_ub @ w <= self.b_ub)
        if self.a_eq.shape[0]:
            out.append(self.a_eq @ w == self.b_eq)
        return out

    def describe(self) -> str:
        return "; ".join(self.labels_ub + self.labels_eq)


def _row(
    text: str,
    coefs: Sequence[tuple[str, float]],
    tickers: list[str],
    labels: list[str],
    m: np.ndarray,
) -> np.ndarray:
    """The coefficient row (N,) of a parsed constraint (names resolved)."""
    col = {t: i for i, t in enumerate(tickers)}
    grp = {g: j for j, g in enumerate(labels)}
    row = np.zeros(len(tickers))
    for name, coef in coefs:
        if name in grp:
            if not m[:, grp[name]].any():
                raise ConfigError(
                    f"constraint {text!r}: group {name!r} has no member among the "
                    f"{len(tickers)} assets of the returns"
                )
            row += coef * m[:, grp[name]]
        elif name in col:
            row[col[name]] += coef
        else:
            close = difflib.get_close_matches(name, list(grp) + tickers, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            kinds = "an asset of the returns or a group" if labels else "an asset of the returns"
            raise ConfigError(f"constraint {text!r}: unknown name {name!r} (not {kinds}){hint}")
    return row


def _refuse_ambiguous(text: str, labels: list[str], tickers: list[str]) -> None:
    """Refuse a group or asset name that reads as an expression when unquoted.

    ``Tech-Growth <= 0.01`` with a group ``Tech-Growth`` would parse as ``Tech`` minus
    ``Growth``; the error shows the quoted form.
    """
    name = ambiguous_name(text, labels + tickers)
    if name is None:
        return
    kind = "group" if name in labels else "asset"
    raise ConfigError(
        f"constraint {text!r}: {kind} name {name!r} is also an expression when unquoted; "
        f"write it in backquotes or double quotes, e.g. {quoted(name)} (quoted names are "
        "always names, unquoted ones never contain -, +, *, / or start with a digit)"
    )


def _matrix(
    name: str, a: Any, b: Any, n_assets: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """A user's matrix form, checked: shapes (m, N) and (m,), finite."""
    if a is None and b is None:
        return np.zeros((0, n_assets)), np.zeros(0), ()
    if a is None or b is None:
        raise ConfigError(f"{name} and its right-hand side must be given together")
    a_np = np.atleast_2d(np.asarray(a, dtype=np.float64))
    b_np = np.atleast_1d(np.asarray(b, dtype=np.float64))
    if a_np.shape[1] != n_assets or b_np.shape != (a_np.shape[0],):
        raise ConfigError(
            f"{name} has shape {a_np.shape} with {b_np.shape[0]} right-hand sides; "
            f"expected ({a_np.shape[0]}, {n_assets}) for {n_assets} assets"
        )
    if not (np.isfinite(a_np).all() and np.isfinite(b_np).all()):
        raise ConfigError(f"{name} contains NaN or inf")
    return a_np, b_np, tuple(f"{name}[{i}]" for i in range(a_np.shape[0]))


def resolve_linear(
    tickers: list[str],
    groups: GroupsForm | None,
    linear: Sequence[str],
    matrices: tuple[Any, Any, Any, Any] = (None, None, None, None),
    *,
    allow_absent_members: bool = False,
) -> LinearConstraints | None:
    """The numeric rows of ``linear`` strings (over tickers and group labels) and matrices.

    Parameters
    ----------
    tickers : list of str
        The panel's N asset names (column order of the weights).
    groups : canonical groups form or None
    linear : sequence of str
        Constraint strings (:mod:`.linear_parse`).
    matrices : (A_ub, b_ub, A_eq, b_eq)
        Matrix forms over the N assets in column order (None where absent).
    allow_absent_members : bool
        Ignore group members that are not among ``tickers`` (with a warning counting
        them) instead of refusing them.

    Returns
    -------
    LinearConstraints or None
        None when there is no row at all.

    Raises
    ------
    ConfigError
        A parse error, an ambiguous unquoted name, an unknown name, a group member that
        is not among the tickers (unless allowed), a group without a member among the
        tickers, a mis-shaped matrix.
    """
    check_members(groups, tickers, allow_absent_members)
    labels, m = group_exposures(groups, tickers)
    n = len(tickers)
    rows: dict[str, tuple[list[np.ndarray], list[float], list[str]]] = {
        "<=": ([], [], []),
        "==": ([], [], []),
    }
    for text in linear:
        _refuse_ambiguous(text, labels, tickers)
        parsed = parse_linear(text)
        target = rows[parsed.sense]
        target[0].append(_row(text, parsed.coefs, tickers, labels, m))
        target[1].append(parsed.rhs)
        target[2].append(text.strip())
    ub_rows, ub_rhs, ub_names = rows["<="]
    eq_rows, eq_rhs, eq_names = rows["=="]
    a_ub, b_ub, n_ub = _matrix("A_ub", matrices[0], matrices[1], n)
    a_eq, b_eq, n_eq = _matrix("A_eq", matrices[2], matrices[3], n)
    a_ub = np.vstack([np.array(ub_rows).reshape(-1, n), a_ub])
    a_eq = np.vstack([np.array(eq_rows).reshape(-1, n), a_eq])
    if a_ub.shape[0] + a_eq.shape[0] == 0:
        return None
    return LinearConstraints(
        a_ub=a_ub,
        b_ub=np.concatenate([np.array(ub_rhs, dtype=np.float64), b_ub]),
        a_eq=a_eq,
        b_eq=np.concatenate([np.array(eq_rhs, dtype=np.float64), b_eq]),
        labels_ub=tuple(ub_names) + n_ub,
        labels_eq=tuple(eq_names) + n_eq,
    )


def normalize_linear(linear: Any) -> tuple[str, ...]:
    """The ``linear`` field as a tuple of strings (a single string is one constraint)."""
    if linear is None:
        return ()
    if isinstance(linear, str):
        return (linear,)
    out = tuple(linear)
    bad = [c for c in out if not isinstance(c, str)]
    if bad:
        raise ConfigError(f"linear constraints must be strings, got {bad[0]!r}")
    return out


def normalize_matrix(name: str, value: Any) -> tuple | None:
    """A matrix (2-D) or right-hand side (1-D) as nested tuples of floats (hashable)."""
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float64)
    if name.startswith("A"):
        arr = np.atleast_2d(arr)
        if arr.ndim != 2:
            raise ConfigError(f"{name} must be a 2-D matrix, got shape {arr.shape}")
        return tuple(tuple(float(x) for x in row) for row in arr)
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ConfigError(f"{name} must be a 1-D vector, got shape {arr.shape}")
    return tuple(float(x) for x in arr)
