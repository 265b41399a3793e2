"""`kb validate`: the shipped KB is clean; broken folders give file, line and reason."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from onconav.errors import KBValidationError
from onconav.kb.loader import default_kb_dir, load_kb
from onconav.kb.validate import validate_kb_dir

META = """\
meta:
  kb_version: "2026.12.4"
  kb_date: 2026-01-01
  title: test KB
  disclaimer: supports, does not replace, the oncologist
  patient_disclaimer: talk to your care team
"""

DRUG = """\
drugs:
  - name: testinib
    drug_class: ALK TKI
    classes: [tki]
    route: oral
    schedule: 100 mg once daily
    cns_activity: unknown
    approval_status: investigational
    mechanism: blocks a kinase
    common_side_effects: [rash]
    serious_side_effects: [hepatotoxicity]
    patient_summary: A pill that blocks a growth signal.
    patient_how_taken: By mouth once a day.
    sources: [{kind: trial, id: TEST-1, year: 2020}]
"""

GENE = """\
genes:
  - symbol: ALK
    name: anaplastic lymphoma kinase
    summary: a kinase
    patient_summary: a gene
    alteration_classes:
      - {key: fusion class, name: ALK fusion, category: fusion, members: [fusion], summary: s}
    sources: [{kind: trial, id: TEST-1, year: 2020}]
tumor_types:
  - {code: TISSUE, name: Tissue}
  - {code: NSCLC, name: Non-Small Cell Lung Cancer, parent: TISSUE}
"""

INDICATION = """\
indications:
  - id: alk-testinib
    gene: ALK
    alterations: [fusion]
    biomarker_label: ALK fusion
    tumor_type: NSCLC
    drugs: [testinib]
    setting: metastatic
    line: first
    level: "1"
    status: recommended
    rationale: works
    sources: [{kind: trial, id: TEST-1, year: 2020}]
