"""Package discovery: every package under portfolio_sgd/, plus the bundled data.

The metadata lives in pyproject.toml. This file only does what pyproject.toml cannot say
in one place: discover the packages (no hand-kept list) *and* ship the top-level ``data/``
folder as the importable package ``portfolio_sgd.bundled_data``.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["portfolio_sgd", "portfolio_sgd.*"]),
        "portfolio_sgd.bundled_data",
    ],
    package_dir={"portfolio_sgd.bundled_data": "data"},
)
