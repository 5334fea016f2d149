"""A sharded returns matrix seen as the whole (T, N) matrix by the scenario-pieces kernels.

:class:`~portfolio_sgd.measures.kernels.scenario_pieces.ScenarioPieces` (MAD, the first
lower partial moments) touches its returns in four ways only: ``R.shape``,
``R.mean(axis=0)``, ``R @ w`` (the portfolio returns, (T,)), ``R.T @ s`` (the slopes'
gradient, (N,)) and ``R[ids]`` (the window's rows). :class:`ShardedRows` answers each
over the ranks: ``R @ w`` is computed on each rank's rows and all-gathered (T floats, the
same array on every rank), ``R.T @ s`` all-reduced, ``R[ids]`` assembled from the ranks
that hold the rows (each row from one rank, zeros elsewhere, so the sum is exact), the
mean is the problem's all-reduced one. Everything the kernel then derives from these is
identical on every rank, so each rank runs the kernel's finish in lockstep and solves the
same window LPs; no rank holds more than its rows and a few vectors of length T.
"""

from __future__ import annotations

import numpy as np
import torch

from .problem import CHUNK_ELEMENTS, ShardedProblem


class ShardedRows:
    """The returns of a sharded problem as a read-only (T, N) float64 matrix.

    Parameters
    ----------
    problem : ShardedProblem
        Its ``returns`` (T_r, N) are this rank's rows ``[offset, offset + T_r)``.
    """

    def __init__(self, problem: ShardedProblem) -> None:
        self.local = problem.returns
        self.ctx = problem.ctx
        self.offset = problem.offset
        self.shape = (problem.n_rows, problem.n_assets)
        self.mu = problem.mean.detach().to("cpu", torch.float64).numpy()
        rows = torch.tensor([self.local.shape[0]], dtype=torch.int64, device=self.local.device)
        self.counts = [int(c) for c in self.ctx.all_gather(rows).reshape(-1).tolist()]
        self.step = max(1, CHUNK_ELEMENTS // max(1, self.shape[1]))

    def mean(self, axis: int = 0) -> np.ndarray:
        """The column means (N,) of all T rows (``axis`` must be 0)."""
        if axis != 0:
            raise ValueError("ShardedRows.mean takes axis=0 only")
        return self.mu

    def __matmul__(self, w: np.ndarray) -> np.ndarray:
        """``R w`` (T,), float64, the same on every rank."""
        w64 = torch.as_tensor(np.asarray(w, dtype=np.float64), device=self.local.device)
        parts = [
            self.local[s : s + self.step].to(torch.float64) @ w64
            for s in range(0, self.local.shape[0], self.step)
        ]
        mine = torch.zeros(max(self.counts), dtype=torch.float64, device=self.local.device)
        if parts:
            mine[: self.local.shape[0]] = torch.cat(parts)
        every = self.ctx.all_gather(mine)
        whole = torch.cat([every[r, :c] for r, c in enumerate(self.counts)])
        return whole.cpu().numpy()

    @property
    def T(self) -> _Transposed:  # noqa: N802 - the numpy spelling the kernels use
        """``R'``: supports ``R.T @ s`` only."""
        return _Transposed(self)

    def transpose_times(self, s: np.ndarray) -> np.ndarray:
        """``R' s`` (N,) for ``s`` (T,), float64, all-reduced."""
        mine = torch.as_tensor(
            np.ascontiguousarray(s[self.offset : self.offset + self.local.shape[0]]),
            dtype=torch.float64,
            device=self.local.device,
        )
        out = torch.zeros(self.shape[1], dtype=torch.float64, device=self.local.device)
        for start in range(0, self.local.shape[0], self.step):
            block = self.local[start : start + self.step].to(torch.float64)
            out += block.T @ mine[start : start + self.step]
        return self.ctx.all_reduce(out).cpu().numpy()

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        """Rows ``ids`` (global, (W,)) as float64 (W, N), the same on every rank."""
        ids = np.asarray(ids, dtype=np.int64)
        out = torch.zeros(ids.size, self.shape[1], dtype=torch.float64, device=self.local.device)
        mine = np.nonzero((ids >= self.offset) & (ids < self.offset + self.local.shape[0]))[0]
        if mine.size:
            local_ids = torch.as_tensor(ids[mine] - self.offset, device=self.local.device)
            picked = self.local.index_select(0, local_ids).to(torch.float64)
            out[torch.as_tensor(mine, device=self.local.device)] = picked
        return self.ctx.all_reduce(out).cpu().numpy()


class _Transposed:
    """``R'`` of a :class:`ShardedRows` (``R.T @ s``)."""

    def __init__(self, rows: ShardedRows) -> None:
        self.rows = rows

    def __matmul__(self, s: np.ndarray) -> np.ndarray:
        return self.rows.transpose_times(s)
