"""onconav: evidence-graded, cited, resistance-aware targeted therapy options for NSCLC.

onconav supports, and does not replace, the treating oncologist's judgement.

The public names are imported on first use (PEP 562), so `import onconav` stays cheap and the
command line starts fast:

    >>> import onconav
    >>> case = onconav.case_from_data({"tumor_type": "LUAD", "alterations": ["EGFR L858R"]})
    >>> onconav.match_case(onconav.get_index(), case).options[0].level
    '1'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from onconav._allocator import configure

configure()  # (before anything imports Polars: see `onconav._allocator`)

if TYPE_CHECKING:
    from onconav.errors import OnconavError
    from onconav.kb.index import KBIndex, get_index
    from onconav.kb.loader import KnowledgeBase, load_kb
    from onconav.match.caseio import case_from_data, read_cases
    from onconav.match.engine import match_case
    from onconav.match.models import Case, MatchResult
    from onconav.normalize import Alteration, parse_alteration

__all__ = [
    "Alteration",
    "Case",
    "KBIndex",
    "KnowledgeBase",
    "MatchResult",
    "OnconavError",
    "__version__",
    "case_from_data",
    "get_index",
    "load_kb",
    "match_case",
    "parse_alteration",
    "read_cases",
]

__version__ = "0.1.0"

_LAZY = {
    "Alteration": "onconav.normalize",
    "Case": "onconav.match.models",
    "KBIndex": "onconav.kb.index",
    "KnowledgeBase": "onconav.kb.loader",
    "MatchResult": "onconav.match.models",
    "OnconavError": "onconav.errors",
    "case_from_data": "onconav.match.caseio",
    "get_index": "onconav.kb.index",
    "load_kb": "onconav.kb.loader",
    "match_case": "onconav.match.engine",
    "parse_alteration": "onconav.normalize",
    "read_cases": "onconav.match.caseio",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'onconav' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
