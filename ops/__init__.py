"""Project tooling: set-up, training, serving and benchmarking helpers."""
