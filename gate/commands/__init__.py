"""Commands: plain functions returning an exit code."""
