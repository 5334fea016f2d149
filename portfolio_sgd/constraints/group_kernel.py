"""Exact batched projection onto disjoint group floors and caps (sector limits).

The set is

    C = { w : sum w = 1,  lo <= w_i <= hi,  L_g <= sum_{i in g} w_i <= U_g  (disjoint g) }

(assets in no group have no group row). The projection in a diagonal metric ``d``
(``d = 1``: Euclidean) has the KKT form ``w_i = clip(x_i - (tau + mu_g) / d_i, lo, hi)``
with one budget shift ``tau`` and one shift ``mu_g`` per group, non-zero only where the
group sits at its floor or cap: a nested bisection. Both levels are solved exactly from
sorted breakpoints, with a fixed sequence of tensor operations (no Python loop over
groups or rows, no data-dependent iteration count):

1. For each group, the shifts ``a_g`` and ``b_g`` at which its unconstrained sum
   ``S_g(s) = sum_{i in g} clip(x_i - s / d_i, lo, hi)`` equals ``U_g`` and ``L_g``
   (``a_g <= b_g``; ``-inf``/``+inf`` where the cap/floor cannot bind). ``S_g`` is
   piecewise linear in ``s``; all groups are solved at once by a segmented sort of the
   2N breakpoints (one sort, then a stable sort by group) and segmented prefix sums.
2. The group shifts are then ``tau + mu_g = clamp(tau, a_g, b_g)``: a group is at its cap
   for ``tau <= a_g`` (its weights are those at ``a_g``), at its floor for
   ``tau >= b_g``. So ``phi(tau) = sum_i clip(x_i - clamp(tau, a_g, b_g) / d_i, lo, hi)`` is
   piecewise linear and non-increasing, with breakpoints ``max(d_i (x_i - hi), a_g)`` and
   ``min(d_i (x_i - lo), b_g)``; ``phi(tau) = 1`` is solved on its sorted breakpoints.
3. A closed-form correction on the free entries makes every group at a bound sum to its
   bound and the whole to 1 exactly (rounding of the prefix sums removed).

The kernel computes in float64 (a polish for float32 engines) and returns the input's
dtype. The set must be non-empty (checked once, before any step, by
:mod:`.lp_feasibility`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .linear import LinearConstraints

__all__ = [
    "GroupPlan",
    "GroupProjector",
    "disjoint_group_plan",
    "project_groups",
    "split_group_rows",
]


@dataclass(frozen=True, eq=False)
class GroupPlan:
    """Disjoint groups with floors and caps, and per-asset bounds.

    Attributes
    ----------
    gid : np.ndarray of int, shape (N,)
        Group of each asset, ``0..G-1``; ``G`` for assets in no group.
    lower, upper : np.ndarray, shape (G,)
        Group-sum floors and caps, intersected with ``[n_g lo, n_g hi]``.
    lo, hi : float
        Per-asset bounds.
    """

    gid: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lo: float
    hi: float

    @property
    def n_groups(self) -> int:
        """``G``."""
        return int(self.lower.shape[0])


def _group_rows(part: LinearConstraints) -> list[tuple[tuple[int, ...], float, float]] | None:
    """Each row as ``(support, floor, cap)`` if every row is ``c * sum_{support} w`` bounded."""
    rows = []
    for a, b, is_eq in [(a, b, False) for a, b in zip(part.a_ub, part.b_ub, strict=True)] + [
        (a, b, True) for a, b in zip(part.a_eq, part.b_eq, strict=True)
    ]:
        support = np.flatnonzero(a)
        if support.size == 0 or not np.all(a[support] == a[support[0]]):
            return None
        level = float(b) / float(a[support[0]])
        lower, upper = -np.inf, np.inf
        if is_eq:
            lower = upper = level
        elif a[support[0]] > 0:
            upper = level
        else:
            lower = level
        rows.append((tuple(int(i) for i in support), lower, upper))
    return rows


def split_group_rows(
    part: LinearConstraints, n_assets: int, lo: float, hi: float
) -> tuple[GroupPlan | None, LinearConstraints]:
    """The rows that are limits on disjoint groups (as a plan) and the remaining rows.

    Rows are taken greedily in order: a group-sum row joins the plan when its support is
    disjoint from (or equal to) those already taken. The general projector projects onto
    the plan's set exactly and runs Dykstra only over the rest.
    """
    taken: list[bool] = []
    supports: list[frozenset[int]] = []
    for a in list(part.a_ub) + list(part.a_eq):
        support = np.flatnonzero(a)
        ok = support.size > 0 and bool(np.all(a[support] == a[support[0]]))
        s = frozenset(int(i) for i in support)
        ok = ok and all(s == t or not (s & t) for t in supports)
        if ok:
            supports.append(s)
        taken.append(ok)
    m_ub = part.a_ub.shape[0]
    keep_ub, keep_eq = np.array(taken[:m_ub], bool), np.array(taken[m_ub:], bool)

    def pick(mask_ub: np.ndarray, mask_eq: np.ndarray) -> LinearConstraints:
        return LinearConstraints(
            part.a_ub[mask_ub],
            part.b_ub[mask_ub],
            part.a_eq[mask_eq],
            part.b_eq[mask_eq],
            tuple(np.array(part.labels_ub, dtype=object)[mask_ub]),
            tuple(np.array(part.labels_eq, dtype=object)[mask_eq]),
        )

    grouped = pick(keep_ub, keep_eq)
    plan = disjoint_group_plan(grouped, n_assets, lo, hi) if grouped.n_rows else None
    return plan, pick(~keep_ub, ~keep_eq)


def disjoint_group_plan(
    part: LinearConstraints, n_assets: int, lo: float, hi: float
) -> GroupPlan | None:
    """The :class:`GroupPlan` of ``part`` if its rows are floors/caps on disjoint groups.

    A row qualifies when its non-zero coefficients are all equal (``c * sum_{i in g} w_i``
    compared with a number); rows on the same support are merged; distinct supports must
    not overlap. A single-asset row is a group of one. Returns None otherwise (fractional
    memberships, overlapping groups, ratios between groups: the general projector).
    """
    rows = _group_rows(part)
    if rows is None:
        return None
    bounds: dict[tuple[int, ...], list[float]] = {}
    for support, lower, upper in rows:
        cur = bounds.setdefault(support, [-np.inf, np.inf])
        cur[0], cur[1] = max(cur[0], lower), min(cur[1], upper)
    gid = np.full(n_assets, len(bounds), dtype=np.int64)
    for g, support in enumerate(bounds):
        if np.any(gid[list(support)] != len(bounds)):
            return None  # overlapping groups
        gid[list(support)] = g
    sizes = np.array([len(s) for s in bounds], dtype=np.float64)
    lower = np.maximum(np.array([v[0] for v in bounds.values()]), sizes * lo)
    upper = np.minimum(np.array([v[1] for v in bounds.values()]), sizes * hi)
    return GroupPlan(gid=gid, lower=lower, upper=upper, lo=float(lo), hi=float(hi))


def _root_on_pieces(
    taus: torch.Tensor,
    slope: torch.Tensor,
    icpt: torch.Tensor,
    j: torch.Tensor,
    rhs: torch.Tensor,
    nxt_valid: torch.Tensor,
) -> torch.Tensor:
    """Solve ``icpt_j + slope_j * s = rhs`` on the piece after sorted breakpoint ``j``.

    The root is clamped to the piece ``[taus_j, taus_{j+1}]`` (flat pieces and rounding
    of the prefix sums); ``nxt_valid`` marks where ``j + 1`` is on the same piece list.
    """
    last = taus.shape[1] - 1
    t_j = torch.gather(taus, 1, j)
    t_next = torch.gather(taus, 1, (j + 1).clamp_max(last))
    t_next = torch.where(nxt_valid, t_next, torch.full_like(t_next, float("inf")))
    s_j, c_j = torch.gather(slope, 1, j), torch.gather(icpt, 1, j)
    flat = s_j.abs() <= 1e-300
    root = (rhs - c_j) / torch.where(flat, -torch.ones_like(s_j), s_j)
    root = torch.where(flat, t_j, root)
    return torch.minimum(torch.maximum(root, t_j), t_next)


@dataclass(frozen=True, eq=False)
class _Layout:
    """The plan's constant tensors on one device (built once, reused every step)."""

    perm: torch.Tensor  # (N,) assets sorted by group
    gid: torch.Tensor  # (N,) group of each sorted asset
    seg: torch.Tensor  # (2N,) group of each breakpoint slot (asset j: 2j, 2j + 1)
    seg_start: torch.Tensor  # (G + 1,) first slot of each group
    seg_end: torch.Tensor  # (G + 1,) last slot of each group
    base: torch.Tensor  # (2N,) slot before each slot's segment, in the padded sums
    n_hi: torch.Tensor  # (G + 1,) n_g * hi
    targets: torch.Tensor  # (2, G + 1) caps and floors (0 for the ungrouped segment)
    tgt_seg: torch.Tensor  # (2, 1, 2N) the target of each slot
    binds: torch.Tensor  # (2, G) whether the cap / the floor can bind
    rhs: torch.Tensor  # (1, 2 (G + 1)) targets minus n_g hi, caps then floors
    seg_end2: torch.Tensor  # (2 (G + 1),) seg_end twice


