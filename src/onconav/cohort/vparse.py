"""Read the common forms of distinct MAF keys with Polars string expressions, not the normalizer.

The normalizer (a lark grammar, then the residue check, exon tables and match keys) costs
about 100 microseconds a key in Python; a panel cohort holds thousands of distinct missense
changes a million rows. Most of them are written in a handful of forms that a regular
expression reads whole, so those are parsed here in Rust, checked against the shipped MANE
protein by a join, and given their category and referenced keys by the same `KBView` rules the
Python path uses (computed once per distinct (gene, kind, special keys), not per key). Every
other form goes to the Python path, so the result is the Python path's by construction; a
property test compares the two (tests/cohort/test_vparse.py).

Read here, for a knowledge-base gene written as its symbol with a shipped protein:
- a class that does not alter the protein (Silent, Intron, 3'UTR, ...): annotated as `other`,
  whatever the protein change says (what `normalize.maf` and `reject_protein` make of it);
- the first non-blank protein cell (HGVSp_Short, HGVSp, ...) as a substitution ('p.L858R',
  'L858R', 'p.Leu858Arg'), a wildcard ('p.G719X'; a stop with class Nonsense_Mutation), a
  nonsense change ('p.R213*', 'p.Arg213Ter') or a frameshift ('p.E746fs', 'p.E746Rfs*12',
  'p.Glu746ArgfsTer12'), in upper-case 1-letter or title-case 3-letter codes: recognized, or
  `reference-mismatch` when the residue or position contradicts the protein;
- in-frame deletions, duplications, insertions and delins in 1-letter codes ('p.E746_A750del',
  'p.A767_V769dup', 'p.A775_G776insYVMA', 'p.L747_P753delinsS'), with their 'exon N
  deletion|insertion' key from the exon tables, or `reference-mismatch` (either end).
Anything else (3-letter indels, splice labels, synonymous spellings, transcripts, parentheses,
lower case, odd characters, genes written as aliases) is left to the normalizer.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from onconav.cohort.events import KBView
from onconav.normalize import build, transcripts
from onconav.normalize.aliases import normalize_gene
from onconav.normalize.exons import residue_exon
from onconav.normalize.grammar import AA3_TO_AA1
from onconav.normalize.maf import variant_classes
from onconav.normalize.reference import gene_reference

__all__ = ["VEC", "classify_mutations"]

VEC = "__vec"
_STR = pl.String
_AA1 = "ACDEFGHIKLMNPQRSTVWY"
_POS = "[1-9][0-9]{0,5}"
# 1-letter forms: ref, position, then the new residue, '*', 'X', or a frameshift tail.
_SHORT = rf"^(?:p\.)?([{_AA1}])({_POS})([{_AA1}*X]|[{_AA1}]?fs(?:\*{_POS})?)$"
# In-frame indels, 1-letter: ref, position, optional end (ref, position), operation, residues.
_INDEL = rf"^(?:p\.)?([{_AA1}])({_POS})(?:_([{_AA1}])({_POS}))?(delins|del|dup|ins)([{_AA1}*]*)$"
_KINDS = {"del": "deletion", "dup": "duplication", "ins": "insertion", "delins": "delins"}
# 3-letter forms (title case), rewritten to the 1-letter ones above.
_AA3 = {k: v for k, v in AA3_TO_AA1.items() if v in _AA1}
_CODE3 = "|".join(_AA3)
_LONG = rf"^p\.({_CODE3})({_POS})({_CODE3}|Ter|\*)?(fs(?:(?:Ter|\*){_POS})?)?$"
_THREE = {**_AA3, "Ter": "*", "*": "*"}
_READING = {
    VEC: pl.Boolean, "__alt": _STR, "__cat": _STR, "__rej": _STR, "__why": _STR,
    "__gene": _STR, "__exon": pl.Int64, "__rel": pl.List(_STR), "__keep": pl.Boolean,
}  # fmt: skip


@cache
def _proteins(genes: frozenset[str]) -> pl.DataFrame:
    """(`__g`, `__prot`) of the KB genes read here: written as their symbol, protein shipped."""
    rows = []
    for gene in sorted(genes):
        ref = gene_reference(gene)
        if ref is None or not ref.protein or normalize_gene(gene) != gene:
            continue
        if transcripts.resolve(gene, None).reason is not None:
            continue
        rows.append((gene, ref.protein))
    return pl.DataFrame(rows, schema={"__g": _STR, "__prot": _STR}, orient="row")


def _printable(cell: pl.Expr) -> pl.Expr:
    """Null, or printable ASCII (where Python's and Rust's strip agree: spaces only)."""
    return cell.is_null() | cell.str.contains(r"^[\x20-\x7e]*$")


def _first_text(cells: list[pl.Expr]) -> pl.Expr:
    """The first cell holding more than blanks, stripped (`layer.first_text`)."""
    stripped = [c.str.strip_chars(" ") for c in cells]
    return pl.coalesce([pl.when(s != "").then(s) for s in stripped])


def _one_letter(protein: pl.Expr) -> pl.Expr:
    """A 3-letter change in its 1-letter spelling; any other text as it is."""
    parts = protein.str.extract_groups(_LONG)
    code = [parts.struct.field(str(i)) for i in range(1, 5)]
    three = [c.replace_strict(_THREE, default=None, return_dtype=_STR) for c in code[:3]]
    fs = code[3].str.replace_all("Ter", "*", literal=True)
    rewritten = pl.concat_str(three[0], code[1], three[2].fill_null(""), fs.fill_null(""))
    long = code[0].is_not_null() & (code[2].is_not_null() | code[3].is_not_null())
    return pl.when(long).then(rewritten).otherwise(protein)


def _parsed(keys: pl.DataFrame, names: list[str], genes: frozenset[str]) -> pl.DataFrame:
    """The keys with `__g`, `__vc`, `__ref`, `__pos`, `__tail`, `__prot` (null when unread)."""
    gene, vclass, proteins = pl.col(names[0]), pl.col(names[1]), [pl.col(n) for n in names[3:]]
    ok = pl.all_horizontal(_printable(c) for c in [vclass, *proteins])
    text = _one_letter(_first_text(proteins))
    parts, indel = text.str.extract_groups(_SHORT), text.str.extract_groups(_INDEL)
    df = keys.with_row_index("__row").with_columns(
        pl.when(ok).then(gene).alias("__g"),
        vclass.str.strip_chars(" ").fill_null("").alias("__vc"),
        pl.coalesce(parts.struct.field("1"), indel.struct.field("1")).alias("__ref"),
        pl.coalesce(parts.struct.field("2"), indel.struct.field("2")).cast(pl.Int64).alias("__pos"),
        parts.struct.field("3").alias("__tail"),
        indel.struct.field("3").alias("__eref"),
        indel.struct.field("4").cast(pl.Int64).alias("__end"),
        indel.struct.field("5").alias("__op"),
        indel.struct.field("6").alias("__seq"),
    )
    return df.join(_proteins(genes), on="__g", how="left")


def _change(df: pl.DataFrame) -> pl.DataFrame:
    """Kind, name, match keys and the residue check of each read change."""
    ref, pos, tail = pl.col("__ref"), pl.col("__pos"), pl.col("__tail")
    where = pl.concat_str(ref, pos.cast(_STR))
    stop = (tail == "*") | ((tail == "X") & (pl.col("__vc") == "Nonsense_Mutation"))
    op, end = pl.col("__op"), pl.col("__end")
    kind = (
        pl.when(op.is_not_null()).then(op.replace_strict(_KINDS, return_dtype=_STR))
        .when(tail.str.ends_with("fs") | tail.str.contains("fs*", literal=True))
        .then(pl.lit("frameshift"))
        .when(stop).then(pl.lit("nonsense"))
        .otherwise(pl.lit("substitution"))
    )  # fmt: skip
    span = pl.when(end.is_not_null()).then(pl.format("_{}{}", "__eref", end)).otherwise(pl.lit(""))
    name = (
        pl.when(op.is_not_null()).then(pl.concat_str(where, span, op, pl.col("__seq")))
        .when(kind == "frameshift").then(pl.concat_str(where, pl.lit("fs")))
        .when(kind == "nonsense").then(pl.concat_str(where, pl.lit("*")))
        .otherwise(pl.concat_str(where, tail))
    )  # fmt: skip
    point = op.is_null() & (kind != "frameshift")
    wildcard = pl.when(point).then(pl.concat_str(where, pl.lit("X")))
    size = pl.col("__prot").str.len_chars().cast(pl.Int64)
    actual = pl.col("__prot").str.slice(pos - 1, 1)
    actual_end = pl.col("__prot").str.slice(end - 1, 1)
    why = (
        pl.when(pos > size).then(pl.format("{} has {} residues", "__g", size))
        .when(actual != ref).then(pl.format("residue {} of {} is {}, not {}", pos, "__g",
                                            actual, ref))
        .when(end > size).then(pl.format("{} has {} residues", "__g", size))
        .when(actual_end != pl.col("__eref"))
        .then(pl.format("residue {} of {} is {}, not {}", end, "__g", actual_end, "__eref"))
    )  # fmt: skip
    return df.with_columns(kind.alias("__kind"), name.alias("__name"),
                           wildcard.alias("__wild"), why.alias("__why"))  # fmt: skip


def _meanings(view: KBView, df: pl.DataFrame) -> pl.DataFrame:
    """`__row`, `__cat`, `__rel` of the recognized changes (`KBView.recognized`'s rules)."""
    special = pl.DataFrame(
        [(g, k) for g, keys in view.special.items() for k in keys],
        schema={"__g": _STR, "__key": _STR}, orient="row",
    )  # fmt: skip
    keys = df.select(
        "__row", "__g", "__kind",
        pl.concat_list("__name", "__wild", "__exkey", pl.lit("mutation")).alias("__key"),
    ).explode("__key").drop_nulls("__key")  # fmt: skip
    hit = keys.join(special, on=["__g", "__key"], how="semi")
    sets = hit.group_by("__row").agg(pl.col("__key").unique().sort())
    rows = df.select("__row", "__g", "__kind").join(sets, on="__row", how="left")
    rows = rows.with_columns(pl.col("__key").fill_null(pl.lit([], pl.List(_STR))))
    distinct = rows.select("__g", "__kind", "__key").unique()
    found = []
    for gene, kind, special_keys in distinct.iter_rows():
        category, relevant = view.meaning(gene, kind, frozenset(special_keys))
        found.append((gene, kind, special_keys, category, sorted(relevant)))
    text, texts = pl.String(), pl.List(pl.String())
    schema = {"__g": text, "__kind": text, "__key": texts, "__cat": text, "__rel": texts}
    table = pl.DataFrame(found, schema=schema, orient="row")
    return rows.join(table, on=["__g", "__kind", "__key"], how="left").select(
        "__row", "__cat", "__rel"
    )


def _exon(gene: str, kind: str, start: int, end: int | None, seq: str | None
          ) -> tuple[int | None, str | None]:  # fmt: skip
    """(exon, 'exon N deletion|insertion' key) of a change, as `build` places it."""
    if kind not in _KINDS.values():
        return residue_exon(gene, start), None
    last = start if end is None else end
    span = 0 if kind == "insertion" else last - start + 1
    exon = residue_exon(gene, start, last)
    key = (
        None
        if "*" in (seq or "")
        else build._exon_key(exon, build._net(kind, span, len(seq or "")))
    )
    return exon or residue_exon(gene, start), key


def _exons(df: pl.DataFrame) -> pl.DataFrame:
    """`__exon` and `__exkey` of each distinct read change (the exon tables), by its place."""
    names = ["__g", "__kind", "__pos", "__end", "__seq"]
    places = df.select(names).unique()
    found = [_exon(*place) for place in places.iter_rows()]
    return places.with_columns(
        pl.Series("__exon", [f[0] for f in found], dtype=pl.Int64),
        pl.Series("__exkey", [f[1] for f in found], dtype=_STR),
    )


def classify_mutations(view: KBView, keys: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """The reading of each distinct mutation key whose form is read here, row for row.

    Args:
        view: The knowledge base.
        keys: Distinct keys of a mutation layer: `names` are (gene, class, HGVSc, protein
            columns...) as `readers.maf.mutation_layer` makes them.
        names: The key columns.

    Returns:
        One row per key, in order: `__vec` (read here; the other columns are then the
        reading), `__alt`, `__cat`, `__rej`, `__why`, `__gene`, `__exon`, `__rel` (the
        referenced keys of its event) and `__keep` (it has an event).
    """
    df = _parsed(keys, names, view.genes)
    quiet = pl.col("__vc").is_in(sorted(variant_classes().not_protein_altering))
    synonymous = (pl.col("__tail") == pl.col("__ref")).fill_null(False)
    op, seq, pos, end = pl.col("__op"), pl.col("__seq"), pl.col("__pos"), pl.col("__end")
    # (the normalizer refuses an insertion between residues that are not adjacent, and a range
    # that does not go forward: left to it)
    indel = (
        (op.is_in(["del", "dup"]) & (seq == "")) | (op.is_in(["ins", "delins"]) & (seq != ""))
    ) & pl.when(op == "ins").then(end == pos + 1).otherwise(end.is_null() | (end > pos))
    indel = indel & ~seq.str.contains("TER", literal=True)  # (the grammar reads 'Ter' as a stop)
    form = pl.when(op.is_null()).then(pl.col("__tail").is_not_null()).otherwise(indel)
    read = pl.col("__prot").is_not_null() & pl.col("__ref").is_not_null() & ~synonymous & form
    read = read.fill_null(False)
    df = _change(df.with_columns(quiet.alias("__quiet"), (read & ~quiet).alias("__read")))
    ok = df.filter(pl.col("__read") & pl.col("__why").is_null())
    ok = ok.join(_exons(ok), on=["__g", "__kind", "__pos", "__end", "__seq"], nulls_equal=True)
    ok = ok.join(_meanings(view, ok), on="__row")
    targets = sorted(view.targets)
    ok = ok.select(
        "__row", pl.concat_str("__g", pl.lit(" "), "__name").alias("__alt"), "__cat",
        pl.col("__g").alias("__gene"), "__exon", "__rel",
        ((pl.col("__rel").list.len() > 0) | pl.col("__g").is_in(targets)).alias("__keep"),
    )  # fmt: skip
    out = df.select(
        "__row",
        (pl.col("__quiet") | pl.col("__read")).alias(VEC),
        pl.when(pl.col("__quiet")).then(pl.lit("other")).alias("__qcat"),
        pl.when(pl.col("__read") & pl.col("__why").is_not_null())
        .then(pl.lit("reference-mismatch"))
        .alias("__rej"),
        pl.when(pl.col("__read")).then(pl.col("__why")).alias("__why"),
    ).join(ok, on="__row", how="left", maintain_order="left")
    out = out.with_columns(pl.coalesce("__cat", "__qcat").alias("__cat"))
    return out.select(list(_READING)).cast(_READING)  # type: ignore[arg-type]
