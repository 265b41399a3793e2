"""Rules that temper options once they are collected: sequencing, immunotherapy, pending, pregnancy.

Each rule reads the options the engine collected and the case's facts, and caps a status (never
raises one), adds a caution, or adds a warning, always with the reason:
- sequencing: after progression on a targeted drug, another drug of the same drug class is
  `consider` at most, unless the indication's sources show that sequence works
  (`sequenced_after`);
- immunotherapy alone with a targetable driver is `consider` at most (lower benefit);
- an FDA decision still `pending` is an investigational option with its decision date;
- pregnancy: every systemic option carries a caution that a specialist must decide.
"""

from __future__ import annotations

from onconav.kb.models import Indication
from onconav.match.models import Option, OptionStatus
from onconav.match.work import Work

__all__ = ["PREGNANCY_NOTE", "pending_notes", "temper"]

PREGNANCY_NOTE = (
    "Pregnancy: systemic therapy in pregnancy is a decision for a specialist team (oncology with "
    "maternal-fetal medicine); see each drug's label on embryo-fetal risk and contraception."
)


def temper(work: Work, options: dict[str, Option]) -> None:
    """Apply the rules above to `options` in place (keyed by indication id)."""
    seq = work.index.sequencing_classes
    progressed: list[tuple[str, frozenset[str]]] = []
    for names, outcome in work.facts.history:
        if outcome == "progression":
            progressed.extend((d, seq[d]) for d in sorted(names) if seq.get(d))
    io_alone = work.memo.io_alone
    # (Only immunotherapy-alone options read the driver: most cases have none of them.)
    driver = _targetable_driver(work) if not io_alone.isdisjoint(options) else None
    pregnant = "pregnancy" in work.facts.conditions
    indications = work.index.indications
    for ind_id, opt in list(options.items()):
        ind = indications[ind_id]
        if not (progressed or driver or pregnant or ind.fda_status == "pending"):
            continue
        cautions: list[str] = []
        status: OptionStatus = opt.status
        same = _same_class_progression(work, ind, progressed) if progressed else None
        if same and status != "next_line":
            cautions.append(same)
            status = _at_most_consider(status)
        if driver and status != "next_line" and ind_id in io_alone:
            cautions.append(
                f"Immunotherapy alone with a targetable driver ({driver}): lower benefit than "
                "in tumours without one (NCCN); targeted therapy comes first, and immunotherapy "
                "given before some targeted drugs raises their toxicity (hepatitis, pneumonitis)."
            )
            status = _at_most_consider(status)
        if ind.fda_status == "pending" and status != "next_line":
            status = "trial"
        if pregnant:
            cautions.append(PREGNANCY_NOTE)
        if cautions or status != opt.status:
            options[ind_id] = opt.model_copy(
                update={"status": status, "cautions": [*opt.cautions, *cautions]}
            )
    if pregnant and options:
        work.warn(PREGNANCY_NOTE)


def pending_notes(work: Work, options: list[Option]) -> None:
    """Warn about each option shown whose FDA decision is pending, naming the decision date."""
    for opt in options:
        ind = work.index.indications[opt.indication_id]
        if ind.fda_status != "pending":
            continue
        when = f", decision date {ind.decision_date.isoformat()}" if ind.decision_date else ""
        work.warn(
            f"{' + '.join(ind.drugs)} ({ind.biomarker_label}): FDA decision pending{when}; no "
            "approval was confirmed, so it is shown as investigational (trial), not as approved."
        )


def _at_most_consider(status: OptionStatus) -> OptionStatus:
    return "consider" if status == "recommended" else status


def _same_class_progression(
    work: Work, ind: Indication, progressed: list[tuple[str, frozenset[str]]]
) -> str | None:
    """The reason `ind` may not be recommended: progression on another drug of its class."""
    wanted, shown = work.memo.sequencing[ind.id]
    if not wanted or not work.restored.isdisjoint(ind.drugs):
        return None
    for prior, classes in progressed:
        if prior in shown or prior in ind.drugs:
            continue
        common = wanted & classes
        if common:
            return (
                f"Progression on {prior} ({', '.join(sorted(common))}): no source in this "
                f"indication shows {' + '.join(ind.drugs)} works after it; expect "
                "cross-resistance."
            )
    return None


def _targetable_driver(work: Work) -> str | None:
    """A driver with a standard first-line targeted option ('ROS1 fusion'), or None.

    KRAS G12C is targetable but only after first-line therapy, where chemo-immunotherapy or
    immunotherapy is the standard: it does not count here. Kept per set of keys (memo).
    """
    memo = work.memo
    key = frozenset(work.facts.keys_by_gene.items())
    if key in memo.drivers:
        return memo.drivers[key]
    found = _find_driver(work)
    memo.keep(memo.drivers, key, found)
    return found


def _find_driver(work: Work) -> str | None:
    index = work.index
    for gene, keys in sorted(work.facts.keys_by_gene.items()):
        entry = index.genes.get(gene)
        if entry is None or not any(
            ind.level in ("1", "2")
            and ind.line in ("first", "any")
            and ind.setting == "metastatic"
            and keys.intersection(ind.alterations)
            for ind in index.indications_by_gene.get(gene, ())
        ):
            continue
        for cls in entry.alteration_classes:
            if cls.targetable and cls.category in ("driver", "fusion") and cls.key in keys:
                return cls.name
        return f"{gene} driver"
    return None
