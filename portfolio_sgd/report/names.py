"""The report's section names and titles (no imports: the CLI's help reads them)."""

SECTIONS = ("summary", "weights", "frontier", "backtest", "estimation", "compare", "reproduce")
"""Every section, in page order."""
TITLES = {
    "summary": "Summary",
    "weights": "Weights",
    "frontier": "Frontier",
    "backtest": "Backtest",
    "estimation": "Estimation error",
    "compare": "Compare",
    "reproduce": "Reproduce",
}
