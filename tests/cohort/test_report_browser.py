"""report.html in a real browser (Debian's Chromium driven by Playwright), opened from disk.

On a small cohort made from the test files and on every cohort in ../shared/data (skipped when
absent; ONCONAV_SHARED_DIR names another copy): the page loads with no console error and no
request but its own file, and shows the oncoprint's legend and a row for every gene that
summary.json counts, in the gene table and in the oncoprint. Skips when /usr/bin/chromium or
playwright is missing (.ci/install-browser installs Chromium). Screenshots go to
$ONCONAV_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from onconav.cohort import CohortInputs, annotate_cohort
from tests.cohort.helpers import DATA, summary_json
from tests.conftest import SHARED
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow


def _shared_data() -> Path | None:
    return SHARED / "data" if (SHARED / "data").is_dir() else None


def _cohorts() -> list[tuple[str, CohortInputs | None]]:
    """(name, inputs) of every cohort in ../shared/data: cBioPortal bundles, oncokb examples."""
    data = _shared_data()
    if data is None:
        return [("shared-data-absent", None)]
    found: list[tuple[str, CohortInputs | None]] = []
    for study in sorted(p for p in data.iterdir() if p.is_dir()):
        opt = lambda name: (study / name) if (study / name).is_file() else None  # noqa: B023, E731
        if opt("data_mutations.txt"):
            found.append((study.name, CohortInputs(
                maf=opt("data_mutations.txt"), sv=opt("data_sv.txt"), cna=opt("data_cna.txt"),
                clinical=opt("data_clinical_sample.txt"),
            )))  # fmt: skip
        elif opt("example_maf.txt"):
            found.append((study.name, CohortInputs(
                maf=opt("example_maf.txt"), fusions=opt("example_fusions.txt"),
                cna=opt("example_cna.txt"), clinical=opt("example_clinical.txt"),
            )))  # fmt: skip
    return found


SMALL = CohortInputs(
    maf=DATA / "tiny.maf", fusions=DATA / "tiny_fusions.txt", sv=DATA / "tiny_sv.txt",
    cna=DATA / "tiny_cna.txt", clinical=DATA / "tiny_clinical.txt",
)  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (run .ci/install-browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _check_report(browser, out: Path, shot: Path) -> None:
    summary = summary_json(out)
    url = (out / "report.html").resolve().as_uri()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="load")
    page.screenshot(path=str(shot), full_page=True)
    assert errors == []
    assert [r for r in requests if r != url and not r.startswith("data:")] == []
    svg = page.locator("figure.oncoprint svg")
    assert svg.count() == 1
    texts = [" ".join(t.split()) for t in svg.locator("text").all_text_contents()]
    for legend in (
        "Alteration (glyph and colour):",
        "Level (tracks on top):",
        "Missense",
        "Fusion",
    ):
        assert legend in texts
    rows = [" ".join(t.split()) for t in texts]
    for gene, n in summary["samples_by_gene"].items():
        row = page.locator(f'#gene-table tr[data-gene="{gene}"]')
        assert row.count() == 1, gene
        assert row.locator("td").nth(1).inner_text().replace(",", "") == str(n)
        assert any(r.startswith(f"{gene} ") and r.endswith("%") for r in rows), gene
    assert page.get_by_role("link", name="rejected.tsv").count() >= 1
    assert page.locator("#disclaimer").inner_text().strip() == summary["disclaimer"].strip()
    context.close()


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("ONCONAV_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def test_small_cohort_report_in_chromium(browser, tmp_path: Path) -> None:
    out = tmp_path / "out"
    annotate_cohort(SMALL, out)
    assert {"ALK", "ROS1", "RET", "MET", "EGFR"} <= set(summary_json(out)["samples_by_gene"])
    _check_report(browser, out, _shots(tmp_path) / "cohort_report_small.png")


@pytest.mark.parametrize(("name", "inputs"), _cohorts(), ids=[c[0] for c in _cohorts()])
def test_shared_cohort_report_in_chromium(browser, tmp_path: Path, name: str, inputs) -> None:
    if inputs is None:
        pytest.skip("../shared/data is not present")
    out = tmp_path / "out"
    annotate_cohort(inputs, out)
    _check_report(browser, out, _shots(tmp_path) / f"cohort_report_{name}.png")
