"""`/docs` works offline: the page and every script it loads come from this server."""

from __future__ import annotations

import re

import httpx


async def test_swagger_ui_loads_only_assets_served_by_the_app(http: httpx.AsyncClient) -> None:
    page = await http.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert "/docs/swagger-ui-bundle.js" in sources and "/docs/swagger-ui.css" in sources
    assert not [s for s in sources if "//" in s], sources  # nothing from another host
    assert "cdn" not in page.text.lower()
    script = await http.get("/docs/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert script.headers["content-type"].startswith("text/javascript")
    css = await http.get("/docs/swagger-ui.css")
    assert css.status_code == 200 and ".swagger-ui" in css.text
