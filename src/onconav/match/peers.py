"""Concordance with peer knowledge bases (CIViC, MOAlmanac) for NSCLC, for curators.

`onconav kb compare --civic FILE --moalmanac DIR` reads the public CIViC clinical-evidence
summary (nightly `ClinicalEvidenceSummaries.tsv`) and the MOAlmanac release files
(`somatic_variant.tsv`, `copy_number.tsv`, `rearrangement.tsv`, ...), keeps the NSCLC rows, and
marks each peer entry (one row and drug) against the KB:

- **agree**: same direction, and onconav's level is within the peer's mapped band or stronger
  (a peer grades one evidence item; an approval outranks a single study);
- **disagree**, and how: opposite direction (peer sensitivity, onconav resistance; or the
  reverse; or peer "does not support" where onconav offers the drug), or onconav weaker than
  the peer's band (a lower level, or R2 where the peer's evidence reads as R1);
- **not covered**: onconav has no entry for that alteration and drug; or the entry is outside
  onconav's scope (a drug not in the KB, not a DNA alteration, an alteration it cannot read).

Each peer scale is mapped onto OncoKB levels (`CIVIC_LEVELS`, `MOALMANAC_LEVELS`); the table
shows the peer's own level and the mapped band. It changes nothing by itself.

It lives in the match stage because it reads peer alterations with the normalizer and looks
them up in the KB's indexes, as matching does.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from onconav.errors import InputError
from onconav.kb.index import KBIndex
from onconav.kb.models import LEVELS, Resistance

__all__ = [
    "CIVIC_LEVELS",
    "MOALMANAC_LEVELS",
    "Comparison",
    "PeerEntry",
    "PeerTable",
    "compare_peers",
    "compare_text",
    "read_civic",
    "read_moalmanac",
    "write_table",
]

Direction = Literal["sensitivity", "resistance", "no_benefit"]
Status = Literal["agree", "disagree", "not covered"]

# CIViC evidence levels (civic.readthedocs.io, "Evidence Level") onto OncoKB levels
# (oncokb.org/levels). A, validated association: 1/2 when the item cites an FDA label or a
# guideline, else 1/2/3A. B, clinical evidence from trials or large studies: 3A. C, case
# studies: 3B/4. D, preclinical: 4. E, inferential: 4. Resistance: A/B as R1, C/D/E as R2.
CIVIC_LEVELS: dict[str, tuple[str, ...]] = {
    "A (FDA or guideline source)": ("1", "2"),
    "A": ("1", "2", "3A"),
    "B": ("3A",),
    "C": ("3B", "4"),
    "D": ("4",),
    "E": ("4",),
}
# MOAlmanac predictive implication (moalmanac.org, "Assertion levels") onto OncoKB levels:
# FDA-Approved 1; Guideline 2; Clinical trial 3A; Clinical evidence 3A/3B; Preclinical and
# Inferential 4. Resistance: FDA-Approved, Guideline and Clinical trial as R1, the rest R2.
MOALMANAC_LEVELS: dict[str, tuple[str, ...]] = {
    "FDA-Approved": ("1",),
    "Guideline": ("2",),
    "Clinical trial": ("3A",),
    "Clinical evidence": ("3A", "3B"),
    "Preclinical": ("4",),
    "Inferential": ("4",),
}
_STRONG = {"A", "B", "FDA-Approved", "Guideline", "Clinical trial"}
_WEIGHT = {
    "A": 5,
    "FDA-Approved": 5,
    "B": 4,
    "Guideline": 4,
    "Clinical trial": 3,
    "C": 2,
    "Clinical evidence": 2,
}
# CIViC disease names of non-small cell lung cancer.
_CIVIC_NSCLC = frozenset(
    {
        "Lung Non-small Cell Carcinoma",
        "Non-small Cell Lung Carcinoma",
        "Lung Adenocarcinoma",
        "Lung Squamous Cell Carcinoma",
        "Lung Large Cell Carcinoma",
        "Lung Acinar Adenocarcinoma",
        "Adenosquamous Cell Lung Carcinoma",
    }
)
_NON_DNA = re.compile(r"EXPRESSION|METHYLATION|COPY NUMBER VARIATION|^LOSS$|PHOSPHORYLATION")
# Protein changes as CIViC writes them, upper case: L858R, I1171 (any change), T1151INST,
# Y772_A775DUP, C1156Y-L1198F (two changes on one allele).
_PROTEIN = re.compile(
    r"\b([A-Z]\d+(?:_[A-Z]\d+)?(?:DELINS[A-Z]+|INS[A-Z]+|DEL|DUP|FS|[A-Z*])?)(?=\b|-)"
)
_VERB = re.compile(r"(DELINS|INS|DEL|DUP|FS)")
_MOA_FILES = ("somatic_variant.tsv", "copy_number.tsv", "rearrangement.tsv")


@dataclass(frozen=True)
class PeerEntry:
    """One peer claim: an alteration, one drug or combination, a direction and a level."""

    peer: str
    ref: str
    gene: str
    variant: str
    alteration: str | None  # what onconav's normalizer is given; None: outside its scope
    scope: str  # why `alteration` is None
    drugs: tuple[str, ...]
    direction: Direction
    peer_level: str
    mapped: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Comparison:
    """A peer entry set against the KB."""

    entry: PeerEntry
    status: Status
    how: str
    onconav_level: str
    onconav_ids: tuple[str, ...]
    importance: int


@dataclass
class PeerTable:
    """Every NSCLC peer entry compared, and the rows left out with their reasons."""

    rows: list[Comparison] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per peer: agree, disagree, not covered (and of those, outside onconav's scope)."""
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            row = out.setdefault(
                r.entry.peer, {"agree": 0, "disagree": 0, "not covered": 0, "not covered: scope": 0}
            )
            row[r.status] += 1
            if r.status == "not covered" and "scope" in r.how:
                row["not covered: scope"] += 1
        return out

    def top_disagreements(self, n: int = 10) -> list[tuple[Comparison, int]]:
        """The most important disagreements, one per (gene, alteration, drugs, how), with counts."""
        groups: dict[tuple[str, ...], list[Comparison]] = {}
        for r in self.rows:
            if r.status == "disagree":
                e = r.entry
                kind = r.how.split(":")[0]
                key = (e.gene, e.alteration or e.variant, " + ".join(e.drugs), kind)
                groups.setdefault(key, []).append(r)
        ranked = sorted(
            groups.values(),
            key=lambda g: (-max(r.importance for r in g), -len(g), g[0].entry.gene),
        )
        return [(max(g, key=lambda r: r.importance), len(g)) for g in ranked[:n]]

    def to_json(self) -> dict[str, Any]:
        """The table as plain data."""
        return {
            "counts": self.counts(),
            "skipped": dict(self.skipped),
            "mapping": {"civic": CIVIC_LEVELS, "moalmanac": MOALMANAC_LEVELS},
            "rows": [_row(r) for r in self.rows],
        }


