"""Versions a result names besides the KB's: the normalizer's reference data.

The normalizer ships its own alias and exon tables, outside KB snapshots. Its version is
`onconav.normalize.NORMALIZER_VERSION` where the normalizer declares one, else the package's.
"""

from __future__ import annotations

import onconav.normalize as _normalize
from onconav import __version__

__all__ = ["NORMALIZER_VERSION"]

NORMALIZER_VERSION: str = str(getattr(_normalize, "NORMALIZER_VERSION", None) or __version__)
