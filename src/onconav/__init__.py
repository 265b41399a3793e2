"""onconav: evidence-graded, cited, resistance-aware targeted therapy options for NSCLC.

onconav supports, and does not replace, the treating oncologist's judgement.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
