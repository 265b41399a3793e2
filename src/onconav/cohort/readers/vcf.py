"""Read a VCF (.vcf or .vcf.gz/BGZF) annotated by VEP (CSQ), SnpEff (ANN) or bcftools csq (BCSQ).

The VCF is read as text by Polars (every column a string, the `##` lines parsed for the
annotation's field names); `gzip` decompresses BGZF, which is ordinary multi-member gzip. Each
record's annotation entries are ranked (VEP `PICK`, then `CANONICAL`, then the first entry with
a protein change) and the best one gives the gene, the consequence (mapped to a MAF
Variant_Classification) and the protein change.

Rows are (record, sample) pairs: each selected sample whose genotype carries an alternate allele
(`GT` with a non-zero allele), or every record for the one sample of a sites-only VCF named by
`--sample-id`. A record no selected sample carries is kept as one row rejected `no-carrier`.
Output columns: the eight fixed VCF columns as written, then `Tumor_Sample_Barcode`, `GT`,
`Hugo_Symbol`, `Variant_Classification`, `HGVSc` and `HGVSp` from the annotation.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import polars as pl

from onconav.cohort.columns import RejectCode
from onconav.cohort.layer import Key, Layer, present
from onconav.cohort.readers.maf import reject_protein
from onconav.cohort.readers.table import Table, diagnose, open_table
from onconav.normalize import Alteration, protein_change_alteration

__all__ = ["consequence_class", "read_vcf", "vcf_protein"]

# Annotation INFO tags, best first, and the names their field lists use.
_TAGS = ("CSQ", "ANN", "BCSQ")
_GENE_FIELDS = ("SYMBOL", "Gene_Name", "gene")
_CONSEQUENCE_FIELDS = ("Consequence", "Annotation")
_PROTEIN_FIELDS = ("HGVSp", "HGVS.p", "amino_acid_change")
_CDNA_FIELDS = ("HGVSc", "HGVS.c")
_FORMAT = re.compile(r"(?:Format:|Functional annotations:)\s*'?([^'\">]+)")
_BCSQ_CHANGE = re.compile(r"^(\d+)([A-Z*]+)>(\d+)([A-Z*]+)$")

# Sequence Ontology consequence (VEP, SnpEff; bcftools csq's short forms) -> MAF
# Variant_Classification, as vcf2maf maps them (mskcc/vcf2maf, GetVariantClassification).
_CLASS = {
    "missense_variant": "Missense_Mutation", "missense": "Missense_Mutation",
    "stop_gained": "Nonsense_Mutation", "frameshift_variant": "Frame_Shift_Del",
    "frameshift": "Frame_Shift_Del", "inframe_deletion": "In_Frame_Del",
    "disruptive_inframe_deletion": "In_Frame_Del", "inframe_insertion": "In_Frame_Ins",
    "disruptive_inframe_insertion": "In_Frame_Ins", "protein_altering_variant": "Missense_Mutation",
    "splice_acceptor_variant": "Splice_Site", "splice_donor_variant": "Splice_Site",
    "splice_acceptor": "Splice_Site", "splice_donor": "Splice_Site",
    "splice_region_variant": "Splice_Region", "splice_region": "Splice_Region",
    "start_lost": "Translation_Start_Site", "stop_lost": "Nonstop_Mutation",
    "synonymous_variant": "Silent", "synonymous": "Silent", "stop_retained_variant": "Silent",
    "5_prime_UTR_variant": "5'UTR", "5_prime_utr": "5'UTR", "3_prime_UTR_variant": "3'UTR",
    "3_prime_utr": "3'UTR", "intron_variant": "Intron", "intron": "Intron",
    "upstream_gene_variant": "5'Flank", "downstream_gene_variant": "3'Flank",
    "intergenic_variant": "IGR", "intergenic_region": "IGR",
    "non_coding_transcript_exon_variant": "RNA", "non_coding": "RNA",
}  # fmt: skip


def consequence_class(consequence: str | None) -> str | None:
    """The MAF class of an annotation's first consequence term ('missense_variant&...')."""
    if not consequence:
        return None
    first = re.split(r"[&,]", consequence.lstrip("*"), maxsplit=1)[0]
    return _CLASS.get(first, first)


def vcf_protein(text: str | None) -> str | None:
    """A protein change from an annotation field, as the normalizer reads it.

    VEP's URL escapes are undone ('%3D' is '='), bcftools csq's '858L>858R' becomes 'p.L858R';
    other forms are passed on as they are.
    """
    if not text:
        return None
    value = unquote(text.strip())
    m = _BCSQ_CHANGE.match(value)
    if m is None:
        return value
    pos, ref, alt = int(m.group(1)), m.group(2), m.group(4)
    if len(ref) == 1 and len(alt) == 1:
        return f"p.{ref}{pos}{alt}"
    end = pos + len(ref) - 1
    return f"p.{ref[0]}{pos}_{ref[-1]}{end}delins{alt}"


