"""onconav kb stage."""
