"""Estimation error: bootstrap error bars, SGD-noise comparison, batch-size studies."""
