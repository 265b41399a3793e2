"""What of a sample's other events can change the level cells of one of its events.

A row's cells come from its event matched together with the sample's other events
(`context.match_context`), but most of those others cannot change them: a BRAF variant of
unknown significance says nothing about a KRAS G12C row. Keying each event's matching by the
whole sample splits a panel cohort of 100,000 samples into thousands of contexts; keying it by
what can change its cells leaves a few hundred. For an event of gene `g`, its cells read
(`context.match_context`, `match.engine.match_case`):
- the indications of `g` it meets, and whether each applies: `indication_line`, a function of
  the facts the match engine's memo keys it by (`match.memo.signature`): tumor type and
  setting (every key carries them) and the keys of the genes `Memo.facts_of(g)` names. Those
  genes' events are read whole.
- whether the drugs of those indications and of `g`'s resistance entries are avoided for
  resistance: the resistance entries for those drugs that the sample's keys meet (only their
  parts matter), and whether a drug's target is altered at all (an off-target entry speaks only
  then);
- the resistance entries of `g` it meets: the keys of `g`, read whole.
An event that meets no indication and no resistance entry of its gene (a variant of unknown
significance in a drug target) never has cells of its own: it is *inert* (it may still change
another event's cells, as a target's presence does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import polars as pl

from onconav.cohort.events import Event
from onconav.kb.index import KBIndex
from onconav.match.memo import memo_of

__all__ = ["SID", "Influence", "event_keys", "sorted_distinct"]

# Each sample's integer id (its rank by name; see `plan.py`).
SID = "__sid"


@dataclass(frozen=True)
class Reads:
    """What matching an event of one gene reads of the sample's other events.

    Attributes:
        whole: Genes whose events are read whole: the gene itself and the genes the memo's
            signature of its indications holds.
        parts: Gene -> its keys that a resistance entry for one of the gene's drugs names.
        targets: Genes whose mere presence can let an off-target resistance entry speak (the
            targets of a drug with an entry on a gene it does not target).
    """

    whole: frozenset[str]
    parts: dict[str, frozenset[str]]
    targets: frozenset[str]


def _reads(index: KBIndex, gene: str) -> Reads:
    drugs = {d for ind in index.indications_by_gene.get(gene, ()) for d in ind.drugs}
    drugs.update(r.drug for r in index.resistance_by_gene.get(gene, ()))
    parts: dict[str, set[str]] = {}
    for r in index.kb.resistance:
        if r.drug in drugs:
            parts.setdefault(r.gene, set()).update(index.resistance_parts[id(r)])
    # A target's presence matters only to a drug with an entry on a gene it does not target.
    targets = {
        t
        for r in index.kb.resistance
        if r.drug in drugs and r.drug in index.drugs and r.gene not in index.drugs[r.drug].targets
        for t in index.drugs[r.drug].targets
    }
    return Reads(
        whole=frozenset({gene, *memo_of(index).facts_of(index, gene)[0]}),
        parts={g: frozenset(k) for g, k in parts.items()},
        targets=frozenset(targets),
    )


@dataclass(frozen=True)
class Influence:
    """Per gene, what of the other events can change its events' cells; which are inert.

    Attributes:
        index: The knowledge base.
        reads: Gene -> what matching an event of it reads of the sample's other events.
        full: Every event reads every other whole and none is inert (one context a distinct
            whole sample, as before keying: the tests' oracle).
    """

    index: KBIndex
    reads: dict[str, Reads]
    full: bool = False

    @classmethod
    def of(cls, index: KBIndex, genes: frozenset[str]) -> Influence:
        """The influence among `genes`' events under the knowledge base of `index`."""
        return cls(index, {g: _reads(index, g) for g in sorted(genes)})

    @classmethod
    def whole_sample(cls, index: KBIndex, genes: frozenset[str]) -> Influence:
        """Each event reading all of its sample's events whole, none inert (no reduction)."""
        return cls(index, {}, full=True)

    def project(self, gene: str, other: Event, sig: int) -> list[str]:
        """What an event of `gene` reads of the sample's event `other` (signature id `sig`).

        As tokens whose set over the sample's events is what the event reads. The rules read a
        gene's keys as the union over its events (`keys_by_gene`), so a gene read whole gives
        its presence and each of its keys; another gene, its keys that a resistance entry for
        one of the drugs names, and its presence when a drug's off-target entry asks for it.
        """
        reads = self.reads.get(gene)
        if self.full or reads is None:
            return [str(sig)]
        if other.gene in reads.whole:
            return [other.gene, *(f"{other.gene}={k}" for k in sorted(other.keys))]
        keys = other.keys & reads.parts.get(other.gene, frozenset())
        tokens = [f"{other.gene}={k}" for k in sorted(keys)]
        return [other.gene, *tokens] if other.gene in reads.targets else tokens

    def inert(self, gene: str, keys: frozenset[str]) -> bool:
        """True when an event of `gene` with these keys can have no cells of its own."""
        if self.full:
            return False
        index = self.index
        if any(keys.intersection(i.alterations) for i in index.indications_by_gene.get(gene, ())):
            return False
        return not any(
            r.effect == "resistant"
            and r.level is not None
            and keys.intersection(index.resistance_parts[id(r)])
            for r in index.resistance_by_gene.get(gene, ())
        )


def _projections(events: list[Event], influence: Influence) -> pl.DataFrame:
    """(`__gene`, `__sig2`, `__tok`): what an event of `__gene` reads of signature `__sig2`.

    Each token (`Influence.project`) is given as an integer id: equal tokens, equal ids.
    """
    genes = sorted({e.gene for e in events})
    ids: dict[str, int] = {}
    rows = [
        (g, sig, ids.setdefault(token, len(ids)))
        for g in genes
        for sig, other in enumerate(events)
        for token in influence.project(g, other, sig)
    ]
    schema = {"__gene": pl.String, "__sig2": pl.Int64, "__tok": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def sorted_distinct(frame: pl.LazyFrame, name: str) -> pl.DataFrame:
    """`frame`'s rows with distinct values of its integer column `name`, sorted by it.

    One sort and a comparison with the row before: a hash set of millions of 64-bit keys
    (`unique`) took twice the time and two to three times the memory at its peak (2.9M keys:
    0.18 GiB against 0.07).
    """
    k = pl.col(name)
    return frame.sort(name).filter(k.ne_missing(k.shift())).collect()


def _sets(df: pl.DataFrame, group: str, item: str, size: int) -> pl.DataFrame:
    """(`group`, `item`): each group's distinct items as a sorted list, groups in order.

    `group` and `item` are integers, `item` below `size`; both are packed into one integer
    (`group * size + item`), so one sort and a comparison with the row before put each
    group's items in order and drop repeats, far faster than a sort and a unique over two
    columns or a sort within each group.
    """
    top = df[group].max() if df.height else 0
    if (int(cast(int, top)) + 1) * size >= 1 << 64:  # (too many to pack: the plain way)
        plain = df.select(group, item).unique().sort(group, item)
        return plain.group_by(group, maintain_order=True).agg(item)
    packed = (pl.col(group).cast(pl.UInt64) * size + pl.col(item).cast(pl.UInt64)).alias("__k")
    k = pl.col("__k")
    found = sorted_distinct(df.lazy().select(packed), "__k")
    found = found.select((k // size).set_sorted().alias(group), (k % size).alias(item))
    return found.group_by(group, maintain_order=True).agg(item)


def _profiles(samples: pl.DataFrame, sample_events: pl.DataFrame, nsigs: int
              ) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Each matchable sample's profile, and the distinct profiles.

    Returns (`__sid`, `__p`) of each matchable sample with an event, and (`__p`,
    `tumor_code`, `setting`, `__all`: its signatures, sorted) of each profile, ids in the
    samples' order. A sample's tumor type and setting are first made one small integer (there
    are a few of each), so that the samples are grouped on it and their signature lists, not
    on text: at a million samples, a third of the time and 0.06 GiB less at the peak.
    """
    profiles = _sets(sample_events, SID, "__sig", max(nsigs, 1))
    profiles = profiles.select(
        pl.col(SID).cast(pl.UInt32), pl.col("__sig").cast(pl.List(pl.Int64)).alias("__all")
    )
    kinds = {c: samples[c].unique(maintain_order=True) for c in ("tumor_code", "setting")}
    code = {c: {v: i for i, v in enumerate(k.to_list())} for c, k in kinds.items()}
    width = max(len(code["setting"]), 1)
    # (cast: with no sample, and so an empty mapping, Polars keeps the text type)
    pair = pl.col("tumor_code").replace_strict(code["tumor_code"]).cast(pl.UInt32) * width
    pair += pl.col("setting").replace_strict(code["setting"]).cast(pl.UInt32)
    profiles = profiles.join(samples.select(SID, pair.alias("__t")), on=SID, maintain_order="left")
    groups = profiles.group_by("__t", "__all", maintain_order=True).agg(SID)
    groups = groups.with_row_index("__p")
    of = groups.select(SID, "__p").explode(SID).sort(SID)
    t = pl.col("__t")
    distinct = groups.select(
        "__p",
        pl.lit(kinds["tumor_code"]).gather(t // width).alias("tumor_code"),
        pl.lit(kinds["setting"]).gather(t % width).alias("setting"),
        "__all",
    )
    return of, distinct


def event_keys(
    samples: pl.DataFrame, sample_events: pl.DataFrame, events: list[Event], influence: Influence
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per profile and non-inert signature: what decides its cells; and each sample's profile.

    A *profile* is a tumor type, a setting and a set of signatures: samples that share one
    have the same keys, so keys are built once a profile (a few per cent of the samples of a
    panel cohort), and everything per sample after them joins on the profile's integer id.

    Returns:
        (`__sid`, `__p`): each matchable sample with an event, and its profile id (ids follow
        the samples' order); and (`__p`, `__sig`, `tumor_code`, `setting`, `__key`,
        `__sigs`) in profile then signature order: `__key` is the signature and what it
        reads of its profile's events, as text (equal keys, equal cells), and `__sigs` the
        signatures of the events it reads anything of, itself included, sorted (what to
        match it with). Built as joins over all samples at once, never a Python loop.

    Args:
        samples: `__sid`, `tumor_code`, `setting` of the samples that can be matched.
        sample_events: (`__sid`, `__sig`) of every event a sample has.
        events: The representative event of each signature id.
        influence: What each event reads of the others.
    """
    sigs = pl.DataFrame(
        {
            "__sig": range(len(events)),
            "__gene": [e.gene for e in events],
            "__inert": [influence.inert(e.gene, e.keys) for e in events],
        },
        schema={"__sig": pl.Int64, "__gene": pl.String, "__inert": pl.Boolean},
    )
    of, distinct = _profiles(samples, sample_events, len(events))
    sigs_of = distinct.select("__p", pl.col("__all").alias("__sig")).explode("__sig")
    sigs_of = sigs_of.join(sigs, on="__sig")
    own = sigs_of.filter(~pl.col("__inert")).select("__p", "__sig", "__gene")
    other = sigs_of.select("__p", pl.col("__sig").alias("__sig2"))
    projections, n = _projections(events, influence), max(len(events), 1)
    pairs = own.join(other, on="__p").join(projections, on=["__gene", "__sig2"])
    # One id per (profile, signature): the sets below are built per id, then joined back.
    pairs = pairs.with_columns((pl.col("__p").cast(pl.Int64) * n + pl.col("__sig")).alias("__ps"))
    tokens = _sets(pairs, "__ps", "__tok", max(projections.height, 1))
    read = _sets(pairs, "__ps", "__sig2", n)
    keys = tokens.join(read, on="__ps", maintain_order="left").select(
        (pl.col("__ps") // n).cast(pl.UInt32).alias("__p"),
        (pl.col("__ps") % n).cast(pl.Int64).alias("__sig"),
        pl.concat_str(
            (pl.col("__ps") % n).cast(pl.String), pl.lit("|"),
            pl.col("__tok").cast(pl.List(pl.String)).list.join(","),
        ).alias("__key"),
        pl.col("__sig2").cast(pl.List(pl.Int64)).alias("__sigs"),
    )  # fmt: skip
    keys = keys.join(distinct.select("__p", "tumor_code", "setting"), on="__p")
    keys = keys.select("__p", "__sig", "tumor_code", "setting", "__key", "__sigs")
    return of, keys.sort("__p", "__sig")
