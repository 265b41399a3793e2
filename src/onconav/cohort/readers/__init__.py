"""onconav cohort/readers stage."""
