"""portfolio-sgd: portfolio optimisation by mini-batch SGD in PyTorch.

Objectives are expectations over return scenarios, minimised by projected mini-batch SGD
on CPU or GPU; the risk module measures how the batch size governs estimation error.
"""

from __future__ import annotations

__version__ = "0.1.0"
