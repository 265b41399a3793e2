"""Generated targeted-panel cohorts for bench_annotate.py (`--profile panel` and `narrow`).

Shaped like clinical panel cohorts (MSK-IMPACT, AACR GENIE): about 10 rows a sample, hence
100,000 samples a million rows, and about a quarter of the rows in knowledge-base genes. The
rows are real rows of luad_mskcc_2020 (its 123 columns, as written) used as templates:
- one driver hotspot in ~60 % of samples (LUAD weights), acquired EGFR T790M in some;
- knowledge-base-gene missense rows at the residues that file reports in those genes, the new
  amino acid drawn at random (about 7,500 distinct changes a million rows, as in the issue);
- real knowledge-base-gene rows as written (nonsense, frame shifts, splice sites: repeated);
- the rest real rows of other genes, as written (repeated changes; never parsed).
Every row gets its sample's barcode; a missense row its gene, class, HGVSp and HGVSp_Short.
When ../shared/data is absent a built-in table of residues and a padded MAF header stand in.
`narrow` writes the same rows in the 9 columns onconav reads, plus a row id.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

_SHARED = Path(os.environ.get("ONCONAV_SHARED", "/work/shared")) / "data"
_TEMPLATE = _SHARED / "luad_mskcc_2020" / "data_mutations.txt"
# The knowledge base's genes (onconav 2026-12); a row of another gene is never parsed.
KB_GENES = ("ALK", "BRAF", "CDKN2A", "EGFR", "ERBB2", "KEAP1", "KRAS", "MET", "NRAS", "NRG1",
            "NTRK1", "NTRK2", "NTRK3", "PIK3CA", "RET", "ROS1", "SMARCA4", "STK11",
            "TP53")  # fmt: skip
NARROW = ("Hugo_Symbol", "Chromosome", "Start_Position", "Variant_Classification",
          "Tumor_Sample_Barcode", "HGVSc", "HGVSp", "HGVSp_Short", "t_alt_count")  # fmt: skip
# Fallback when luad_mskcc_2020 is absent: (gene, reference residue, position) seen in LUAD
# panels (COSMIC-style hotspots and recurrent residues), and a few other genes.
_RESIDUES = [
    ("EGFR", "L", 858), ("EGFR", "G", 719), ("EGFR", "T", 790), ("EGFR", "S", 768),
    ("EGFR", "L", 861), ("EGFR", "C", 797), ("EGFR", "E", 709), ("EGFR", "R", 108),
    ("EGFR", "A", 289), ("EGFR", "G", 598), ("KRAS", "G", 12), ("KRAS", "G", 13),
    ("KRAS", "Q", 61), ("KRAS", "A", 146), ("KRAS", "K", 117), ("BRAF", "V", 600),
    ("BRAF", "G", 469), ("BRAF", "D", 594), ("BRAF", "N", 581), ("BRAF", "K", 601),
    ("ERBB2", "S", 310), ("ERBB2", "V", 659), ("ERBB2", "L", 755), ("ERBB2", "V", 842),
    ("MET", "D", 1228), ("MET", "Y", 1230), ("MET", "N", 375), ("ALK", "F", 1174),
    ("ALK", "R", 1275), ("ALK", "G", 1202), ("RET", "M", 918), ("RET", "V", 804),
    ("ROS1", "G", 2032), ("NRAS", "Q", 61), ("NRAS", "G", 12), ("PIK3CA", "E", 545),
    ("PIK3CA", "H", 1047), ("PIK3CA", "E", 542), ("TP53", "R", 273), ("TP53", "R", 248),
    ("TP53", "R", 175), ("TP53", "G", 245), ("TP53", "V", 157), ("TP53", "Y", 220),
    ("KEAP1", "G", 333), ("KEAP1", "R", 470), ("STK11", "D", 194), ("STK11", "F", 354),
    ("SMARCA4", "R", 1192), ("NTRK1", "G", 595), ("NTRK3", "G", 623), ("CDKN2A", "D", 84),
    ("KMT2D", "R", 5214), ("ARID1A", "Q", 1334), ("FAT1", "E", 2306), ("PTPRD", "P", 666),
    ("NF1", "R", 1362), ("ATM", "R", 3008), ("LRP1B", "S", 1520), ("SETD2", "R", 1625),
]  # fmt: skip
_HEADER = ("Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome",
           "Start_Position", "End_Position", "Strand", "Variant_Classification", "Variant_Type",
           "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "dbSNP_RS",
           "dbSNP_Val_Status", "Tumor_Sample_Barcode", "Matched_Norm_Sample_Barcode",
           "t_ref_count", "t_alt_count", "n_ref_count", "n_alt_count", "HGVSc", "HGVSp",
           "HGVSp_Short", "Transcript_ID", "RefSeq", "Protein_position", "Codons")  # fmt: skip
_DRIVERS = [
    ("KRAS", "p.G12C", 13), ("KRAS", "p.G12V", 7), ("KRAS", "p.G12D", 5), ("KRAS", "p.G13D", 1),
    ("EGFR", "p.L858R", 7), ("EGFR", "p.G719S", 1), ("BRAF", "p.V600E", 2),
    ("BRAF", "p.G469A", 1), ("ERBB2", "p.S310F", 1), ("MET", "p.D1228V", 1),
]  # fmt: skip
_THREE = {"A": "Ala", "C": "Cys", "D": "Asp", "E": "Glu", "F": "Phe", "G": "Gly", "H": "His",
          "I": "Ile", "K": "Lys", "L": "Leu", "M": "Met", "N": "Asn", "P": "Pro", "Q": "Gln",
          "R": "Arg", "S": "Ser", "T": "Thr", "V": "Val", "W": "Trp", "Y": "Tyr"}  # fmt: skip
_AA = np.array(list(_THREE))
_O = object


def _templates() -> tuple[pl.DataFrame, tuple[str, ...]]:
    """Real rows (every cell a string) and the header, or the built-in stand-ins."""
    if _TEMPLATE.is_file():
        kw = {"separator": "\t", "infer_schema": False, "quote_char": None, "comment_prefix": "#"}
        with _TEMPLATE.open(encoding="utf-8") as fh:
            header = tuple(next(ln for ln in fh if not ln.startswith("#")).rstrip("\n").split("\t"))
        df = pl.read_csv(_TEMPLATE, **kw)
        return df.rename(dict(zip(df.columns, header, strict=True))), header
    header = (*_HEADER, *(f"Annotation_{i}" for i in range(123 - len(_HEADER))))
    n = len(_RESIDUES)
    base = {h: [""] * n for h in header}
    base.update(
        Hugo_Symbol=[g for g, _, _ in _RESIDUES], Center=["MSKCC"] * n, NCBI_Build=["GRCh37"] * n,
        Variant_Classification=["Missense_Mutation"] * n,
        HGVSp_Short=[f"p.{r}{p}{'A' if r != 'A' else 'G'}" for _, r, p in _RESIDUES],
    )  # fmt: skip
    df = pl.DataFrame(base).with_columns(pl.col(header[-1]).replace("", "."))
    return df.with_columns(pl.col(pl.String).replace("", None)), header


def _residues(templates: pl.DataFrame) -> pl.DataFrame:
    """(gene, ref, pos) of the missense residues of knowledge-base genes in the templates."""
    parts = pl.col("HGVSp_Short").str.extract_groups(r"^p\.([A-Z])(\d+)([A-Z])$")
    found = templates.select(pl.col("Hugo_Symbol").alias("gene"), parts.alias("m")).unnest("m")
    found = found.rename({"1": "ref", "2": "pos"}).drop("3").drop_nulls()
    found = found.filter(pl.col("gene").is_in(KB_GENES)).unique(maintain_order=True)
    if found.height == 0:
        found = pl.DataFrame(_RESIDUES, schema=["gene", "ref", "pos"], orient="row")
        found = found.with_columns(pl.col("pos").cast(pl.String)).filter(
            pl.col("gene").is_in(KB_GENES)
        )
    return found


def _missense(rng: np.random.Generator, genes: np.ndarray, refs: np.ndarray,
              pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """HGVSp_Short and HGVSp of a new amino acid at each residue."""
    alt = _AA[rng.integers(0, 20, genes.size)]
    same = alt == refs
    alt[same] = np.where(refs[same] == "A", "G", "A")
    short = np.char.add(np.char.add(np.char.add("p.", refs.astype(str)), pos.astype(str)), alt)
    three = np.vectorize(_THREE.__getitem__, otypes=[_O])
    long = np.char.add(np.char.add(np.char.add("p.", three(refs).astype(str)), pos.astype(str)),
                       three(alt).astype(str))  # fmt: skip
    return short.astype(_O), long.astype(_O)


def _rows(rng: np.random.Generator, first: int, n_samples: int, templates: pl.DataFrame,
          residues: pl.DataFrame) -> pl.DataFrame:  # fmt: skip
    """One chunk's rows: template row, sample, and overridden gene / changes (or null)."""
    per = rng.integers(5, 16, n_samples)
    sample = np.repeat(np.arange(first, first + n_samples), per)
    n = sample.size
    kb_template = templates["Hugo_Symbol"].is_in(KB_GENES).to_numpy()
    kb_rows, other_rows = np.flatnonzero(kb_template), np.flatnonzero(~kb_template)
    kind = rng.random(n)  # < 0.19: generated KB missense; < 0.24: a real KB-gene row
    tmpl = np.where(kind < 0.24, rng.choice(kb_rows, n), rng.choice(other_rows, n))
    gene = np.full(n, None, _O)
    short, long = np.full(n, None, _O), np.full(n, None, _O)
    gen = np.flatnonzero(kind < 0.19)
    pick = rng.integers(0, residues.height, gen.size)
    gene[gen] = residues["gene"].to_numpy()[pick]
    short[gen], long[gen] = _missense(
        rng, gene[gen], residues["ref"].to_numpy()[pick], residues["pos"].to_numpy()[pick]
    )
    # one driver in ~60 % of samples, on the sample's first row; EGFR T790M on the second
    starts = np.concatenate([[0], np.cumsum(per)[:-1]])
    has = rng.random(n_samples) < 0.6
    w = np.array([d[2] for d in _DRIVERS], dtype=float)
    drv = rng.choice(len(_DRIVERS), n_samples, p=w / w.sum())
    at = starts[has]
    gene[at] = np.array([d[0] for d in _DRIVERS], _O)[drv[has]]
    short[at] = np.array([d[1] for d in _DRIVERS], _O)[drv[has]]
    long[at] = None
    egfr = has & (drv == 4) & (rng.random(n_samples) < 0.15)
    second = starts[egfr] + 1
    gene[second], short[second], long[second] = "EGFR", "p.T790M", None
    text = [pl.Series(k, v.tolist(), dtype=pl.String) for k, v in (("g", gene), ("p", short),
                                                                   ("l", long))]  # fmt: skip
    return pl.DataFrame([pl.Series("t", tmpl), pl.Series("s", sample), *text])


