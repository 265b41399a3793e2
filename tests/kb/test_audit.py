"""`onconav kb audit`: the facts resting on curator judgement, and the protein-sequence check."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from onconav.cli import app
from onconav.kb.audit import audit, audit_text, sequence_genes


def test_audit_lists_each_kind_of_judgement(index) -> None:
    items = audit(index.kb, data_dir=Path("/nonexistent"))
    kinds = {i.kind for i in items}
    assert {"nccn_unread", "preclinical_only", "severity", "pending"} <= kinds
    entries = {i.entry for i in items}
    assert "indication alk-neladalkib-after-lorlatinib" in entries  # pending decision
    assert any(e.startswith("contraindication pregnancy-") for e in entries)
    assert any(i.kind == "preclinical_only" and "map2k1-trametinib-luad" in i.entry for i in items)
    text = audit_text(items)
    assert "FDA decisions pending" in text
    assert text.endswith("rest on curator judgement.")


def test_protein_sequence_check_degrades_without_sequences(index, tmp_path: Path) -> None:
    assert sequence_genes(tmp_path) is None
    items = [i for i in audit(index.kb, data_dir=tmp_path) if i.kind == "protein_sequence"]
    assert len(items) == 1
    assert "skipped" in items[0].reason


def test_protein_sequence_check_lists_genes_without_one(index, tmp_path: Path) -> None:
    (tmp_path / "proteins.fasta").write_text(">EGFR NP_005219.2\nMRPSGTAGAALLALLAALCPASRA\n")
    items = [i for i in audit(index.kb, data_dir=tmp_path) if i.kind == "protein_sequence"]
    missing = {i.entry for i in items}
    assert "gene EGFR" not in missing
    assert {"gene ALK", "gene ERBB2"} <= missing


def test_kb_audit_verb_text_and_json() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["kb", "audit"])
    assert text.exit_code == 0
    assert "Severity judgements" in text.stdout
    data = runner.invoke(app, ["kb", "audit", "--format", "json"])
    assert data.exit_code == 0
    assert '"kind": "pending"' in data.stdout
    bad = runner.invoke(app, ["kb", "audit", "--format", "xml"])
    assert bad.exit_code == 2
