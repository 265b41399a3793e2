"""Every error onconav raises on purpose, in one tree, each with a location and a stable code.

A user-caused failure is an `OnconavError`: the CLI maps it to exit 2 and one line on standard
error, the HTTP API to 422. Anything else that escapes is a bug (exit 1).

    OnconavError                      code, location (file, line, field)
    ├── InputError                    a case, flag or pipeline file that cannot be used
    │   ├── CaseError                 a case file fails to parse or validate
    │   ├── TumorTypeError            an unknown tumor type (carries close matches)
    │   └── CohortInputError          a MAF / VCF / CNA / SV / clinical file that cannot be read
    ├── KBError                       the knowledge base cannot be loaded
    │   └── KBValidationError         one or more located problems in a KB folder
    └── ReportError                   a report cannot be produced (e.g. PDF backend missing)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CaseError",
    "CohortInputError",
    "ErrorCode",
    "InputError",
    "KBError",
    "KBProblem",
    "KBValidationError",
    "OnconavError",
    "ReportError",
    "TumorTypeError",
    "printable",
]

ErrorCode = Literal[
    "bad-case",
    "bad-json",
    "bad-yaml",
    "missing-field",
    "unknown-tumor-type",
    "bad-input-file",
    "missing-column",
    "bad-encoding",
    "bad-gzip",
    "kb-invalid",
    "kb-missing",
    "report-failed",
    "usage",
]


class OnconavError(Exception):
    """Base of every user-caused failure; `str()` is one line naming where and what."""

    code: ErrorCode = "usage"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        column: str | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.column = column
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return printable(": ".join(parts))


def printable(text: str) -> str:
    """`text` with every non-printable character escaped (ESC, U+2028, tab included).

    An error echoes text from the input (a header, a cell, a tumor type); escaping keeps the
    message on one line and stops terminal escape sequences from reaching the user's terminal.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InputError(OnconavError):
    """An input (case, flag, pipeline file) that cannot be used as given."""

    code: ErrorCode = "bad-case"


class CaseError(InputError):
    """A case file that fails to parse or validate."""


class TumorTypeError(InputError):
    """A tumor type that maps to no OncoTree code; `suggestions` holds the closest names."""

    code: ErrorCode = "unknown-tumor-type"

    def __init__(self, text: str, suggestions: list[str], **where: str | int | None) -> None:
        hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(
            f"unknown tumor type {text!r}{hint}",
            **where,  # type: ignore[arg-type]
        )
        self.text = text
        self.suggestions = suggestions


class CohortInputError(InputError):
    """A pipeline file (MAF, VCF, CNA, SV, clinical) that cannot be read."""

    code: ErrorCode = "bad-input-file"


class KBError(OnconavError):
    """The knowledge base cannot be loaded."""

    code: ErrorCode = "kb-missing"


@dataclass(frozen=True)
class KBProblem:
    """One located problem found by `onconav kb validate`."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return printable(f"{where}: {self.message}")


class KBValidationError(KBError):
    """A KB folder with one or more problems; `problems` lists each with file and line."""

    code: ErrorCode = "kb-invalid"

    def __init__(self, problems: list[KBProblem]) -> None:
        first = str(problems[0]) if problems else "invalid knowledge base"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)
        self.problems = problems

    def __str__(self) -> str:
        return self.message


class ReportError(OnconavError):
    """A report that cannot be produced."""

    code: ErrorCode = "report-failed"
