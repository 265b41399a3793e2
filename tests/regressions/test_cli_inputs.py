"""Issue 13, CLI: every bad case input exits 2 with one located line, never a traceback.

Each finding of the issue is a class; the tests run several members of each through `match`
and `report` (JSON, JSON Lines, YAML, standard input), beyond the ones the issue named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconav.cli import app

runner = CliRunner()
GOOD = '{"tumor_type": "LUAD", "alterations": ["EGFR L858R"]}'


def _run(args: list[str], stdin: str | bytes | None = None):
    return runner.invoke(app, args, input=stdin)


def _fails_located(result, *expected: str) -> str:
    """Exit 2, one line on standard error, no traceback; each `expected` text in it."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    err = result.stderr
    assert err.count("\n") == 1, err
    assert err.startswith("onconav: ")
    assert "Traceback" not in result.output
    for text in expected:
        assert text in err, (text, err)
    return err


def _write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def _case(**fields: object) -> dict[str, object]:
    return {"tumor_type": "LUAD", "alterations": ["EGFR L858R"], **fields}


# --- nesting and numbers that crashed the decoder ---------------------------------------------


@pytest.mark.parametrize("verb", [["match"], ["report", "-a", "clinician"]])
@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("deep.json", "[" * 10_000 + "]" * 10_000, "line 1"),
        ("deep_obj.json", '{"a":' * 5_000 + "1" + "}" * 5_000, "line 1"),
        ("deep_lines.jsonl", GOOD + "\n" + "[" * 10_000 + "]" * 10_000 + "\n", "line 2"),
        ("deep.yaml", "tumor_type: LUAD\nalterations: " + "[" * 10_000 + "]" * 10_000, "line 2"),
        ("deep_field.json", json.dumps(_case(biomarkers={"tmb": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})), "biomarkers.tmb"),
    ],
)  # fmt: skip
def test_deep_nesting_is_a_located_error(tmp_path, verb, name, text, where) -> None:
    path = _write(tmp_path, name, text)
    _fails_located(_run([*verb, path]), name, "nested more than", where)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("biomarkers.pd_l1_tps", "1" * 5000),
        ("biomarkers.tmb", "9" * 4301),
        ("biomarkers.pd_l1_tps", "0." + "1" * 5000),
        ("id", "1" * 5000),
    ],
)
def test_numbers_with_thousands_of_digits_name_the_field(tmp_path, field, value) -> None:
    outer, _, inner = field.partition(".")
    body = f'"{outer}": {{"{inner}": {value}}}' if inner else f'"{outer}": {value}'
    path = _write(tmp_path, "big.json", '{"tumor_type": "LUAD", "alterations": [], ' + body + "}")
    _fails_located(_run(["match", path]), "big.json", field, "digits")


def test_yaml_number_with_thousands_of_digits(tmp_path) -> None:
    text = "tumor_type: LUAD\nalterations: []\nbiomarkers:\n  tmb: " + "7" * 5000 + "\n"
    path = _write(tmp_path, "big.yaml", text)
    _fails_located(_run(["match", path]), "big.yaml", "line 4", "digits")


# --- NaN and infinity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "word"),
    [
        ('"alterations": [{"gene": "EGFR", "alteration": "L858R", "vaf": NaN}]',
         "alterations.0.vaf", "NaN"),
        ('"alterations": [], "biomarkers": {"pd_l1_tps": Infinity}', "biomarkers.pd_l1_tps",
         "infinite"),
        ('"alterations": [], "biomarkers": {"tmb": -Infinity}', "biomarkers.tmb", "infinite"),
        ('"alterations": [], "biomarkers": {"tmb": 1e999}', "biomarkers.tmb", "infinite"),
        ('"alterations": [{"gene": "MET", "alteration": "amplification", "copy_number": NaN}]',
         "alterations.0.copy_number", "NaN"),
    ],
)  # fmt: skip
def test_nan_and_infinity_are_named_not_misreported(tmp_path, body, field, word) -> None:
    path = _write(tmp_path, "nan.json", '{"tumor_type": "LUAD", ' + body + "}")
    err = _fails_located(_run(["match", path]), "nan.json", field, word)
    assert "less than or equal" not in err  # (the old, misleading message)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_yaml_nan_and_infinity(tmp_path, value) -> None:
    text = (
        f"tumor_type: LUAD\nalterations:\n  - gene: EGFR\n    alteration: L858R\n    vaf: {value}\n"
    )
    path = _write(tmp_path, "nan.yaml", text)
    _fails_located(_run(["match", path]), "nan.yaml", "alterations.0.vaf")


