"""Benchmarks: `python -m bench store` measures the event store against baselines and eventsourcing."""
