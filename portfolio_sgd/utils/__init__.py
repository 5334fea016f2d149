"""Small shared utilities: atomic writes, CSV escaping, strict JSON, enum choices, progress lines."""
