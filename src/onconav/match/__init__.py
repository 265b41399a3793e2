"""onconav match stage."""
