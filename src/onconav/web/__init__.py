"""onconav web stage."""
