"""The knowledge-base schema: every YAML file under `kb/data/` is validated by these models.

Vocabularies are closed (`Literal`) so that a typo in a data file is a located validation error,
not a silent mismatch at run time. See `kb/data/README.md` for how the files are laid out.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "LEVELS",
    "RESISTANCE_LEVELS",
    "SEQUENCING_CLASSES",
    "AlterationClass",
    "Biomarker",
    "BiomarkerCriterion",
    "Condition",
    "Contraindication",
    "ApprovalSource",
    "Drug",
    "DrugFormulation",
    "Gene",
    "GeneGroup",
    "Indication",
    "KBMeta",
    "Mechanism",
    "NextStep",
    "PriorCriterion",
    "RequiredAlteration",
    "Resistance",
    "Source",
    "TumorType",
]

# Drug classes of targeted drugs: after progression on a drug of one of these classes, another
# drug of the same class is not a recommended option unless its indication's sources show the
# sequence works (`sequenced_after`). Chemotherapy and immunotherapy classes are descriptive.
SEQUENCING_CLASSES = (
    "EGFR TKI",
    "EGFR exon 20 insertion TKI",
    "EGFR antibody",
    "ALK TKI",
    "ROS1 TKI",
    "TRK TKI",
    "RET inhibitor",
    "MET type I inhibitor",
    "MET type II inhibitor",
    "BRAF inhibitor",
    "MEK inhibitor",
    "KRAS G12C inhibitor",
    "RAS(ON) inhibitor",
    "HER2 TKI",
    "HER2 antibody-drug conjugate",
    "TROP2 antibody-drug conjugate",
    "c-Met antibody-drug conjugate",
    "HER2 x HER3 bispecific antibody",
    "FGFR inhibitor",
)

# OncoKB therapeutic levels of evidence (oncokb.org/levels): sensitivity, then resistance.
LEVELS = ("1", "2", "3A", "3B", "4")
RESISTANCE_LEVELS = ("R1", "R2")

Level = Literal["1", "2", "3A", "3B", "4"]
ResistanceLevel = Literal["R1", "R2"]
Status = Literal["recommended", "consider", "trial"]
Setting = Literal["metastatic", "adjuvant", "consolidation", "neoadjuvant"]
Category = Literal[
    "driver",
    "resistance_mutation",
    "co_mutation",
    "amplification",
    "fusion",
    "unknown_significance",
    "other",
]
SourceKind = Literal[
    "fda_label", "trial", "publication", "pmid", "doi", "guideline", "ema_label", "database", "web"
]
Condition = Literal[
    "hemoptysis",
    "anticoagulation",
    "interstitial_lung_disease",
    "brain_metastases",
    "pregnancy",
    "qt_prolongation",
    "squamous_histology",
]
Histology = Literal["any", "nonsquamous", "squamous"]


class _Model(BaseModel):
    # defer_build: the validators are built on first validation (`kb validate`, a KB rebuild);
    # loading the compiled cache constructs models without them, which keeps start-up fast.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Source(_Model):
    """A citation. `id` is real or the source says no id at all (never a guess).

    kind `fda_label`: id is the US brand name of the label (e.g. `TAGRISSO`), year the approval
    year of the indication cited. kind `trial`: id is the trial name (`FLAURA`), with journal and
    year. kind `publication`: a paper that is not a named trial, by first author and year
    (`Gainor 2016`), with title, journal and year, where no identifier was verified. kind
    `pmid`: digits only. kind `doi`: `10.xxxx/...`. kind `guideline`: e.g.
    `NCCN NSCLC` with year. kind `database`: a curated knowledge base entry or release note
    (OncoKB, Reactome, UniProt) with `url` and `accessed`. kind `web`: a public page (FDA
    announcement, company release, news report) with `url` and `accessed`.
    """

    kind: SourceKind
    id: str = Field(min_length=1)
    title: str | None = None
    journal: str | None = None
    year: int | None = Field(default=None, ge=1990, le=2030)
    note: str | None = None
    # A public page that was read for this source, and the day it was read.
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    accessed: dt.date | None = None

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _check_identifier(self) -> Source:
        if self.kind == "pmid" and not self.id.isdigit():
            raise ValueError(f"pmid must be digits only, got {self.id!r}")
        if self.kind == "doi" and not self.id.startswith("10."):
            raise ValueError(f"doi must start with '10.', got {self.id!r}")
        if self.kind in ("database", "web") and (self.url is None or self.accessed is None):
            raise ValueError(f"a {self.kind} source needs url and accessed (the day it was read)")
        return self


class KBMeta(_Model):
    """`kb.yaml`: version and date of the knowledge base."""

    kb_version: str = Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")
    kb_date: dt.date
    title: str
    disclaimer: str
    patient_disclaimer: str


class AlterationClass(_Model):
    """A named group of alterations, as clinicians name them (e.g. `exon 19 deletion`).

    `members` are match keys produced by the normalizer for one alteration: a canonical protein
    change (`L858R`), a position wildcard (`G719X`: any change of G719), an exon class
    (`exon 19 deletion`, `exon 20 insertion`, `exon 14 skipping`), `fusion`, `amplification`,
    `mutation` (any protein-altering change), `kinase domain mutation`, or another class key.
    """

    key: str
    name: str
    category: Category
    members: list[str] = Field(default_factory=list)
    targetable: bool = True
    # Residues (first, last, on the gene's canonical protein) the sources define for the class,
    # e.g. the kinase domain. A missense change in this range that is not a member is of
    # unknown significance: never a member, never a driver (the engine warns about it).
    residues: list[int] | None = Field(default=None, min_length=2, max_length=2)
    # Names people write for the class as a whole ("kinase domain duplication", "KDD"), read
    # as a member of the class when the normalizer cannot read them as a change.
    aliases: list[str] = Field(default_factory=list)
    summary: str
    patient_summary: str | None = None
    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _range_order(self) -> AlterationClass:
        if self.residues is not None and not 0 < self.residues[0] <= self.residues[1]:
            raise ValueError(f"class {self.key!r}: residues are [first, last], 0 < first <= last")
        return self


class Gene(_Model):
    """A gene onconav knows, with its official symbol, aliases and alteration classes."""

    symbol: str = Field(pattern=r"^[A-Z0-9]+$")
    name: str
    aliases: list[str] = Field(default_factory=list)
    summary: str
    patient_summary: str
    alteration_classes: list[AlterationClass] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


class GeneGroup(_Model):
    """A name that stands for several genes ("NTRK" for NTRK1, NTRK2 and NTRK3).

    An alteration written with the group's name is matched against each member gene's entries,
    with a warning that the gene must be confirmed.
    """

    symbol: str = Field(pattern=r"^[A-Z0-9]+$")
    genes: list[str] = Field(min_length=2)
    note: str
    sources: list[Source] = Field(min_length=1)


class Biomarker(_Model):
    """A non-genomic biomarker (`pd_l1_tps`, `her2_ihc`, `cmet_ihc_3plus_percent`, ...)."""

    key: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    kind: Literal["percent", "ihc_score", "number", "category"]
    summary: str
    patient_summary: str
    sources: list[Source] = Field(min_length=1)


class DrugFormulation(_Model):
    """One way a drug is given, for drugs with several (amivantamab IV and subcutaneous)."""

    route: Literal["oral", "intravenous", "subcutaneous"]
    schedule: str
    approval_year: int | None = None
    note: str | None = None


class Drug(_Model):
    """A drug: what it is, how it is given, what it does to people, and where that is written."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9 \-]*$")
    brands: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    drug_class: str
    # Further classes of a multi-target drug (crizotinib: ROS1 TKI, MET type I inhibitor).
    # `drug_class` and these, when in SEQUENCING_CLASSES, govern treatment sequencing.
    also_drug_classes: list[str] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    route: Literal["oral", "intravenous", "subcutaneous", "intravenous or subcutaneous"]
    schedule: str
    formulations: list[DrugFormulation] = Field(default_factory=list)
    cns_activity: Literal["high", "moderate", "low", "unknown"]
    approval_status: Literal["approved", "withdrawn", "investigational"]
    first_approval_year: int | None = None
    mechanism: str
    common_side_effects: list[str] = Field(min_length=1)
    serious_side_effects: list[str] = Field(min_length=1)
    monitoring: list[str] = Field(default_factory=list)
    retreatment_reasonable: bool = False
    patient_summary: str
    patient_how_taken: str
    patient_side_effect_tips: list[str] = Field(default_factory=list)
    patient_call_now: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