"""


def _kb(tmp_path: Path, **files: str) -> Path:
    base = {"kb.yaml": META, "drugs.yaml": DRUG, "genes.yaml": GENE, "ind.yaml": INDICATION}
    base.update(files)
    for name, text in base.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


def test_shipped_kb_is_valid() -> None:
    assert validate_kb_dir(default_kb_dir()) == []


def test_minimal_kb_is_valid(tmp_path: Path) -> None:
    assert validate_kb_dir(_kb(tmp_path)) == []


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    root = _kb(tmp_path, **{"ind.yaml": "indications:\n  - id: x\n    gene: [ALK\n"})
    problems = validate_kb_dir(root)
    assert len(problems) == 1
    assert problems[0].file == "ind.yaml"
    assert problems[0].line is not None
    assert "broken YAML" in problems[0].message


def test_unknown_drug_in_indication(tmp_path: Path) -> None:
    root = _kb(tmp_path, **{"ind.yaml": INDICATION.replace("[testinib]", "[nosuchinib]")})
    problems = validate_kb_dir(root)
    assert [(p.file, p.line) for p in problems] == [("ind.yaml", 2)]
    assert "drug: unknown 'nosuchinib'" in problems[0].message


def test_missing_source_names_the_line_of_the_field(tmp_path: Path) -> None:
    text = INDICATION.replace(
        "    sources: [{kind: trial, id: TEST-1, year: 2020}]\n", "    sources: []\n"
    )
    problems = validate_kb_dir(_kb(tmp_path, **{"ind.yaml": text}))
    assert len(problems) == 1
    assert problems[0].line == 13
    assert "sources" in problems[0].message


def test_level_outside_the_scale(tmp_path: Path) -> None:
    problems = validate_kb_dir(_kb(tmp_path, **{"ind.yaml": INDICATION.replace('"1"', '"5"')}))
    assert len(problems) == 1
    assert problems[0].line == 10
    assert "level" in problems[0].message


def test_made_up_pmid_shape_is_rejected(tmp_path: Path) -> None:
    text = INDICATION.replace("{kind: trial, id: TEST-1, year: 2020}", "{kind: pmid, id: PMID-12}")
    problems = validate_kb_dir(_kb(tmp_path, **{"ind.yaml": text}))
    assert len(problems) == 1
    assert "digits" in problems[0].message


def test_unknown_alteration_key_and_tumor_type(tmp_path: Path) -> None:
    text = INDICATION.replace("[fusion]", "[exon 99 zap]").replace("NSCLC\n", "NOPE\n")
    messages = sorted(p.message for p in validate_kb_dir(_kb(tmp_path, **{"ind.yaml": text})))
    assert any("unknown alteration 'exon 99 zap'" in m for m in messages)
    assert any("tumor type: unknown 'NOPE'" in m for m in messages)


def test_unknown_section_and_duplicates(tmp_path: Path) -> None:
    root = _kb(tmp_path, **{"extra.yaml": "treatments: []\n", "dup.yaml": INDICATION})
    messages = [p.message for p in validate_kb_dir(root)]
    assert any("unknown section 'treatments'" in m for m in messages)
    assert any("duplicate indication 'alk-testinib'" in m for m in messages)


def test_load_kb_raises_on_problems(tmp_path: Path) -> None:
    root = _kb(tmp_path, **{"ind.yaml": INDICATION.replace('"1"', '"9"')})
    with pytest.raises(KBValidationError) as info:
        load_kb(root, use_cache=False)
    assert "ind.yaml:10" in str(info.value)


def test_cache_roundtrip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCONAV_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "kb").mkdir()
    root = _kb(tmp_path / "kb")
    first = load_kb(root)
    assert list((tmp_path / "cache").glob("kb-*.json"))
    second = load_kb(root)
    assert first == second
    # A changed file makes a new cache entry rather than reusing the stale one.
    (root / "ind.yaml").write_text(INDICATION.replace("works", "works well"))
    third = load_kb(root)
    assert third.indications[0].rationale == "works well"


def test_copy_of_shipped_kb_with_a_broken_file(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(default_kb_dir(), root)
    (root / "broken.yaml").write_text("drugs:\n  - name: Bad Name\n")
    problems = validate_kb_dir(root)
    assert problems
    assert all(p.file == "broken.yaml" for p in problems)
    assert {p.line for p in problems} == {2}


# ------------------------------------------------------------------ issue 12: provenance
def _approved(year: int, extra: str = "") -> str:
    return INDICATION.replace(
        "    rationale: works\n", f"    approval_year: {year}\n{extra}    rationale: works\n"
    )


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_recent_approval_without_a_page_read_fails(tmp_path: Path, year: int) -> None:
    problems = validate_kb_dir(_kb(tmp_path, **{"ind.yaml": _approved(year)}))
    assert len(problems) == 1
    assert "without approval_source" in problems[0].message
    assert problems[0].file == "ind.yaml"


def test_older_approval_needs_no_page(tmp_path: Path) -> None:
    assert validate_kb_dir(_kb(tmp_path, **{"ind.yaml": _approved(2023)})) == []


def test_recent_approval_with_a_page_read_passes(tmp_path: Path) -> None:
    page = (
        "    approval_source:\n"
        "      url: https://example.org/fda-approves-testinib\n"
        "      accessed: 2026-12-06\n"
        "      approved_on: 2025-03-01\n"
        "      says: FDA approved testinib for ALK-positive NSCLC.\n"
    )
    assert validate_kb_dir(_kb(tmp_path, **{"ind.yaml": _approved(2025, page)})) == []
    wrong_year = page.replace("2025-03-01", "2024-03-01")
    problems = validate_kb_dir(_kb(tmp_path, **{"ind.yaml": _approved(2025, wrong_year)}))
    assert any("differs from approval_source" in p.message for p in problems)


def test_pending_decision_must_be_investigational(tmp_path: Path) -> None:
    pending = INDICATION.replace(
        "    rationale: works\n",
        "    fda_status: pending\n    decision_date: 2026-09-18\n    rationale: works\n",
    )
    problems = validate_kb_dir(_kb(tmp_path, **{"ind.yaml": pending}))
    assert any("pending" in p.message for p in problems)  # level 1 / recommended
    ok = pending.replace('level: "1"', "level: 3A").replace("recommended", "trial")
    assert validate_kb_dir(_kb(tmp_path, **{"ind.yaml": ok})) == []


def test_web_source_needs_the_page_and_the_day_read(tmp_path: Path) -> None:
    text = INDICATION.replace(
        "{kind: trial, id: TEST-1, year: 2020}", "{kind: web, id: a news page}"
    )
    problems = validate_kb_dir(_kb(tmp_path, **{"ind.yaml": text}))
    assert any("url and accessed" in p.message for p in problems)


def test_targeted_drug_needs_a_sequencing_class(tmp_path: Path) -> None:
    drug = DRUG.replace("drug_class: ALK TKI", "drug_class: test kinase inhibitor")
    problems = validate_kb_dir(_kb(tmp_path, **{"drugs.yaml": drug}))
    assert any("sequencing classes" in p.message for p in problems)


def test_class_residue_range_is_ordered(tmp_path: Path) -> None:
    gene = GENE.replace(
        "members: [fusion], summary: s}", "members: [fusion], residues: [900, 800], summary: s}"
    )
    problems = validate_kb_dir(_kb(tmp_path, **{"genes.yaml": gene}))
    assert any("residues" in p.message for p in problems)
