"""Backends: how the batches of a data file become one profile (local loop, Dask partitions)."""
