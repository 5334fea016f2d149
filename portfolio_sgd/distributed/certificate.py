"""The optimality certificate of a sharded run's weights.

An objective that is a function of the data's mean and covariance only (``is_quadratic``,
no benchmark) is certified on the moment rows (:func:`.problem.moment_rows`), which have
exactly the data's mean and second moment on every rank: its Frank-Wolfe bound is the
one of the all-reduced full gradient. Other objectives are not certified in a sharded run
(:data:`NO_CERTIFICATE` says so in the result).
"""

from __future__ import annotations

from ..certificate import GapCertificate
from ..certificate.engine_output import certify
from ..engine.problem import EngineOutput
from .problem import ShardedProblem

NO_CERTIFICATE = "none (sharded run: only objectives of the mean and covariance are certified)"


def sharded_certificate(problem: ShardedProblem, out: EngineOutput) -> GapCertificate | None:
    """The certificate of ``out.weights`` (K, N), the same on every rank; None when the
    objective cannot be certified from all-reduced moments."""
    impl = problem.spec.impl
    if not impl.is_quadratic or impl.needs_benchmark:
        return None
    return certify(problem.moment_problem(), out.weights, None, finish=out.polish)
