"""Policy files: YAML with positions -> JSON Schema -> extends -> semantic checks -> Policy."""
