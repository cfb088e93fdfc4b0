"""Built-in policy packs (`extends: [builtin:NAME]`), one YAML file each."""