# --- duplicate keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"tumor_type": "LUAD", "tumor_type": "LUSC", "alterations": []}', "tumor_type"),
        ('{"tumor_type": "LUAD", "alterations": [{"gene": "EGFR", "gene": "ALK", '
         '"alteration": "fusion"}]}', "alterations.0.gene"),
        ('{"tumor_type": "LUAD", "alterations": [], "biomarkers": {"tmb": 1, "tmb": 30}}',
         "biomarkers.tmb"),
    ],
)  # fmt: skip
def test_duplicate_json_keys_are_errors(tmp_path, text, field) -> None:
    path = _write(tmp_path, "dup.json", text)
    _fails_located(_run(["match", path]), "dup.json", field, "duplicate key")


def test_duplicate_keys_in_json_lines_name_the_line(tmp_path) -> None:
    text = GOOD + "\n" + '{"id": "a", "id": "b", "tumor_type": "LUAD", "alterations": []}\n'
    path = _write(tmp_path, "dup.jsonl", text)
    _fails_located(_run(["match", path]), "dup.jsonl", "line 2", "id", "duplicate key")


def test_duplicate_yaml_keys_are_errors(tmp_path) -> None:
    path = _write(tmp_path, "dup.yaml", "tumor_type: LUAD\nalterations: []\ntumor_type: LUSC\n")
    _fails_located(_run(["match", path]), "dup.yaml", "line 3", "duplicate key")


# --- control characters ----------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f"])
@pytest.mark.parametrize("field", ["id", "tumor_type"])
def test_control_characters_in_a_field_are_errors(tmp_path, char, field) -> None:
    case = {"tumor_type": "LUAD", "alterations": [], field: f"LU{char}AD"}
    path = _write(tmp_path, "ctl.json", json.dumps(case))
    _fails_located(_run(["match", path]), "ctl.json", field, "control character")


@pytest.mark.parametrize(("text", "field"), [
    ('{"id": "a\\ud800b", "tumor_type": "LUAD", "alterations": []}', "id"),
    ('{"tumor_type": "LUAD", "alterations": ["EGFR L858\\udfffR"]}', "alterations.0"),
])  # fmt: skip
def test_lone_surrogates_are_errors(tmp_path, text, field) -> None:
    path = _write(tmp_path, "sur.json", text)
    _fails_located(_run(["match", path]), "sur.json", field, "lone surrogate")


def test_control_character_in_an_alteration_and_in_yaml(tmp_path) -> None:
    path = _write(tmp_path, "ctl.json", json.dumps(_case(alterations=["EGFR L858R\u0000"])))
    _fails_located(_run(["match", path]), "alterations.0", "U+0000")
    path = _write(tmp_path, "ctl.yaml", "tumor_type: LUAD\nalterations: ['EGFR \x00L858R']\n")
    _fails_located(_run(["match", path]), "ctl.yaml", "line 2")


# --- byte-order mark, encodings, empty and odd inputs -----------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bom.json", GOOD),
        ("bom.jsonl", GOOD + "\n" + GOOD + "\n"),
        ("bom.yaml", "tumor_type: LUAD\nalterations: [EGFR L858R]\n"),
    ],
)
def test_a_utf8_bom_is_accepted(tmp_path, name, text) -> None:
    path = _write(tmp_path, name, "\ufeff".encode() + text.encode())
    result = _run(["match", path])
    assert result.exit_code == 0, result.output
    assert "EGFR" in result.stdout


