"""Benchmarks (docs/benchmarks.md): `python -m bench run --size 2000 --db sqlite`."""
