"""Benchmark suite of portfolio-sgd against exact solvers (cvxpy + Clarabel, skfolio).

Run ``python -m benchmarks --quick`` (about two minutes) or ``python -m benchmarks`` (the
full sizes); see ``benchmarks/README.md``. Programmatic entry point:
:func:`benchmarks.run.run_suite`.
"""