def test_a_bom_on_standard_input_is_accepted() -> None:
    result = _run(["match", "-"], stdin="\ufeff".encode() + GOOD.encode())
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_bytes_that_are_not_utf8_name_the_line(tmp_path, source) -> None:
    raw = b'{"tumor_type": "LUAD",\n "id": "\xff\xfe",\n "alterations": []}'
    if source == "file":
        result = _run(["match", _write(tmp_path, "latin.json", raw)])
        _fails_located(result, "latin.json", "line 2", "not UTF-8")
    else:
        _fails_located(_run(["match", "-"], stdin=raw), "<stdin>", "line 2", "not UTF-8")


@pytest.mark.parametrize("name", ["empty.json", "empty.jsonl", "empty.yaml", "blank.json"])
def test_empty_files_are_errors(tmp_path, name) -> None:
    path = _write(tmp_path, name, "\n\n  \n" if name.startswith("blank") else "")
    _fails_located(_run(["match", path]), name, "empty")


def test_empty_standard_input_is_an_error() -> None:
    _fails_located(_run(["match", "-"], stdin=""), "<stdin>", "empty")


def test_a_folder_is_not_a_case_file(tmp_path) -> None:
    _fails_located(_run(["match", str(tmp_path)]), str(tmp_path), "folder")


def test_a_file_too_large_to_be_a_case_is_refused(tmp_path, monkeypatch) -> None:
    import onconav.match.caseio as caseio

    monkeypatch.setattr(caseio, "MAX_CASE_BYTES", 100)
    path = _write(tmp_path, "big.json", json.dumps(_case(id="x" * 200)))
    _fails_located(_run(["match", path]), "big.json", "larger than")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"tumor_type": 7, "alterations": []}', "tumor_type"),
        ('{"tumor_type": "LUAD", "alterations": "EGFR L858R"}', "alterations"),
        ('{"tumor_type": "LUAD", "alterations": [7]}', "alterations.0"),
        ('{"tumor_type": "LUAD", "alterations": [], "history": {"drugs": []}}', "history"),
        ('{"tumor_type": "LUAD", "alterations": [], "history": [{"drugs": "x"}]}',
         "history.0.drugs"),
        ('{"tumor_type": "LUAD", "alterations": [], "conditions": [true]}', "conditions.0"),
        ('{"tumor_type": "LUAD", "alterations": [], "biomarkers": []}', "biomarkers"),
        ('{"tumor_type": "LUAD", "alterations": [], "stage": 4}', "stage"),
        ('{"tumor_type": "LUAD", "alterations": [], "setting": null}', "setting"),
        ('{"tumor_type": "LUAD", "alterations": [{"gene": "EGFR", "alteration": "L858R", '
         '"exon": "x"}]}', "alterations.0.exon"),
        ('{"tumor_type": "LUAD", "alterations": [{"gene": ["EGFR"], "alteration": "L858R"}]}',
         "alterations.0.gene"),
        ('{"tumor_type": "LUAD", "alterations": [], "biomarkers": {"her2_ihc": {}}}',
         "biomarkers.her2_ihc"),
    ],
)  # fmt: skip
def test_wrong_types_name_the_field(tmp_path, text, field) -> None:
    path = _write(tmp_path, "types.json", text)
    _fails_located(_run(["match", path]), "types.json", f": {field}: ")


@pytest.mark.parametrize("text", ["[]", "7", '"case"', "null", "[1]"])
def test_json_that_is_no_case_is_an_error(tmp_path, text) -> None:
    _fails_located(_run(["match", _write(tmp_path, "odd.json", text)]), "odd.json")


# --- YAML aliases (expansion bombs) -----------------------------------------------------------


def test_yaml_aliases_are_refused(tmp_path) -> None:
    names = "abcdefghi"
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    bomb += [f"{names[i]}: &{names[i]} [" + ", ".join([f"*{names[i - 1]}"] * 9) + "]"
             for i in range(1, 9)]  # fmt: skip
    text = "tumor_type: LUAD\nalterations: []\n" + "\n".join(bomb) + "\n"
    path = _write(tmp_path, "bomb.yaml", text)
    _fails_located(_run(["match", path]), "bomb.yaml", "line 4", "aliases")


