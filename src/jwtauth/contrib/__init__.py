"""Optional integrations (each needs its own extra)."""
