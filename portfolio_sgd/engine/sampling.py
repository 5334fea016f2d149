"""Mini-batch index sampling on the device.

Two modes, both driven by one seeded ``torch.Generator`` living on the data's device, so no
host-device copy happens per step:

- ``replacement``: every index is drawn i.i.d. uniformly from ``0..T-1`` (the regime the
  SGD theory describes; mini-batch gradient variance ``sigma^2 / m``);
- ``shuffle``: each run walks through its own random permutation (shuffled epochs); one
  batch is a sample without replacement (variance ``sigma^2/m * (1 - m/T) * T/(T-1)``).

K runs draw at once. Runs with equal batch sizes form one group and share one (K_g, m)
index matrix, so runs with different batch sizes cost no padding; :meth:`BatchSampler.draw`
gives the padded (K, B_max) form with a (K, B_max) weight matrix masking the rest.

Runs with row weights ``c`` (K, T) (bootstrap resamples, recency weighting; see
:mod:`portfolio_sgd.engine.weighting`) draw row t with probability ``c_kt / sum_t c_kt``,
i.i.d. with replacement, by inverting each run's cumulative weights (a ``searchsorted``
on the device). Uniform weights draw exactly as unweighted runs.
"""

from __future__ import annotations

import torch

from .choices import Sampling


class BatchSampler:
    """Draws (K, B) index matrices of scenarios, on the device.

    Parameters
    ----------
    n_rows : int
        Number of scenarios T.
    n_runs : int
        Number of runs K.
    mode : Sampling
    generator : torch.Generator
        Seeded generator on ``device``.
    device : torch.device
    dtype : torch.dtype
        Dtype of the data (kept for callers that build tensors alongside the indices).
    row_weights : Tensor, shape (K, T), optional
        Per-run sampling weights (replacement mode only; None or uniform: uniform draws).
    """

    def __init__(
        self,
        n_rows: int,
        n_runs: int,
        mode: Sampling,
        generator: torch.Generator,
        device: torch.device,
        dtype: torch.dtype,
        row_weights: torch.Tensor | None = None,
    ) -> None:
        self.n_rows = n_rows
        self.n_runs = n_runs
        self.mode = mode
        self.generator = generator
        self.device = device
        self.dtype = dtype
        self._perm: torch.Tensor | None = None
        self._offsets = [0] * n_runs
        self._arange = torch.arange(n_rows, device=device)
        self._cdf: torch.Tensor | None = None
        if row_weights is not None and not bool((row_weights == row_weights[0, 0]).all()):
            self._cdf = torch.cumsum(row_weights.to(torch.float64), dim=1)  # (K, T)

    def _weighted(self, n_runs: int, width: int, rows: torch.Tensor | None) -> torch.Tensor:
        """(K_g, width) rows drawn with probabilities ``c_kt / sum_t c_kt`` per run."""
        cdf = self._cdf if rows is None else self._cdf.index_select(0, rows)  # type: ignore[union-attr]
        u = (
            torch.rand(
                (n_runs, width), generator=self.generator, device=self.device, dtype=torch.float64
            )
            * cdf[:, -1:]
        )
        # the first row whose cumulative weight exceeds u: zero-weight rows are never hit
        return torch.searchsorted(cdf, u, right=True).clamp_(max=self.n_rows - 1)

    def draw(self, sizes: list[int]) -> torch.Tensor:
        """Indices for one step, shape (K, max(sizes)), dtype int64."""
        width = max(sizes)
        if self._cdf is not None:
            return self._weighted(self.n_runs, width, None)
        if self.mode is Sampling.REPLACEMENT:
            return torch.randint(
                self.n_rows, (self.n_runs, width), generator=self.generator, device=self.device
            )
        return self._draw_shuffled(sizes, width)

    def draw_groups(self, sizes: list[int]) -> list[tuple[torch.Tensor | None, torch.Tensor]]:
        """Indices for one step, grouped by batch size (no padding to the largest batch).

        Returns
        -------
        list of (rows, idx)
            ``rows`` (K_g,) int64: the runs of the group (None when it is every run, in
            order); ``idx`` (K_g, m_g): their scenario indices.
        """
        distinct = list(dict.fromkeys(sizes))
        if len(distinct) == 1:
            return [(None, self.draw(sizes))]
        full = self.draw(sizes) if self.mode is Sampling.SHUFFLE else None
        groups = []
        for m in distinct:
            members = [j for j, size in enumerate(sizes) if size == m]
            rows = torch.tensor(members, device=self.device)
            if full is not None:
                idx = full.index_select(0, rows)[:, :m]
            elif self._cdf is not None:
                idx = self._weighted(len(members), m, rows)
            else:
                idx = torch.randint(
                    self.n_rows, (len(members), m), generator=self.generator, device=self.device
                )
            groups.append((rows, idx))
        return groups

    def _new_permutations(self, rows: int) -> torch.Tensor:
        keys = torch.rand((rows, self.n_rows), generator=self.generator, device=self.device)
        return torch.argsort(keys, dim=1)

    def _draw_shuffled(self, sizes: list[int], width: int) -> torch.Tensor:
        if self._perm is None:
            self._perm = self._new_permutations(self.n_runs)
        wrapped = [j for j, m in enumerate(sizes) if self._offsets[j] + m > self.n_rows]
        if wrapped:
            fresh = self._new_permutations(len(wrapped))
            self._perm[wrapped] = fresh
            for j in wrapped:
                self._offsets[j] = 0
        offsets = torch.tensor(self._offsets, device=self.device)
        cols = offsets[:, None] + torch.arange(width, device=self.device)[None, :]
        cols = torch.clamp(cols, max=self.n_rows - 1)
        for j, m in enumerate(sizes):
            self._offsets[j] += m
        return torch.gather(self._perm, 1, cols)


def finite_population_factor(batch_size: int, n_rows: int, sampling: str | Sampling) -> float:
    """``(1 - m/T) T/(T-1)`` without replacement (``shuffle``), 1 with replacement."""
    if Sampling(sampling) is Sampling.REPLACEMENT:
        return 1.0
    return (1.0 - batch_size / n_rows) * n_rows / (n_rows - 1)
