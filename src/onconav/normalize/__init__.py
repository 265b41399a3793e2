"""onconav normalize stage."""