# -- reading -------------------------------------------------------------------------------------


def _read_tsv(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read: {exc.strerror or exc}", file=str(path), code="bad-input-file"
        ) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # MOAlmanac files are Windows-1252
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError("missing column", file=str(path), column=missing[0], code="missing-column")
    for line, row in enumerate(reader, start=2):
        yield line, {k: (v or "").strip().strip('"') for k, v in row.items() if k}


def _civic_alteration(gene: str, variant: str) -> tuple[str | None, str]:
    up = variant.upper()
    if _NON_DNA.search(up):
        return None, "scope: not a DNA alteration (expression, loss)"
    if up in ("MUTATION", "MUTATIONS"):
        return f"{gene} mutation", ""
    if up in ("KINASE DOMAIN MUTATION", "ONCOGENIC MUTATION", "AMPLIFICATION", "DELETION"):
        return f"{gene} {variant.lower()}", ""
    # `EML4-ALK E6;A20` names the fusion's exons (partner exon 6 to ALK exon 20), not changes.
    up = re.sub(r"\bE\d+;A\d+\b", "", up)
    mutations = [_protein(m) for m in _PROTEIN.findall(up) if m != gene]
    fusion = "FUSION" in up or "REARRANGEMENT" in up or re.search(rf"\w-{gene}\b|\b{gene}-\w", up)
    if mutations:
        return " + ".join(f"{gene} {m}" for m in mutations), ""
    if fusion:
        return f"{gene} fusion", ""
    return f"{gene} {variant}", ""


