"""Every page, rendered with hostile text in every user field, escapes it (stored and reflected
XSS). A page fails on any tag or attribute that came from user text, on a raw `<` or `"` of the
payload, and on a `javascript:` URL in an href, src or action."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, login

# Each payload carries its own marker tag and attribute; none may come out as markup.
PAYLOADS = [
    '"><zqtag zqattr=1>',
    "'><zqtag zqattr=1>",
    "<script>zqscript()</script>",
    "javascript:zqjs(1)",
    " JaVaScRiPt:zqjs(2)",
    '<img src=x zqattr="1">',
]
RAW = ("<zqtag", "<script>zqscript", "<img src=x zqattr")
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster"}


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]


def assert_escaped(html: str, where: str, payload: str = "") -> None:
    parser = _Markup()
    parser.feed(html)
    assert not [t for t in parser.tags if t.startswith("zq")], where
    assert not [k for k, _v in parser.attrs if k.startswith("zq")], where
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S | re.I)
    assert not [s for s in scripts if s.strip()], f"{where}: inline script"
    for name, value in parser.attrs:
        if name in URL_ATTRS:
            assert not re.match(r"\s*javascript:", value, re.I), f"{where}: {name}={value!r}"
    for raw in (*RAW, payload) if set(payload) & set("<\"'") else RAW:
        assert raw not in html, f"{where}: {raw!r} unescaped"


def _hostile_case_form(csrf: str, payload: str) -> dict[str, object]:
    return {
        "csrf_token": csrf,
        "label": payload,
        "tumor_type": "LUAD",
        "setting": "metastatic",
        "stage": "",
        "alterations": f"EGFR L858R\n{payload}\nKRAS {payload}\nEGFR {payload}",
        # One line of therapy a line, "drugs: outcome": the payload loses its colon here.
        "history": f"{payload.replace(':', ' ')}: progression",
        "pd_l1_tps": "",
        "her2_ihc": "",
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_page_escapes_user_text(make_app: Callable[..., FastAPI], payload: str) -> None:
    app = make_app()
    app.state.ctx.accounts.add_user(f"u{payload}", PASSWORD, "team-x")
    with TestClient(app) as c:
        page = c.get("/login", params={"next": payload})
        assert_escaped(page.text, "/login?next=", payload)
        csrf = login(c, f"u{payload}")
        r = c.post("/cases/new", data=_hostile_case_form(csrf, payload), follow_redirects=False)
        assert r.status_code == 303, r.text
        loc = r.headers["location"]
        pages = {
            "/cases": c.get("/cases"),
            "result": c.get(loc),
            "edit": c.get(f"{loc}/edit"),
            "patient": c.get(f"{loc}/patient"),
            "report clinician": c.get(f"{loc}/report?format=html&audience=clinician"),
            "report patient": c.get(f"{loc}/report?format=html&audience=patient"),
            "rematch": c.post(f"{loc}/rematch", data={"csrf_token": csrf}),
            "edit post": c.post(f"{loc}/edit", data=_hostile_case_form(csrf, payload)),
            "new form": c.get("/cases/new"),
            "docs": c.get("/docs"),
            "docs list": c.get("/docs/list"),
        }
        bad = {**_hostile_case_form(csrf, payload), "tumor_type": payload}
        pages["form error"] = c.post("/cases/new", data=bad)
        assert pages["form error"].status_code == 422
        for where, response in pages.items():
            assert response.status_code == 200 or where == "form error", where
            assert_escaped(response.text, where, payload)
        # The payload is shown, as text: it was stored and escaped, not dropped.
        assert "zqattr" in pages["result"].text or "zq" in pages["result"].text


def test_the_checker_catches_raw_markup() -> None:
    """The check above would fail on the pages as they were before autoescaping."""
    for raw in ('<a href="/x">"><zqtag zqattr=1></a>', '<a href=" javascript:x()">a</a>',
                "<script>alert(1)</script>", "<p>x' ><zqtag></p>"):  # fmt: skip
        with pytest.raises(AssertionError):
            assert_escaped(raw, "sample")


def test_templates_autoescape_whatever_their_name(app: FastAPI) -> None:
    env = app.state.ctx.templates.env
    for name in env.list_templates():
        template = env.from_string("{{ v }}")
        assert template.render(v="<b>") == "&lt;b&gt;", name
        assert env.get_template(name).environment.autoescape is True


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "/\\evil.example/", "https://evil.example/", "javascript:alert(1)",
     "/\t/evil.example", "\\\\evil.example", "/%0d%0aSet-Cookie:x", "/ok\r\nx: y"],
)  # fmt: skip
def test_login_next_only_goes_to_local_paths(client: TestClient, alice: str, target: str) -> None:
    page = client.get("/login", params={"next": target})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
    r = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                    "csrf_token": csrf, "next": target}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert "\r" not in location
    assert "\n" not in location
    assert "\t" not in location
    if target.startswith("/%0d"):
        assert location == target  # an encoded path is still a path on this site
    else:
        assert location == "/"
        assert nxt == "/"


def test_login_next_keeps_a_local_path(client: TestClient, alice: str) -> None:
    r = client.get("/cases/7/edit", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.headers["location"] == "/login?next=/cases/7/edit"
