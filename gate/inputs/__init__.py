"""Inputs: data files, models, and the binding of columns to roles."""