def _normalize(key: Key) -> Alteration:
    gene, vclass, hgvsc, protein = key
    return protein_change_alteration(gene or "", vcf_protein(protein), vclass, hgvsc=hgvsc)


def _reject(alt: Alteration, key: Key) -> RejectCode | None:
    return reject_protein(alt, vcf_protein(key[3]), key[1])


def _annotation(table: Table) -> tuple[str, list[str]]:
    for tag in _TAGS:
        found = [
            (number, line)
            for number, line in enumerate(table.meta, start=1)
            if line.startswith(f"##INFO=<ID={tag},") and _FORMAT.search(line)
        ]
        if len(found) > 1:
            raise table.error(f"INFO {tag} is described more than once", line=found[1][0])
        if found:
            number, line = found[0]
            fields = [f.strip() for f in _FORMAT.search(line).group(1).split("|")]  # type: ignore[union-attr]
            _check_unique_fields(table, tag, fields, number)
            return tag, fields
    raise table.error(
        "no VEP (CSQ), SnpEff (ANN) or bcftools csq (BCSQ) annotation described in the header",
        line=table.header_line,
    )


def _check_unique_fields(table: Table, tag: str, fields: list[str], line: int) -> None:
    """Refuse an annotation format naming a field it reads twice (which to read is a guess)."""
    used = {n.lower() for n in (*_GENE_FIELDS, *_CONSEQUENCE_FIELDS, *_PROTEIN_FIELDS,
                                *_CDNA_FIELDS, "PICK", "CANONICAL")}  # fmt: skip
    lower = [f.lower() for f in fields]
    for name in dict.fromkeys(lower):
        if name in used and lower.count(name) > 1:
            raise table.error(f"INFO {tag} names the field {name!r} more than once", line=line)


def _field(fields: list[str], names: tuple[str, ...]) -> int | None:
    lower = [f.lower() for f in fields]
    return next((lower.index(n.lower()) for n in names if n.lower() in lower), None)


def _pick(records: pl.DataFrame, info: str, tag: str, fields: list[str]) -> pl.DataFrame:
    """Per record, the best annotation entry's gene, class and protein change."""

    def get(names: tuple[str, ...]) -> pl.Expr:
        i = _field(fields, names)
        if i is None:
            return pl.lit(None, dtype=pl.String)
        cell = pl.col("__f").list.get(i, null_on_oob=True)
        return pl.when(cell != "").then(cell)

    def flag(names: tuple[str, ...], value: str) -> pl.Expr:
        i = _field(fields, names)
        return pl.lit(False) if i is None else pl.col("__f").list.get(i, null_on_oob=True) == value

    protein = get(_PROTEIN_FIELDS)
    rank = (
        pl.when(flag(("PICK",), "1")).then(0)
        .when(flag(("CANONICAL",), "YES")).then(1)
        .when(protein.is_not_null()).then(2)
        .otherwise(3)
    )  # fmt: skip
    entries = records.select(
        "__row", pl.col(info).str.extract(rf"(?:^|;){tag}=([^;]*)", 1).str.split(",").alias("__e")
    ).explode("__e")
    entries = entries.with_row_index("__ei").with_columns(pl.col("__e").str.split("|").alias("__f"))
    best = entries.with_columns(rank.alias("__rank")).sort("__row", "__rank", "__ei")
    best = best.unique(subset="__row", keep="first", maintain_order=True)
    return best.select(
        "__row",
        get(_GENE_FIELDS).alias("__gene"),
        get(_CONSEQUENCE_FIELDS).str.extract(r"^\*?([^&,]+)", 1).replace(_CLASS).alias("__class"),
        get(_CDNA_FIELDS).alias("__hgvsc"),
        protein.alias("__protein"),
    )


def _selected(table: Table, sample_ids: tuple[str, ...]) -> dict[str, str]:
    """VCF sample column (internal name) -> sample identifier, for the selected samples."""
    columns: dict[str, str] = {}
    for i in range(9, len(table.header)):
        if table.header[i] in columns:
            raise table.duplicate([int(columns[table.header[i]][1:]), i])
        columns[table.header[i]] = f"c{i}"
    if not sample_ids:
        if not columns:
            raise table.error(
                "a VCF without sample columns needs --sample-id", line=table.header_line
            )
        return {c: name for name, c in columns.items()}
    missing = [s for s in sample_ids if s not in columns]
    if missing and len(sample_ids) == 1 and len(columns) <= 1:
        return dict.fromkeys(columns.values(), sample_ids[0]) or {"": sample_ids[0]}
    if missing:
        known = ", ".join(columns) or "none"
        raise table.error(f"sample {missing[0]!r} is not in the VCF (its samples: {known})",
                          line=table.header_line)  # fmt: skip
    return {columns[s]: s for s in sample_ids}


