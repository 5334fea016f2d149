"""The measures' exact finishes: the QP finish of the variance measures
(:mod:`.qp_finish` over :mod:`.qp_active_set`) and the tail LP of CVaR (:mod:`.cvar_polish`
over :mod:`.cvar_lp`). The engine calls them through the measure, never directly."""