def _chunk(rows: pl.DataFrame, templates: pl.DataFrame, header: tuple[str, ...]) -> pl.DataFrame:
    base = templates[rows["t"].to_numpy()].with_columns(rows["s"], rows["g"], rows["p"], rows["l"])
    new = pl.col("g").is_not_null()
    barcode = pl.format("P-{}-T01-IM6", pl.col("s").cast(pl.String).str.zfill(7))
    over = [
        pl.coalesce("g", "Hugo_Symbol").alias("Hugo_Symbol"),
        barcode.alias("Tumor_Sample_Barcode"),
        barcode.str.replace("T01", "N01").alias("Matched_Norm_Sample_Barcode"),
        pl.when(new).then(pl.col("p")).otherwise(pl.col("HGVSp_Short")).alias("HGVSp_Short"),
    ]
    if "Variant_Classification" in base.columns:
        vc = pl.col("Variant_Classification")
        over.append(
            pl.when(new)
            .then(pl.lit("Missense_Mutation"))
            .otherwise(vc)
            .alias(vc.meta.output_name())
        )
    if "HGVSp" in base.columns:
        over.append(pl.when(new).then(pl.col("l")).otherwise(pl.col("HGVSp")).alias("HGVSp"))
    return base.with_columns(over).select(header)


def write_panel(path: Path, n: int, *, narrow: bool, seed: int = 11) -> int:
    """Write an n-row panel MAF (123 columns, or `NARROW` plus a row id) and clinical.txt."""
    rng = np.random.default_rng(seed)
    templates, header = _templates()
    residues = _residues(templates)
    written = samples = 0
    with path.open("wb") as fh:
        while written < n:
            rows = _rows(rng, samples, 100_000, templates, residues).head(n - written)
            frame = _chunk(rows, templates, header)
            if narrow:
                keep = [c for c in NARROW if c in frame.columns]
                ids = pl.int_range(written, written + frame.height, eager=True).cast(pl.String)
                frame = frame.select(pl.lit(ids).alias("row_id"), *keep)
            frame.write_csv(fh, separator="\t", quote_style="never", include_header=written == 0)
            written += frame.height
            samples = int(rows["s"].max()) + 1  # type: ignore[arg-type]
    codes = np.array(["LUAD", "LUAD", "LUAD", "LUSC", "NSCLC"])[rng.integers(0, 5, samples)]
    ids = pl.Series(range(samples)).cast(pl.String).str.zfill(7)
    clinical = pl.DataFrame({"SAMPLE_ID": ("P-" + ids + "-T01-IM6"), "ONCOTREE_CODE": codes})
    clinical.write_csv(path.with_name("clinical.txt"), separator="\t")
    return samples