class RequiredAlteration(_Model):
    """Another alteration that must also be present (e.g. an EGFR sensitizing mutation)."""

    gene: str
    alterations: list[str] = Field(min_length=1)


class BiomarkerCriterion(_Model):
    """A non-genomic biomarker condition: a value in `values`, or a number in [min, max]."""

    key: str
    values: list[str] = Field(default_factory=list)
    min: float | None = None
    max: float | None = None


class PriorCriterion(_Model):
    """Prior therapy that an indication requires (any of the drugs or drug classes listed)."""

    drugs: list[str] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)
    outcome: Literal["progression", "any"] = "any"


class ApprovalSource(_Model):
    """The public page read to confirm an FDA approval: where, when read, what it says."""

    url: str = Field(pattern=r"^https?://\S+$")
    accessed: dt.date
    approved_on: dt.date | None = None
    says: str = Field(min_length=10)


class Indication(_Model):
    """A drug (or combination) for a biomarker, tumor type, setting and line, with its level.

    `fda_status: pending` marks an FDA decision that no page read confirms: the option is
    investigational (`status: trial`, level 3A at most, no `approval_year`) and its output warns
    with `decision_date` when a page gave one. `approval_source` is the page that states the
    approval; every indication approved from 2024 on needs one (`onconav kb validate`).
    `sequenced_after` names the drugs or classes after which the indication's sources show the
    drug works although it shares a drug class with them (lorlatinib after alectinib).
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    gene: str | None = None
    alterations: list[str] = Field(default_factory=list)
    biomarker: BiomarkerCriterion | None = None
    biomarker_label: str
    min_copy_number: float | None = Field(default=None, gt=0)
    requires: list[RequiredAlteration] = Field(default_factory=list)
    not_with: list[RequiredAlteration] = Field(default_factory=list)
    prior: PriorCriterion | None = None
    # Further prior therapies the indication needs, each met too (Dato-DXd: an EGFR-directed
    # therapy and platinum chemotherapy).
    also_prior: list[PriorCriterion] = Field(default_factory=list)
    not_prior: PriorCriterion | None = None
    tumor_type: str
    tissue_agnostic: bool = False
    exclude_tumor_types: list[str] = Field(default_factory=list)
    histology: Histology = "any"
    drugs: list[str] = Field(min_length=1)
    setting: Setting
    line: str
    level: Level
    status: Status
    preference: int = Field(default=50, ge=0, le=100)
    amp_tier: Literal["IA", "IB", "IIC", "IID"] | None = None
    escat: str | None = None
    approval_year: int | None = None
    fda_status: Literal["approved", "pending"] | None = None
    decision_date: dt.date | None = None
    approval_source: ApprovalSource | None = None
    sequenced_after: PriorCriterion | None = None
    pivotal_trial: str | None = None
    rationale: str
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _pending_is_investigational(self) -> Indication:
        if self.fda_status == "pending":
            if self.status != "trial" or self.level in ("1", "2"):
                raise ValueError("a pending FDA decision is status trial, level 3A at most")
            if self.approval_year is not None:
                raise ValueError("a pending FDA decision has no approval_year")
        elif self.decision_date is not None:
            raise ValueError("decision_date belongs to fda_status: pending")
        return self

    @model_validator(mode="after")
    def _has_criterion(self) -> Indication:
        has_gene = bool(self.gene and self.alterations)
        if not has_gene and self.biomarker is None and self.histology == "any":
            raise ValueError("an indication needs gene + alterations, a biomarker or a histology")
        if self.line not in ("first", "later", "any") and not self.line.startswith("after "):
            raise ValueError("line must be first, later, any, or a phrase starting 'after '")
        return self


class Resistance(_Model):
    """What one alteration does to one drug's activity (on-target resistance, mostly)."""

    gene: str
    alteration: str
    drug: str
    effect: Literal["resistant", "reduced", "sensitive"]
    evidence: Literal["clinical", "preclinical"]
    level: ResistanceLevel | None = None
    restores_sensitivity: bool = False
    context: str | None = None
    note: str
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _level_for_resistance(self) -> Resistance:
        if self.effect == "sensitive" and self.level is not None:
            raise ValueError("a 'sensitive' entry carries no resistance level")
        return self


