"""Risk measures and realised performance measures."""
