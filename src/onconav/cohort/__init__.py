"""onconav cohort stage."""
