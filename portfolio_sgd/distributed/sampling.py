"""Mini-batches that do not depend on the number of ranks.

Every rank runs the same seeded generator and draws the *global* (K, B) index matrix,
exactly as a single process draws it (``torch.randint(T, (K, B))``); each rank then
keeps the entries that fall in its own rows. The union over ranks of the kept entries is
the single-process batch, whatever the number of ranks, so 1, 2 and 4 ranks take the
same steps (up to the order of the floating-point sums). Drawing K x B integers costs
far less than the K x B x N gradient product each rank shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class GlobalIndexSampler:
    """Draws the global batch and filters it to this rank's rows.

    Parameters
    ----------
    total_rows : int
        T over all ranks.
    offset, local_rows : int
        This rank's rows ``[offset, offset + local_rows)``.
    n_runs : int
    generator : torch.Generator
        Seeded identically on every rank.
    device : torch.device
    """

    total_rows: int
    offset: int
    local_rows: int
    n_runs: int
    generator: torch.Generator
    device: torch.device

    def local_entries(self, sizes: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """This rank's entries of one step's global batch.

        Run k uses the first ``sizes[k]`` columns of one (K, max(sizes)) draw.

        Returns
        -------
        (runs, rows)
            Two int64 tensors of the same length: the run of each kept entry and its
            local row index.
        """
        width = max(sizes)
        idx = torch.randint(
            self.total_rows, (self.n_runs, width), generator=self.generator, device=self.device
        )
        keep = (idx >= self.offset) & (idx < self.offset + self.local_rows)
        if min(sizes) < width:
            limits = torch.tensor(sizes, device=self.device)
            keep &= torch.arange(width, device=self.device)[None, :] < limits[:, None]
        runs, cols = keep.nonzero(as_tuple=True)
        return runs, idx[runs, cols] - self.offset