def _protein(token: str) -> str:
    """`T1151INST` as `T1151insT`; a position alone (`I1171`) as any change there (`I1171X`)."""
    if re.fullmatch(r"[A-Z]\d+", token):
        return f"{token}X"
    return _VERB.sub(lambda m: m.group(1).lower(), token, count=1)


def _resistance_band(level: str) -> tuple[str, ...]:
    """A peer level read as an OncoKB resistance level (R1 for strong evidence, else R2)."""
    return ("R1",) if level in _STRONG else ("R2",)


def _civic_level(row: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    level = row["evidence_level"]
    text = f"{row.get('citation', '')} {row.get('evidence_statement', '')}".upper()
    if level == "A" and ("FDA" in text or "NCCN" in text or "GUIDELINE" in text):
        level = "A (FDA or guideline source)"
    return row["evidence_level"], CIVIC_LEVELS.get(level, ())


def read_civic(path: Path) -> tuple[list[PeerEntry], Counter[str]]:
    """The NSCLC predictive entries of a CIViC ClinicalEvidenceSummaries file, one per drug.

    Raises:
        InputError: the file cannot be read or lacks a column it needs.
    """
    required = (
        "gene",
        "variant",
        "disease",
        "drugs",
        "drug_interaction_type",
        "evidence_type",
        "evidence_direction",
        "evidence_level",
        "clinical_significance",
        "evidence_id",
    )
    entries: list[PeerEntry] = []
    skipped: Counter[str] = Counter()
    for _line, row in _read_tsv(path, required):
        if row["disease"] not in _CIVIC_NSCLC:
            skipped["civic: not NSCLC"] += 1
            continue
        significance, supports = (
            row["clinical_significance"],
            row["evidence_direction"] == "Supports",
        )
        if row["evidence_type"] != "Predictive":
            skipped["civic: not predictive"] += 1
            continue
        if row.get("evidence_status", "accepted") != "accepted":
            skipped["civic: not accepted"] += 1
            continue
        if significance == "Sensitivity/Response":
            direction: Direction = "sensitivity" if supports else "no_benefit"
        elif significance in ("Resistance", "Reduced Sensitivity") and supports:
            direction = "resistance"
        else:
            skipped[f"civic: {row['evidence_direction']} {significance}"] += 1
            continue
        alteration, scope = _civic_alteration(row["gene"], row["variant"])
        level, mapped = _civic_level(row)
        mapped = _resistance_band(level) if direction == "resistance" else mapped
        names = [d.strip() for d in row["drugs"].split(",") if d.strip()]
        groups = (
            [tuple(names)]
            if row["drug_interaction_type"] == "Combination"
            else [(n,) for n in names]
        )
        source = row.get("citation", "") + (
            f" PMID {row['citation_id']}"
            if row.get("source_type") == "PubMed" and row.get("citation_id")
            else ""
        )
        entries += [
            PeerEntry(
                "civic",
                f"EID{row['evidence_id']}",
                row["gene"],
                row["variant"],
                alteration,
                scope,
                drugs,
                direction,
                level,
                mapped,
                source.strip(),
            )
            for drugs in groups
        ]
    return entries, skipped


def _moa_alteration(file: str, row: dict[str, str], index: KBIndex) -> tuple[str, str, str | None]:
    """(gene, peer variant text, alteration for the normalizer or None)."""
    if file == "rearrangement.tsv":
        genes = [g for g in (row.get("gene1", ""), row.get("gene2", "")) if g]
        gene = next((g for g in genes if g in index.genes), genes[0] if genes else "")
        return gene, "-".join(genes) + " " + row.get("rearrangement_type", ""), f"{gene} fusion"
    gene = row.get("gene", "")
    if file == "copy_number.tsv":
        direction = row.get("direction", "").lower()
        return gene, row.get("direction", ""), f"{gene} {direction or 'copy number'}"
    protein, kind, exon = (
        row.get("protein_change", ""),
        row.get("variant_annotation", ""),
        row.get("exon", ""),
    )
    variant = " ".join(x for x in (protein, kind, f"exon {exon}" if exon else "") if x)
    if protein:
        return gene, variant, f"{gene} {protein}"
    if exon and kind in ("Deletion", "Insertion"):
        return gene, variant, f"{gene} exon {exon} {kind.lower()}"
    if gene == "MET" and exon == "14":
        return gene, variant, "MET exon 14 skipping"
    return gene, variant or "mutation", f"{gene} mutation"


def read_moalmanac(folder: Path, index: KBIndex) -> tuple[list[PeerEntry], Counter[str]]:
    """The NSCLC entries of a MOAlmanac release folder, one per therapy.

    Raises:
        InputError: the folder has none of the release files, or one cannot be read.
    """
    if not folder.is_dir() or not any((folder / f).is_file() for f in _MOA_FILES):
        raise InputError(
            f"no MOAlmanac release files ({', '.join(_MOA_FILES)})",
            file=str(folder),
            code="bad-input-file",
        )
    entries: list[PeerEntry] = []
    skipped: Counter[str] = Counter()
    for path in sorted(folder.glob("*.tsv")):
        required = (
            "oncotree_code",
            "therapy_name",
            "therapy_sensitivity",
            "therapy_resistance",
            "predictive_implication",
        )
        for line, row in _read_tsv(path, required):
            code = row["oncotree_code"]
            if (
                code not in index.tumor_types
                or not index.is_lung(code)
                or index.is_small_cell(code)
            ):
                skipped["moalmanac: not NSCLC"] += 1
                continue
            if row["therapy_sensitivity"] == "1":
                direction: Direction = "sensitivity"
            elif row["therapy_resistance"] == "1":
                direction = "resistance"
            elif row["therapy_sensitivity"] == "0":
                direction = "no_benefit"
            else:
                skipped["moalmanac: not predictive"] += 1
                continue
            level = row["predictive_implication"]
            if path.name in _MOA_FILES:
                gene, variant, alteration = _moa_alteration(path.name, row, index)
                scope = ""
            else:
                gene, variant, alteration = "", path.stem.replace("_", " "), None
                scope = "scope: not a somatic alteration onconav reads"
            drugs = tuple(d.strip() for d in row["therapy_name"].split("+") if d.strip())
            entries.append(
                PeerEntry(
                    "moalmanac",
                    f"{path.name}:{line}",
                    gene,
                    variant,
                    alteration,
                    scope,
                    drugs,
                    direction,
                    level,
                    _resistance_band(level)
                    if direction == "resistance"
                    else MOALMANAC_LEVELS.get(level, ()),
                    row.get("citation", ""),
                )
            )
    return entries, skipped


# -- comparing -----------------------------------------------------------------------------------


def _rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _keys(index: KBIndex, alteration: str) -> tuple[str | None, frozenset[str]]:
    from onconav.normalize import parse_alteration

    gene: str | None = None
    keys: set[str] = set()
    generic = {"kinase domain mutation", "oncogenic mutation"}
    for part in alteration.split(" + "):
        symbol, _, rest = part.partition(" ")
        if rest in generic and symbol in index.genes:
            gene = symbol
            keys |= index.expand_keys(symbol, {rest})
            continue
        alt = parse_alteration(part)
        if not alt.recognized or alt.gene is None:
            return None, frozenset()
        gene = alt.gene
        keys |= index.expand_keys(alt.gene, alt.keys)
    return gene, frozenset(keys)


@dataclass(frozen=True)
class _Found:
    """What the KB says about one alteration and drug set."""

    best: str  # best indication level, "" for none
    ids: tuple[str, ...]
    against: list[Resistance]  # resistant or reduced entries
    any_resistance: bool


def _specificity(index: KBIndex, entry: Resistance) -> int:
    """How many of an entry's parts name one protein change (not a class or a position)."""
    parts = index.resistance_parts[id(entry)]
    return sum(1 for p in parts if re.fullmatch(r"[A-Z]\d+\w*", p) and not p.endswith("X"))


def _lookup(index: KBIndex, gene: str, keys: frozenset[str], names: frozenset[str]) -> _Found:
    gene_level = keys <= {"mutation", "oncogenic mutation"}
    inds = [
        i
        for i in index.indications_by_gene.get(gene, [])
        if names <= set(i.drugs)
        and (gene_level or set(i.alterations) & keys)
        and (i.tissue_agnostic or index.is_lung(i.tumor_type))
    ]
    res = [
        r
        for r in index.resistance_by_gene.get(gene, [])
        if r.drug in names and index.resistance_parts[id(r)] <= keys
    ]
    # The most specific entries speak, as in matching: EGFR A763_Y764insFQEA (sensitive to
    # erlotinib) before the exon 20 insertion class (resistant).
    if res:
        top = max(_specificity(index, r) for r in res)
        res = [r for r in res if _specificity(index, r) == top]
    best = min((i.level for i in inds), key=_rank, default="")
    ids = tuple(sorted({i.id for i in inds} | {f"{r.gene} {r.alteration}/{r.drug}" for r in res}))
    against = [r for r in res if r.effect in ("resistant", "reduced")]
    return _Found(best, ids, against, bool(res))


_Verdict = tuple[Status, str, str, int]  # status, how, onconav level, weight
_NONE = "no onconav entry for this alteration and drug"


def _sensitivity(e: PeerEntry, f: _Found, lv: str) -> _Verdict:
    if f.best:
        if f.best in e.mapped:
            return "agree", "same band", f.best, 0
        if e.mapped and _rank(f.best) < _rank(e.mapped[0]):
            return "agree", "onconav stronger", f.best, 0
        band = "/".join(e.mapped) or "?"
        return (
            "disagree",
            f"onconav weaker: level {f.best}, peer {e.peer_level} ({band})",
            f.best,
            2,
        )
    if f.against:
        return "disagree", f"opposite: peer sensitivity, onconav {lv}", lv, 3
    if f.any_resistance:
        return "agree", "onconav: sensitive (resistance table)", "sensitive", 0
    return "not covered", _NONE, "", 0


def _resistance(e: PeerEntry, f: _Found, lv: str) -> _Verdict:
    want = e.mapped[0] if e.mapped else "R2"
    top = f.against[0] if f.against else None
    level = (top.level or "") if top else ""
    if level and level > want:  # R2 where the peer's evidence says R1
        how = f"onconav weaker: resistance {level}, peer {e.peer_level} ({want})"
        return "disagree", how, level, 1
    if top:
        stronger = bool(level) and level < want
        return "agree", "resistant, onconav stronger" if stronger else "resistant", lv, 0
    if f.any_resistance:
        return "disagree", "opposite: peer resistance, onconav sensitive", "sensitive", 3
    if f.best and _rank(f.best) <= _rank("3A"):
        return "disagree", f"opposite: peer resistance, onconav option level {f.best}", f.best, 3
    return "not covered", "no onconav resistance entry for this alteration and drug", f.best, 0


def _verdict(e: PeerEntry, f: _Found) -> _Verdict:
    """How one peer entry stands against what the KB says."""
    top = f.against[0] if f.against else None
    lv = (top.level or top.effect) if top else ""
    if e.direction == "sensitivity":
        return _sensitivity(e, f, lv)
    if e.direction == "resistance":
        return _resistance(e, f, lv)
    if f.best and _rank(f.best) <= _rank("3A"):
        return "disagree", f"peer: no benefit; onconav option level {f.best}", f.best, 2
    if top:
        return "agree", "no benefit; onconav resistant", lv, 0
    return "not covered", _NONE, f.best, 0


def _compare(index: KBIndex, e: PeerEntry) -> Comparison:
    if e.alteration is None:
        return Comparison(e, "not covered", e.scope, "", (), 0)
    drugs = [index.drug_name(d) for d in e.drugs]
    missing = [n for n, d in zip(e.drugs, drugs, strict=True) if d is None]
    if missing:
        return Comparison(e, "not covered", f"scope: drug not in the KB ({missing[0]})", "", (), 0)
    gene, keys = _keys(index, e.alteration)
    if gene is None:
        how = f"scope: alteration not understood ({e.alteration})"
        return Comparison(e, "not covered", how, "", (), 0)
    found = _lookup(index, gene, keys, frozenset(d for d in drugs if d))
    status, how, level, weight = _verdict(e, found)
    return Comparison(e, status, how, level, found.ids, weight * _WEIGHT.get(e.peer_level, 1))


def compare_peers(
    index: KBIndex, *, civic: Path | None = None, moalmanac: Path | None = None
) -> PeerTable:
    """Read the peers given and compare each NSCLC entry with the KB.

    Raises:
        InputError: a peer file or folder cannot be read.
    """
    table = PeerTable()
    entries: list[PeerEntry] = []
    if civic is not None:
        found, skipped = read_civic(civic)
        entries += found
        table.skipped.update(skipped)
    if moalmanac is not None:
        found, skipped = read_moalmanac(moalmanac, index)
        entries += found
        table.skipped.update(skipped)
    table.rows = [_compare(index, e) for e in entries]
    return table


# -- output --------------------------------------------------------------------------------------

COLUMNS = (
    "peer",
    "ref",
    "gene",
    "peer_variant",
    "onconav_alteration",
    "drugs",
    "direction",
    "peer_level",
    "peer_level_as_oncokb",
    "onconav_level",
    "status",
    "how",
    "onconav_entries",
    "source",
)


def _row(r: Comparison) -> dict[str, Any]:
    e = r.entry
    return {
        "peer": e.peer,
        "ref": e.ref,
        "gene": e.gene,
        "peer_variant": e.variant,
        "onconav_alteration": e.alteration or "",
        "drugs": " + ".join(e.drugs),
        "direction": e.direction,
        "peer_level": e.peer_level,
        "peer_level_as_oncokb": "/".join(e.mapped),
        "onconav_level": r.onconav_level,
        "status": r.status,
        "how": r.how,
        "onconav_entries": ", ".join(r.onconav_ids),
        "source": e.source,
    }


def write_table(table: PeerTable, path: Path) -> None:
    """The full agreement table as TSV (one row a peer entry), written atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS, delimiter="\t", lineterminator="\n")
            writer.writeheader()
            for r in table.rows:
                writer.writerow(
                    {k: str(v).replace("\t", " ").replace("\n", " ") for k, v in _row(r).items()}
                )
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(path)) from exc


def compare_text(table: PeerTable, *, markdown: bool = False) -> str:
    """Counts per peer, the level mapping, and the ten most important disagreements."""
    bullet = "- " if markdown else "  "
    lines = ["# Agreement with peers (NSCLC)" if markdown else "Agreement with peers (NSCLC)"]
    for peer, row in table.counts().items():
        total = sum(v for k, v in row.items() if ":" not in k)
        lines.append(
            f"{bullet}{peer}: {total} entries: {row['agree']} agree, {row['disagree']} "
            f"disagree, {row['not covered']} not covered ({row['not covered: scope']} "
            "outside onconav's scope)"
        )
    if table.skipped:
        lines.append(
            f"{bullet}rows left out: "
            + ", ".join(f"{k} {v}" for k, v in sorted(table.skipped.items()))
        )
    lines += [
        "",
        "## Level mapping (peer -> OncoKB)" if markdown else "Level mapping (peer -> OncoKB):",
    ]
    lines += [f"{bullet}CIViC {k}: {'/'.join(v)}" for k, v in CIVIC_LEVELS.items()]
    lines += [f"{bullet}MOAlmanac {k}: {'/'.join(v)}" for k, v in MOALMANAC_LEVELS.items()]
    lines += [
        "",
        "## Most important disagreements" if markdown else "Most important disagreements:",
    ]
    for n, (r, count) in enumerate(table.top_disagreements(), start=1):
        e = r.entry
        lines.append(
            f"{n}. {e.gene} {e.variant} / {' + '.join(e.drugs)} ({e.peer} {e.ref}, "
            f"level {e.peer_level}, {count} item(s)): {r.how}"
        )
    return "\n".join(lines)
