"""`/docs`: Swagger UI from the `swagger-ui-bundle` package, served by us, so it works offline.

FastAPI's default page loads its scripts from a public CDN and stays blank without internet.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

router = APIRouter(include_in_schema=False)
ASSETS = Path(str(swagger_ui_path))
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
MEDIA = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def _asset_route(name: str) -> None:
    async def asset() -> FileResponse:
        path = ASSETS / name
        return FileResponse(path, media_type=MEDIA[path.suffix])

    router.add_api_route(f"/docs/{name}", asset, methods=["GET"], name=f"docs_{name}")


for _name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
    _asset_route(_name)


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="telegram-frontend API",
        swagger_js_url="/docs/swagger-ui-bundle.js",
        swagger_css_url="/docs/swagger-ui.css",
        swagger_favicon_url="/docs/favicon-32x32.png",
        oauth2_redirect_url=OAUTH2_REDIRECT,
    )


@router.get(OAUTH2_REDIRECT)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()
