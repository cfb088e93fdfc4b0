"""JSON Schemas published with the package: policy.schema.json and report.schema.json."""
