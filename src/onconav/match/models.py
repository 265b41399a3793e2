"""The case that goes into `match` and the result that comes out (case.md, match-output.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from onconav.kb.models import Category, Condition, Source

__all__ = [
    "AlterationInput",
    "AlterationResult",
    "Avoid",
    "Biomarkers",
    "Case",
    "HistoryEntry",
    "MatchResult",
    "Option",
    "OptionStatus",
    "ResistanceFinding",
    "TumorTypeResult",
]

Setting = Literal["metastatic", "adjuvant", "consolidation", "neoadjuvant"]
Stage = Literal[
    "0", "I", "IA", "IA1", "IA2", "IA3", "IB", "II", "IIA", "IIB", "III", "IIIA", "IIIB", "IIIC",
    "IV", "IVA", "IVB",
]  # fmt: skip
OptionStatus = Literal["recommended", "consider", "trial", "next_line"]
# The KB's categories, and `unknown` for an alteration that was not read.
ResultCategory = Literal[Category, "unknown"]


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class AlterationInput(_In):
    """An alteration given as an object: gene and alteration, with optional detail."""

    gene: str = Field(min_length=1)
    alteration: str = Field(min_length=1)
    vaf: float | None = Field(default=None, ge=0, le=1)
    copy_number: float | None = Field(default=None, ge=0)
    partner: str | None = None
    exon: int | None = Field(default=None, ge=1, le=100)
    source: Literal["tissue", "plasma"] | None = None


class Biomarkers(_In):
    """Non-genomic biomarker results."""

    pd_l1_tps: float | None = Field(default=None, ge=0, le=100)
    her2_ihc: Literal["0", "1+", "2+", "3+"] | None = None
    cmet_ihc_3plus_percent: float | None = Field(default=None, ge=0, le=100)
    tmb: float | None = Field(default=None, ge=0)
    msi: Literal["MSI-H", "MSI-L", "MSS"] | None = None

    @field_validator("her2_ihc", mode="before")
    @classmethod
    def _ihc_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return "0" if value == 0 else f"{value}+"
        return value.strip().replace(" ", "") if isinstance(value, str) else value

    @field_validator("msi", mode="before")
    @classmethod
    def _msi_text(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class HistoryEntry(_In):
    """One prior line of systemic therapy."""

    drugs: list[str] = Field(min_length=1)
    outcome: Literal["progression", "intolerance", "ongoing", "completed"] | None = None


class Case(_In):
    """One patient's tumor at one point in time."""

    id: str | None = None
    tumor_type: str = Field(min_length=1)
    stage: Stage | None = None
    setting: Setting = "metastatic"
    alterations: list[str | AlterationInput]
    biomarkers: Biomarkers | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("stage", mode="before")
    @classmethod
    def _stage_text(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class _Out(BaseModel):
    # defer_build: each result model is built on first use, so a CLI run builds only what it
    # prints (a cold `onconav match` stays under 300 ms).
    model_config = ConfigDict(frozen=True, defer_build=True)


class TumorTypeResult(_Out):
    """How the tumor type was read: the input, the OncoTree code and its name."""

    input: str
    code: str
    name: str
    is_lung: bool


class AlterationResult(_Out):
    """One tested alteration, as understood (or not)."""

    input: str
    gene: str | None = None
    alteration: str | None = None
    category: ResultCategory
    recognized: bool
    message: str | None = None
    classes: list[str] = Field(default_factory=list)
    exon: int | None = None
    partner: str | None = None
    copy_number: float | None = None
    vaf: float | None = None
    source: str | None = None
    actionable: bool = False
    transcript: str | None = None


class Option(_Out):
    """A treatment option: one drug or one complete combination."""

    drugs: list[str]
    brands: list[str] = Field(default_factory=list)
    biomarker: str
    level: str
    setting: str
    line: str
    status: OptionStatus
    rationale: str
    sources: list[Source]
    indication_id: str
    approval_year: int | None = None
    pivotal_trial: str | None = None
    amp_tier: str | None = None
    escat: str | None = None
    cautions: list[str] = Field(default_factory=list)


class Avoid(_Out):
    """A drug the case argues against, with the reason."""

    drugs: list[str]
    reason: str
    kind: Literal["resistance", "prior_progression", "contraindication", "no_benefit"]
    level: Literal["R1", "R2"] | None = None
    sources: list[Source]


class ResistanceFinding(_Out):
    """A resistance mechanism the case shows, and the next steps it calls for."""

    mechanism: str
    name: str
    kind: str
    trigger: str
    summary: str
    patient_summary: str
    next_steps: list[str]
    sources: list[Source]


class MatchResult(_Out):
    """Everything `match` says about one case."""

    onconav_version: str
    kb_version: str
    kb_date: str
    # The KB's content hash (sha256:...) and the normalizer's version: a result names both,
    # since the normalizer's reference data is not part of a KB snapshot.
    kb_hash: str = ""
    normalizer_version: str = ""
    disclaimer: str
    case_id: str | None
    tumor_type: TumorTypeResult
    setting: str
    line: Literal["first", "later"]
    history: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    alterations: list[AlterationResult]
    options: list[Option]
    avoid: list[Avoid]
    resistance: list[ResistanceFinding] = Field(default_factory=list)
    warnings: list[str]
