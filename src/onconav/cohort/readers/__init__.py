"""Readers of cohort inputs: each opens one file kind as a `Layer` (see `cohort.layer`)."""
