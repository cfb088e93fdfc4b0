"""Numbers only: metric definitions and resampling; no I/O, no reports."""
