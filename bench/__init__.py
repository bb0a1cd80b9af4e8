"""Benchmarks beside the product: corpus/scale speed and memory (``python -m bench``), load (``python -m bench.load``)."""
