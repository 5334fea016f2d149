"""CUDA graphs of the engine's step: captured once per regime, replayed every step.

One SGD step launches a few dozen small kernels (sampling, the gather, two batched
products, the scenario derivatives, ``torch.optim``'s update, the sort-based projection).
On a GPU their launch cost, not the arithmetic, bounds the step rate at small and medium
sizes. The engine's step is a closure whose only Python-side inputs are the constants of a
*regime* (batch sizes, step size, momentum, CVaR smoothing, ...), so :class:`StepGraphs`
runs the first steps of a regime eagerly (warm-up: lazy state such as ``torch.optim``'s
momentum buffer is created there), captures the next step into a ``torch.cuda.CUDAGraph``
and replays it for every further step of the same regime. A replay launches the same
kernels on the same buffers as an eager step, and the sampling generator is registered
with the graph, so the iterates match eager ones.

If capture fails (an old driver, an operation that cannot be captured), the engine stays
eager for the rest of the run and the reason is kept in :attr:`StepGraphs.failure`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import torch

WARMUP_STEPS = 2
"""Eager steps of a regime before its step is captured."""


class StepGraphs:
    """Run a step function eagerly or as a replayed CUDA graph.

    Parameters
    ----------
    enabled : bool
        False: every step runs eagerly (CPU, or graphs switched off).
    generator : torch.Generator, optional
        The sampling generator, registered with every captured graph.
    graph_factory : callable, optional
        Makes an empty graph object (``torch.cuda.CUDAGraph`` by default; tests pass a
        fake with ``capture(step)`` and ``replay()``).
    warmup : int
        Eager steps of each regime before capture.
    """

    def __init__(
        self,
        enabled: bool,
        generator: torch.Generator | None = None,
        graph_factory: Callable[[], Any] | None = None,
        warmup: int = WARMUP_STEPS,
    ) -> None:
        self.enabled = enabled
        self.generator = generator
        self.graph_factory = graph_factory
        self.warmup = warmup
        self.captures = 0
        self.replays = 0
        self.failure = ""
        self._key: Hashable = None
        self._graph: Any = None
        self._seen = 0
        self._stream: torch.cuda.Stream | None = None

    def run(self, key: Hashable | None, step: Callable[[], None]) -> None:
        """Take one step.

        Parameters
        ----------
        key : hashable or None
            Identifies the regime: every Python-side constant the step reads. None means
            "this step cannot be captured" (run it eagerly).
        step : callable
            Performs the whole step on device tensors, without host synchronisation.
        """
        if not self.enabled or key is None:
            step()
            return
        if key != self._key:
            self._key, self._graph, self._seen = key, None, 0
        if self._graph is None:
            if self._seen < self.warmup:
                self._seen += 1
                self._eager(step)
                return
            try:
                self._graph = self._capture(step)
            except Exception as exc:  # noqa: BLE001 - any capture failure means "stay eager"
                self.enabled = False
                self.failure = f"{type(exc).__name__}: {exc}".splitlines()[0]
                self._graph = None
                step()
                return
            self.captures += 1
        self._graph.replay()
        self.replays += 1

    def summary(self) -> str:
        """One line: off, or captures and replays (and why capture stopped, if it did)."""
        if self.failure:
            return f"failed ({self.failure}); eager"
        if not self.captures and not self.enabled:
            return "off"
        return f"{self.captures} captured, {self.replays} replayed steps"

    def _eager(self, step: Callable[[], None]) -> None:
        if self.graph_factory is not None:
            step()
            return
        # Warm-up on the capture stream (as the CUDA graph documentation asks), so lazily
        # created per-stream state (cuBLAS workspaces) exists before capture.
        stream = self._capture_stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            step()
        torch.cuda.current_stream().wait_stream(stream)

    def _capture(self, step: Callable[[], None]) -> Any:
        if self.graph_factory is not None:
            graph = self.graph_factory()
            graph.capture(step)
            return graph
        graph = torch.cuda.CUDAGraph()
        if self.generator is not None:
            graph.register_generator_state(self.generator)
        stream = self._capture_stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.graph(graph, stream=stream):
            step()
        torch.cuda.current_stream().wait_stream(stream)
        return graph

    def _capture_stream(self) -> torch.cuda.Stream:
        if self._stream is None:
            self._stream = torch.cuda.Stream()
        return self._stream


def make_step_graphs(enabled: bool, generator: torch.Generator | None) -> StepGraphs:
    """The engine's :class:`StepGraphs` (the one place the engine builds it).

    Parameters
    ----------
    enabled : bool
        Whether steps may be captured (CUDA, with ``cuda_graphs`` on).
    generator : torch.Generator, optional
        The sampling generator.
    """
    return StepGraphs(enabled, generator)
