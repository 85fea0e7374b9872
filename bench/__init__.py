"""Benchmarks: NLU quality (`make bench-nlu`)."""