class NextStep(_Model):
    """A suggested next step after a resistance mechanism: an indication id or a plain action."""

    indication: str | None = None
    action: str | None = None

    @model_validator(mode="after")
    def _one(self) -> NextStep:
        if (self.indication is None) == (self.action is None):
            raise ValueError("a next step is either an indication id or an action")
        return self


class Mechanism(_Model):
    """A resistance mechanism (on-target, bypass, transformation) and the next steps it calls."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    kind: Literal["on_target", "bypass", "downstream", "transformation"]
    name: str
    gene: str | None = None
    alterations: list[str] = Field(default_factory=list)
    trigger: Literal["alteration", "histology"] = "alteration"
    transformed_to: Literal["small_cell", "squamous"] | None = None
    after_classes: list[str] = Field(default_factory=list)
    after_drugs: list[str] = Field(default_factory=list)
    driver_genes: list[str] = Field(default_factory=list)
    summary: str
    patient_summary: str
    next_steps: list[NextStep] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)


class Contraindication(_Model):
    """A clinical condition that makes a drug unsafe (`avoid`) or calls for care (`caution`)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    condition: Condition
    drugs: list[str] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)
    severity: Literal["avoid", "caution"]
    reason: str
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_something(self) -> Contraindication:
        if not self.drugs and not self.classes:
            raise ValueError("a contraindication names drugs or drug classes")
        return self


class TumorType(_Model):
    """An OncoTree node: code, name, parent; lung nodes carry the names people write."""

    code: str
    name: str
    main_type: str | None = None
    tissue: str | None = None
    parent: str | None = None
    synonyms: list[str] = Field(default_factory=list)
