"""model-gate: a policy-as-code deployment gate for machine-learning models."""

__version__ = "0.1.0"
