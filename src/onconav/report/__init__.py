"""onconav report stage."""
