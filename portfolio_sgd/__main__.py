"""``python -m portfolio_sgd``: the command line (also what ``torchrun -m portfolio_sgd`` runs)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
