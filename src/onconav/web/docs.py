"""/docs: Swagger UI served from the fastapi-offline package, or a listing drawn here.

FastAPI's own Swagger page loads its scripts from a CDN, which a closed network cannot reach.
Here the Swagger UI files (5.x, which reads OpenAPI 3.1) come from the `fastapi-offline` wheel,
whose `static/` folder is mounted at /docs/assets (only its files are used, not its app class);
the start-up script is a static file of ours (no inline script, as the CSP demands). Where that
package is missing, /docs is the listing below, drawn on the server; it is always at /docs/list.
"""

from __future__ import annotations

import importlib.util
from html import escape
from pathlib import Path
from typing import Any

__all__ = ["docs_page", "swagger_assets", "swagger_page"]

_SWAGGER = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onconav API</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><p><a href="/docs/list">Plain listing</a> · <a href="/openapi.json">/openapi.json</a></p>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body></html>"""


def swagger_assets() -> Path | None:
    """The folder of Swagger UI's files in the fastapi-offline package, if installed."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def swagger_page() -> str | None:
    """The Swagger UI page, or None when its package is not installed."""
    return _SWAGGER if swagger_assets() is not None else None


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