def _carriers(records: pl.DataFrame, table: Table, chosen: dict[str, str]) -> pl.DataFrame:
    """(record, sample, genotype) of each selected sample carrying an alternate allele."""
    if "" in chosen:  # sites-only VCF: the named sample carries every record
        return records.select(
            "__row",
            pl.lit(chosen[""]).alias("__sample"),
            pl.lit(None, pl.String).alias("__gt"),
            pl.lit(0).alias("__si"),
        )
    has_gt = pl.col("c8").str.starts_with("GT")
    parts = []
    for i, (column, sample) in enumerate(chosen.items()):
        gt = pl.when(has_gt).then(pl.col(column).str.split(":").list.first())
        carrier = gt.is_null() | gt.str.contains(r"[1-9]")
        found = records.filter(carrier).select(
            "__row", pl.lit(sample).alias("__sample"), gt.alias("__gt"), pl.lit(i).alias("__si")
        )
        parts.append(found)
    found = pl.concat(parts)
    orphans = records.join(found, on="__row", how="anti").select(
        "__row", pl.lit(None, pl.String).alias("__sample"), pl.lit(None, pl.String).alias("__gt"),
        pl.lit(-1).alias("__si"),
    )  # fmt: skip
    return pl.concat([found, orphans]).sort("__row", "__si")


_FIXED = tuple(f"c{i}" for i in range(8))
_ADDED = ("Tumor_Sample_Barcode", "GT", "Hugo_Symbol", "Variant_Classification", "HGVSc", "HGVSp")


def _rows(table: Table, tag: str, fields: list[str], chosen: dict[str, str]) -> pl.DataFrame:
    """The (record, sample) rows: the fixed columns, sample, genotype and best annotation."""
    try:
        records = table.scan().with_row_index("__row").collect()
    except pl.exceptions.PolarsError as exc:
        raise diagnose(table, exc) from exc
    picked = _pick(records, "c7", tag, fields)
    rows = _carriers(records, table, chosen)
    fixed = records.select("__row", *_FIXED)
    frame = rows.join(fixed, on="__row", how="left", maintain_order="left")
    return frame.join(picked, on="__row", how="left", maintain_order="left")


def _row_reject(table: Table) -> pl.Expr:
    """`nul-byte` for a record that held one, else `no-carrier` for a record no one carries."""
    no_carrier = pl.when(pl.col("__sample").is_null()).then(pl.lit("no-carrier"))
    nul = table.nul_reject(pl.col("__row"))
    return no_carrier if nul is None else pl.coalesce(nul, no_carrier)


def read_vcf(
    path: Path, *, work_dir: Path, sample_ids: tuple[str, ...] = (), label: str | None = None
) -> Layer:
    """Open an annotated VCF as a Layer of (record, sample) rows.

    Args:
        path: The VCF (.vcf, .vcf.gz).
        work_dir: Where a decompressed copy goes.
        sample_ids: Samples to keep (VCF sample columns), or the name of the one sample of a
            single-sample or sites-only VCF; by default every sample column.
        label: How messages name the file.

    Raises:
        CohortInputError: not a VCF, no annotation described in the header, an unknown
            sample, or a record Polars cannot read (naming its line).
    """
    table = open_table(path, work_dir=work_dir, label=label, header_prefix="#CHROM", min_columns=8)
    tag, fields = _annotation(table)
    chosen = _selected(table, sample_ids)
    frame = _rows(table, tag, fields, chosen)
    return Layer(
        kind="vcf",
        label=table.label,
        frame=frame.lazy(),
        columns=(*_FIXED, "__sample", "__gt", "__gene", "__class", "__hgvsc", "__protein"),
        headers=(*table.header[:8], *_ADDED),
        sample=pl.col("__sample"),
        keys=tuple(pl.col(c) for c in ("__gene", "__class", "__hgvsc", "__protein")),
        gene=pl.col("__gene"),
        detail=pl.col("__protein"),
        has_gene=present(pl.col("__gene")),
        kb_hint=lambda s: pl.col("__gene").is_in(sorted(s)),
        normalize=_normalize,
        reject=_reject,
        line=table.line_of(pl.col("__row")),
        row_reject=_row_reject(table),
        table=table,
    )