def _layout(plan: GroupPlan, device: torch.device) -> _Layout:
    """Constant tensors of ``plan`` on ``device`` (float64)."""
    f64 = torch.float64
    gid = torch.as_tensor(plan.gid, device=device)
    perm = torch.argsort(gid, stable=True)
    g_sorted = gid[perm]
    seg = g_sorted.repeat_interleave(2)
    g = plan.n_groups
    counts = torch.bincount(seg, minlength=g + 1)
    seg_start = torch.cumsum(counts, 0) - counts
    sizes = (counts // 2).to(f64)
    n_hi = sizes * plan.hi
    targets = torch.tensor(
        np.stack([np.append(plan.upper, 0.0), np.append(plan.lower, 0.0)]), dtype=f64, device=device
    )
    binds = torch.stack([targets[0, :g] < n_hi[:g], targets[1, :g] > sizes[:g] * plan.lo])
    return _Layout(
        perm=perm,
        gid=g_sorted,
        seg=seg,
        seg_start=seg_start,
        seg_end=seg_start + counts - 1,
        base=seg_start[seg],
        n_hi=n_hi,
        targets=targets,
        tgt_seg=targets[:, seg][:, None, :],
        binds=binds,
        rhs=(targets - n_hi).reshape(1, -1),
        seg_end2=(seg_start + counts - 1).repeat(2),
    )


_LAYOUTS: dict[tuple[bytes, float, float, str], _Layout] = {}
"""Layouts by plan content and device: a plan is rebuilt for every call of
``optimize`` (its constraints bound anew), its layout (about 20 tensor operations, ~1 ms
at 20 assets) is not."""
_LAYOUT_CACHE_SIZE = 32


def _cached_layout(plan: GroupPlan, device: torch.device) -> _Layout:
    """:func:`_layout` of ``plan`` on ``device``, built once per distinct plan content."""
    key = (
        b"".join(np.ascontiguousarray(a).tobytes() for a in (plan.gid, plan.lower, plan.upper))
        + np.int64(plan.gid.shape[0]).tobytes(),
        float(plan.lo),
        float(plan.hi),
        str(device),
    )
    lay = _LAYOUTS.get(key)
    if lay is None:
        if len(_LAYOUTS) >= _LAYOUT_CACHE_SIZE:
            _LAYOUTS.pop(next(iter(_LAYOUTS)))
        lay = _LAYOUTS[key] = _layout(plan, device)
    return lay


def _group_shifts(
    x: torch.Tensor, inv_d: torch.Tensor, plan: GroupPlan, lay: _Layout
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-group shifts ``(a, b)`` (K, G + 1) where ``S_g`` meets its cap and its floor.

    ``x`` (K, N) and ``inv_d`` (N,) are in group-sorted order.
    """
    k, n = x.shape
    g, seg = plan.n_groups, lay.seg
    b_hi, b_lo = (x - plan.hi) / inv_d, (x - plan.lo) / inv_d
    events = torch.stack([b_hi, b_lo], dim=-1).reshape(k, 2 * n)
    d_slope = torch.stack([-inv_d, inv_d], dim=-1).reshape(2 * n).expand(k, 2 * n)
    d_icpt = torch.stack([b_hi * inv_d, -b_lo * inv_d], dim=-1).reshape(k, 2 * n)
    order = torch.argsort(events, dim=1)
    order = torch.gather(order, 1, torch.argsort(seg[order], dim=1, stable=True))
    taus = torch.gather(events, 1, order)
    pad = torch.zeros((k, 1), dtype=x.dtype, device=x.device)
    slope = torch.cat([pad, torch.cumsum(torch.gather(d_slope, 1, order), 1)], 1)
    icpt = torch.cat([pad, torch.cumsum(torch.gather(d_icpt, 1, order), 1)], 1)
    base = lay.base.expand(k, 2 * n)
    slope = slope[:, 1:] - torch.gather(slope, 1, base)
    icpt = icpt[:, 1:] - torch.gather(icpt, 1, base)
    phi = lay.n_hi[seg] + icpt + slope * taus  # S_g just right of each breakpoint
    above = (phi >= lay.tgt_seg).to(x.dtype).reshape(2 * k, 2 * n)  # caps, then floors
    cnt = torch.zeros((2 * k, g + 1), dtype=x.dtype, device=x.device)
    cnt.scatter_add_(1, seg.expand(2 * k, 2 * n), above)
    j = (lay.seg_start + cnt.long() - 1).clamp(min=lay.seg_start).clamp_max(2 * n - 1)
    # caps and floors side by side per row: (K, 2 (G + 1)), one gather each
    j = j.reshape(2, k, g + 1).transpose(0, 1).reshape(k, 2 * (g + 1))
    root = _root_on_pieces(taus, slope, icpt, j, lay.rhs, j < lay.seg_end2)
    root = root.reshape(k, 2, g + 1).transpose(0, 1)
    inf = torch.full((k, 1), float("inf"), dtype=x.dtype, device=x.device)
    a = torch.where(lay.binds[0], root[0, :, :g], -inf)
    b = torch.where(lay.binds[1], root[1, :, :g], inf)
    return torch.cat([a, -inf], 1), torch.cat([b, inf], 1)


def _budget_shift(
    x: torch.Tensor, inv_d: torch.Tensor, a: torch.Tensor, b: torch.Tensor, lo: float, hi: float
) -> torch.Tensor:
    """``tau`` (K, 1) with ``sum_i clip(x_i - clamp(tau, a_i, b_i) / d_i, lo, hi) = 1``.

    ``a``, ``b`` (K, N) are the group shifts of each asset's group.
    """
    k, n = x.shape
    start = torch.maximum((x - hi) / inv_d, a)
    end = torch.maximum(torch.minimum((x - lo) / inv_d, b), start)
    top = torch.clamp(x - a * inv_d, lo, hi).sum(1, keepdim=True)  # phi(-inf)
    events = torch.cat([start, end], 1)
    d_slope = torch.cat([-inv_d, inv_d]).expand(k, 2 * n)
    d_icpt = torch.cat([start * inv_d, -end * inv_d], 1)
    order = torch.argsort(events, dim=1)
    taus = torch.gather(events, 1, order)
    slope = torch.cumsum(torch.gather(d_slope, 1, order), 1)
    icpt = torch.cumsum(torch.gather(d_icpt, 1, order), 1)
    phi = top + icpt + slope * taus
    j = ((phi >= 1.0).sum(1, keepdim=True).clamp(1, 2 * n) - 1).long()
    return _root_on_pieces(taus, slope, icpt, j, 1.0 - top, j < 2 * n - 1)


class GroupProjector:
    """The projection onto a :class:`GroupPlan`'s set, as a per-step callable.

    Constant tensors are built once per plan content and device (:func:`_cached_layout`).
    ``__call__(v, d=None)``: see :func:`project_groups`.
    """

    def __init__(self, plan: GroupPlan) -> None:
        self.plan = plan

    def __call__(self, v: torch.Tensor, d: torch.Tensor | None = None) -> torch.Tensor:
        shape, out_dtype = v.shape, v.dtype
        x = v.reshape(-1, shape[-1]).to(torch.float64)
        n, dev, plan = x.shape[1], x.device, self.plan
        lay = _cached_layout(plan, dev)
        if _feasible(x, plan):  # its own projection (an exact finish's answer)
            return v.clone()
        if d is None:
            x = x - x.mean(1, keepdim=True)  # the set contains sum w = 1: a shift is free
            inv_d = torch.ones(n, dtype=torch.float64, device=dev)
        else:
            inv_d = (1.0 / d.to(device=dev, dtype=torch.float64).reshape(n))[lay.perm]
        xp = x[:, lay.perm]
        a_g, b_g = _group_shifts(xp, inv_d, plan, lay)
        a, b = a_g[:, lay.gid], b_g[:, lay.gid]
        tau = _budget_shift(xp, inv_d, a, b, plan.lo, plan.hi)
        w = torch.clamp(xp - torch.clamp(tau, a, b) * inv_d, plan.lo, plan.hi)
        w = _correct(w, inv_d, plan, lay, tau, a_g, b_g)
        out = torch.empty_like(w)
        out[:, lay.perm] = w
        return out.reshape(shape).to(out_dtype)


FEASIBLE_TOL = 1e-15
"""Largest violation (of the budget, the bounds and the group limits) of an input returned
as its own projection: a feasible point is, and the full kernel would move it by rounding
only (an exact finish's answer, projected once more by the engine)."""


def _feasible(x: torch.Tensor, plan: GroupPlan) -> bool:
    """Whether every row of ``x`` (K, N) float64 on the CPU lies in the plan's set within
    ``FEASIBLE_TOL``: a few numpy operations, against the kernel's ~100 tensor operations
    (never on an accelerator: reading the answer back would wait for the device each step)."""
    if x.device.type != "cpu" or x.numel() == 0:
        return False
    xn, tol, g = x.detach().numpy(), FEASIBLE_TOL, plan.n_groups
    if np.abs(xn.sum(1) - 1.0).max() > tol or xn.min() < plan.lo - tol or xn.max() > plan.hi + tol:
        return False
    for row in xn:
        sums = np.bincount(plan.gid, weights=row, minlength=g + 1)[:g]
        if np.any(sums > plan.upper + tol) or np.any(sums < plan.lower - tol):
            return False
    return True


def project_groups(v: torch.Tensor, plan: GroupPlan, d: torch.Tensor | None = None) -> torch.Tensor:
    """Project each row of ``v`` onto the budget, bounds and disjoint group limits of ``plan``.

    Parameters
    ----------
    v : Tensor, shape (K, N) or (N,)
        Points to project.
    plan : GroupPlan
    d : Tensor, shape (N,), optional
        Positive diagonal metric (``min sum_i d_i (w_i - v_i)^2``); Euclidean without it.

    Returns
    -------
    Tensor, same shape, dtype and device as ``v``
        Feasible to float64 rounding (after the final correction).
    """
    return GroupProjector(plan)(v, d)


def _correct(
    w: torch.Tensor,
    inv_d: torch.Tensor,
    plan: GroupPlan,
    lay: _Layout,
    tau: torch.Tensor,
    a_g: torch.Tensor,
    b_g: torch.Tensor,
) -> torch.Tensor:
    """Exact sums in one pass: each group at a bound to its bound, the rest to the budget.

    Every asset gets a key: its group when the group is at a bound, else the shared key
    ``G`` (free groups and ungrouped assets); each key's residual is spread over its free
    entries in the metric.
    """
    k, n = w.shape
    g = plan.n_groups
    at_cap = tau <= a_g  # (K, G + 1); the last column (no group) is never at a bound
    at_floor = tau >= b_g
    bound = at_cap | at_floor
    key = torch.where(bound[:, lay.gid], lay.gid, g)
    target = torch.where(at_cap, lay.targets[0], torch.where(at_floor, lay.targets[1], 0.0))
    target[:, g] = 1.0 - target[:, :g].sum(1)
    free = (w > plan.lo) & (w < plan.hi)
    weight = torch.where(free, inv_d, 0.0)
    sums = torch.zeros((k, g + 1), dtype=w.dtype, device=w.device).scatter_add_(1, key, w)
    total = torch.zeros_like(sums).scatter_add_(1, key, weight)
    share = (target - sums) / total.clamp_min(1e-300)
    return torch.clamp(w + weight * torch.gather(share, 1, key), plan.lo, plan.hi)
