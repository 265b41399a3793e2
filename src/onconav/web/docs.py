"""/docs: the API reference drawn on the server from the OpenAPI document.

FastAPI's Swagger page loads its scripts from a CDN, which a closed network cannot reach; this
page needs nothing but the server. The machine-readable document is at /openapi.json.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["docs_page"]

_HEAD = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onconav API</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main id="main"><h1>onconav HTTP API</h1>
<p>Version {version}. The OpenAPI document: <a href="/openapi.json">/openapi.json</a>.
Send an API token as <code>Authorization: Bearer onc_...</code>
(<code>onconav user token NAME</code>).</p>"""


def _operation(method: str, path: str, op: dict[str, Any]) -> str:
    params = ", ".join(f"{escape(p['name'])} ({escape(p['in'])})" for p in op.get("parameters", []))
    body = "request body: JSON" if "requestBody" in op else ""
    bits = "; ".join(b for b in (params and f"parameters: {params}", body) if b)
    doc = escape(op.get("description") or op.get("summary") or "")
    return (
        f"<section class='op'><h3><code>{method.upper()} {escape(path)}</code></h3>"
        f"<p>{doc}</p><p class='muted'>{bits}</p></section>"
    )


def docs_page(spec: dict[str, Any]) -> str:
    """The HTML of /docs for an OpenAPI document."""
    parts = [_HEAD.format(version=escape(str(spec.get("info", {}).get("version", ""))))]
    for path, ops in spec.get("paths", {}).items():
        parts += [_operation(method, path, op) for method, op in ops.items()]
    parts.append("</main></body></html>")
    return "\n".join(parts)
