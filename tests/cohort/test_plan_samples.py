"""The plan's samples: the rows' samples and the clinical file's, merged by name."""

from __future__ import annotations

import polars as pl
import pytest

from onconav.cohort.events import KBView
from onconav.cohort.plan import samples_frame
from onconav.kb.index import get_index


def _by_full_join(seen: pl.DataFrame, clinical: pl.DataFrame) -> pl.DataFrame:
    """The merge as first written: a full join on the names, then sorted by name."""
    clin = clinical.rename({"sample": "__s", "tumor": "__clin_tt"})
    out = seen.select("__s", pl.col("__o").alias("__row_tt")).join(
        clin.with_columns(pl.lit(True).alias("listed")), on="__s", how="full", coalesce=True
    )
    return out.select(
        "__s",
        pl.coalesce("__clin_tt", "__row_tt").alias("tumor"),
        pl.col("setting").fill_null("metastatic"),
        pl.col("listed").fill_null(False),
    ).sort("__s")


@pytest.mark.parametrize(
    ("rows", "listed"),
    [
        (["S3", "S1", "S2"], ["S2", "S3", "S1"]),  # the same samples, in other orders
        (["S3", "S1", "S4"], ["S2", "S3", "S1"]),  # as many, not the same
        (["S3", "S1"], ["S2", "S3", "S1", "S0"]),  # the clinical file lists more
        (["S3", "S1", "S5"], ["S1"]),  # the rows have samples it does not list
    ],
)
def test_samples_are_merged_by_name_whichever_way(rows: list[str], listed: list[str]) -> None:
    seen = pl.DataFrame(
        {"__s": rows, "__o": ["LUSC" if s == "S3" else None for s in rows]},
        schema={"__s": pl.String, "__o": pl.String},
    )
    clinical = pl.DataFrame(
        {"sample": listed, "tumor": ["LUAD" if s != "S2" else None for s in listed],
         "setting": ["metastatic" if s != "S1" else "early" for s in listed]},
        schema={"sample": pl.String, "tumor": pl.String, "setting": pl.String},
    )  # fmt: skip
    got = samples_frame(KBView(get_index()), seen, clinical, None)
    want = _by_full_join(seen, clinical)
    assert got["__sid"].to_list() == list(range(want.height))
    assert got.select(want.columns).equals(want)
