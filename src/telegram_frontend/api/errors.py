"""One JSON error shape for the whole API: `{"error": code, "detail": text}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from telegram_frontend.config.logging import get_logger
from telegram_frontend.services import errors

log = get_logger(__name__)

_STATUS: list[tuple[type[errors.FrontendError], int, str]] = [
    (errors.PermissionDenied, 403, "forbidden"),
    (errors.NotFound, 404, "not_found"),
    (errors.ValidationFailed, 422, "invalid"),
    (errors.ConfirmationExpired, 409, "confirmation_expired"),
    (errors.RateLimited, 429, "rate_limited"),
    (errors.BackendUnsupported, 501, "backend_unsupported"),
    (errors.BackendUnavailable, 503, "backend_unavailable"),
    (errors.BackendRejected, 502, "backend_rejected"),
    (errors.ExchangeError, 502, "exchange_error"),
]


def error_response(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Map our exceptions and FastAPI's own to the single error shape; never leak a trace."""

    @app.exception_handler(errors.FrontendError)
    async def frontend_error(_request: Request, exc: errors.FrontendError) -> JSONResponse:
        for kind, status, code in _STATUS:
            if isinstance(exc, kind):
                return error_response(status, code, exc.user_message)
        return error_response(400, "error", exc.user_message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        response = error_response(
            exc.status_code, code.get(exc.status_code, "error"), str(exc.detail)
        )
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return error_response(422, "invalid", "; ".join(parts) or "invalid request")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("api_unhandled_error", error=f"{type(exc).__name__}: {exc}")
        return error_response(500, "internal", "Something went wrong on our side; it was logged.")
