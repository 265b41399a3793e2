"""A real browser (Chromium from Debian, driven by Playwright) through the main path.

Logs in, enters a case with the alteration autocomplete, sees the options, switches to the
patient view and downloads the PDF. Skips when /usr/bin/chromium or playwright is missing
(.ci/install-browser installs Chromium). Screenshots go to $ONCONAV_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app on a free loopback port (uvicorn in a thread), a temp SQLite db, one user."""
    import uvicorn

    from onconav.web.app import WebSettings, create_app

    app = create_app(WebSettings(db=str(tmp_path / "b.db"), data_dir=tmp_path / "data"))
    app.state.ctx.accounts.add_user("alice", "correct horse battery", "team-a")
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.ctx.store.dispose()


def test_login_case_options_patient_view_pdf(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (run .ci/install-browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = Path(os.environ.get("ONCONAV_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(
                accept_downloads=True, viewport={"width": 414, "height": 900}
            ).new_page()
            page.goto(f"{server}/cases")
            page.get_by_label("User name").fill("alice")
            page.get_by_label("Password").fill("correct horse battery")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{server}/cases")

            page.get_by_role("link", name="New case").first.click()
            page.get_by_label("Tumor type").fill("LUAD")
            search = page.get_by_label("Find an alteration")
            search.fill("EGFR p.Leu858Arg")
            sync_api.expect(page.locator("#alteration-status")).to_contain_text("EGFR L858R")
            page.get_by_role("button", name="Add").click()
            sync_api.expect(page.get_by_label("Alterations")).to_have_value("EGFR p.Leu858Arg")
            page.get_by_label("brain metastases").check()
            page.get_by_role("button", name="Match and save").click()

            sync_api.expect(page.get_by_role("heading", name="Options, best first")).to_be_visible()
            sync_api.expect(page.locator("ol.options h3").first).to_contain_text("osimertinib")
            page.screenshot(path=str(shots / "result.png"), full_page=True)

            page.get_by_role("link", name="Patient view").click()
            sync_api.expect(
                page.get_by_role("link", name="Back to the clinician view")
            ).to_be_visible()
            page.screenshot(path=str(shots / "patient.png"), full_page=True)

            with page.expect_download() as info:
                page.get_by_role("link", name="Download PDF").click()
            pdf = tmp_path / "patient.pdf"
            info.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF")
        finally:
            browser.close()


def test_swagger_ui_renders_offline_under_the_csp(server: str) -> None:
    """/docs draws every operation with the CSP on, from this server alone (no CDN)."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (run .ci/install-browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            hosts: set[str] = set()
            blocked: list[str] = []
            page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
            page.on(
                "console",
                lambda m: blocked.append(m.text) if "Content Security" in m.text else None,
            )
            page.goto(f"{server}/docs")
            sync_api.expect(page.locator(".opblock").first).to_be_visible(timeout=20000)
            assert page.locator(".opblock").count() >= 15
            assert "/api/v1/match" in page.inner_text("body")
            assert hosts == {server.split("/")[2]}
            assert blocked == []
        finally:
            browser.close()
