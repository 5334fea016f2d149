"""Bundled real market datasets of portfolio-sgd (see README.md for provenance)."""