def test_yaml_deep_flow_nesting_is_refused_quickly(tmp_path) -> None:
    import time

    path = _write(tmp_path, "deep.yml", "tumor_type: LUAD\nalterations: " + "[" * 500_000)
    start = time.monotonic()
    _fails_located(_run(["match", path]), "deep.yml", "line 2", "nested more than")
    assert time.monotonic() - start < 60  # (PyYAML alone takes minutes over this)


def test_a_yaml_case_file_is_size_limited(tmp_path, monkeypatch) -> None:
    import onconav.match.caseio as caseio

    monkeypatch.setattr(caseio, "MAX_YAML_CHARS", 50)
    text = "tumor_type: LUAD\nalterations: []\nid: " + "x" * 60 + "\n"
    _fails_located(_run(["match", _write(tmp_path, "big.yaml", text)]), "big.yaml", "JSON Lines")


def test_yaml_python_tags_are_refused(tmp_path) -> None:
    text = "tumor_type: !!python/object/apply:os.system ['true']\nalterations: []\n"
    _fails_located(_run(["match", _write(tmp_path, "tag.yaml", text)]), "tag.yaml", "line 1")


# --- where an unknown tumor type comes from ---------------------------------------------------


def test_unknown_tumor_type_names_the_file(tmp_path) -> None:
    path = _write(tmp_path, "banana.json", json.dumps({"tumor_type": "banana", "alterations": []}))
    _fails_located(_run(["match", path]), "banana.json", "tumor_type", "unknown tumor type")
    _fails_located(_run(["report", path, "-a", "patient"]), "banana.json", "'banana'")


def test_unknown_tumor_type_names_the_line_of_json_lines(tmp_path) -> None:
    bad = json.dumps({"tumor_type": "banana", "alterations": []})
    path = _write(tmp_path, "cases.jsonl", GOOD + "\n" + GOOD + "\n" + bad + "\n")
    _fails_located(_run(["match", path]), "cases.jsonl", "line 3", "banana")


def test_unknown_tumor_type_names_the_array_item(tmp_path) -> None:
    bad = {"tumor_type": "banana", "alterations": []}
    path = _write(tmp_path, "cases.json", json.dumps([json.loads(GOOD), bad]))
    _fails_located(_run(["match", path]), "cases.json[1]", "banana")


def test_unknown_tumor_type_on_the_command_line_names_the_option() -> None:
    err = _fails_located(_run(["match", "-a", "EGFR L858R", "-t", "banana"]), "--tumor-type")
    assert "--alteration" not in err


# --- quick-case options are labelled with their own name --------------------------------------


@pytest.mark.parametrize(
    ("extra", "label"),
    [
        (["--prior", "osimertinib:bogus"], "--prior 'osimertinib:bogus'"),
        (["--setting", "palliative"], "--setting 'palliative'"),
        (["--condition", "sunburn"], "--condition 'sunburn'"),
        (["--prior", "osimertinib\x1b[2J:progression"], "--prior"),
    ],
)
def test_quick_case_errors_name_their_option(extra, label) -> None:
    err = _fails_located(_run(["match", "-a", "EGFR L858R", "-t", "LUAD", *extra]), label)
    assert "--alteration" not in err
    assert "\x1b" not in err


def test_bad_alteration_option_still_names_alteration() -> None:
    err = _fails_located(_run(["match", "-a", "EGFR\x1bL858R", "-t", "LUAD"]), "--alteration")
    assert "\x1b" not in err


# --- help text --------------------------------------------------------------------------------


def test_tumor_type_help_reads_as_a_sentence() -> None:
    result = _run(["annotate", "--help"])
    assert result.exit_code == 0
    line = next(x for x in result.stdout.splitlines() if "--tumor-type" in x)
    assert "no file types" not in line
    assert "Tumor type where no input file gives one" in " ".join(result.stdout.split())


def test_annotate_unknown_default_tumor_type_names_the_option(tmp_path) -> None:
    from tests.cohort.helpers import DATA

    args = ["annotate", "--maf", str(DATA / "tiny.maf"), "-t", "banana", "-o", str(tmp_path / "o")]
    _fails_located(_run(args), "--tumor-type: unknown tumor type 'banana'")
