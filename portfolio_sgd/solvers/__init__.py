"""Solvers: drive low-level solves for plain, frontier, limit, cardinality, bootstrap and sharded runs."""
