"""Helpers for tests and benchmarks, not used by the product: a tiny random-weight Argos-format
model (`argos_model`) and a length-only Gale-Church-style aligner (`gale_church`) as a baseline.
"""
