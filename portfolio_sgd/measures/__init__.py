"""Risk measures (one module each, on :mod:`.base`'s protocol) and realised performance measures.

Risk measures: :mod:`.variance`, :mod:`.volatility` (annualised, limited through the
variance), :mod:`.cvar`; their registry is :mod:`.registry`. Their exact finishes and
bounds live beside them (:mod:`.kernels`, :mod:`.cvar_bound`, :mod:`.smooth_bound`,
:mod:`.curvature`). Realised measures of a return series: :mod:`.performance`.

Recipe for a new measure (``tests/test_toy_measure.py`` follows it):

1. One module with a :class:`~.base.RiskMeasure` subclass: ``name``, ``label``,
   ``limit_option`` (to be limitable), ``losses``/``derivatives`` per scenario,
   ``numpy_value``, ``cvxpy_expression``/``cvxpy_scale``; a non-smooth measure must also
   define ``lower_bound`` and ``curvature`` (the protocol refuses it otherwise).
2. Register an instance: :func:`~.registry.register_measure`, or from an installed package
   the entry-point group ``portfolio_sgd.measures`` (``toy = "my_pkg.toy:TOY"``).
3. It then composes with ``min-risk`` and ``utility`` (``ObjectiveSpec("min-risk",
   measure="toy")``, ``--objective min-risk --measure toy``), takes a limit
   (``RiskLimit("toy", level)``), the exact reference (``solve_exact(..., measure=)``) and
   skfolio's ``SGDMeanRisk(risk_measure="toy")``.
"""
