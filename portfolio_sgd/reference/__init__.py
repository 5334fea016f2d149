"""Exact references: cvxpy/Clarabel solves, cardinality enumeration, MILPs, comparisons."""
