"""Helpers the tests and the benchmarks share: temporary project repositories, servers, datasets.

Neither `tests/` nor `bench/` imports the other; both import this package.
"""
