"""One JSON error shape for the whole API: `{"error": code, "detail": text}`.

Our exceptions map to statuses here, once; every route declares the same shape for its error
statuses (`error_responses`) so the OpenAPI document tells clients exactly what can come back.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from telegram_frontend.core import errors
from telegram_frontend.core.logging import get_logger

log = get_logger(__name__)

_STATUS: list[tuple[type[errors.FrontendError], int, str]] = [
    (errors.PermissionDenied, 403, "forbidden"),
    (errors.NotFound, 404, "not_found"),
    (errors.ValidationFailed, 422, "invalid"),
    (errors.ConfirmationExpired, 409, "confirmation_expired"),
    (errors.AlreadyInState, 409, "already_in_state"),
    (errors.RateLimited, 429, "rate_limited"),
    # The request is fine but this backend cannot do it (e.g. stop a MACD instance): a conflict
    # with what the target is, not a fault of ours, so not a 5xx.
    (errors.BackendUnsupported, 409, "backend_unsupported"),
    (errors.BackendUnavailable, 503, "backend_unavailable"),
    (errors.BackendRejected, 502, "backend_rejected"),
]

# Binance error codes that describe the caller's request, not an outage.
_EXCHANGE_NOT_FOUND = frozenset({-2011, -2013, -1121})
_EXCHANGE_RATE_LIMITED = -1003

DESCRIPTIONS = {
    400: "The request could not be processed",
    401: "No API key, or an unknown or revoked one (`Authorization: Bearer <key>`)",
    403: "The API key's role is too low for this action, or the action is switched off",
    404: "No such thing",
    409: "The target cannot do this (e.g. a backend without start/stop)",
    422: "The request's parameters or body are invalid",
    429: "Too many requests for this API key; see `Retry-After`",
    502: "A backend service or Binance refused or failed the request",
    503: "A backend service is unavailable or not configured",
}
STANDARD_ERRORS = (401, 403, 404, 422, 429, 502, 503)


class ErrorBody(BaseModel):
    """Every error the API returns."""

    error: str = Field(description="A stable machine-readable code, e.g. `not_found`")
    detail: str = Field(description="A sentence for a human")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the given error statuses, all with the `ErrorBody` schema."""
    return {
        status: {"model": ErrorBody, "description": DESCRIPTIONS.get(status, "Error")}
        for status in statuses
    }


def error_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def _exchange_status(exc: errors.ExchangeError) -> tuple[int, str]:
    if exc.code in _EXCHANGE_NOT_FOUND:
        return 404, "not_found"
    if exc.code == _EXCHANGE_RATE_LIMITED:
        return 503, "exchange_busy"
    if exc.code is not None and (-1199 <= exc.code <= -1100 or exc.code in (-1013, -2010)):
        return 422, "exchange_rejected"
    return 502, "exchange_error"


def status_of(exc: errors.FrontendError) -> tuple[int, str]:
    """The HTTP status and error code of one of our exceptions."""
    if isinstance(exc, errors.ExchangeError):
        return _exchange_status(exc)
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return 400, "error"


def install_error_handlers(app: FastAPI) -> None:
    """Map our exceptions and FastAPI's own to the single error shape; never leak a trace."""

    @app.exception_handler(errors.FrontendError)
    async def frontend_error(_request: Request, exc: errors.FrontendError) -> JSONResponse:
        status, code = status_of(exc)
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else None
        return error_response(status, code, exc.user_message, headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }
        return error_response(
            exc.status_code,
            code.get(exc.status_code, "error"),
            str(exc.detail),
            dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return error_response(422, "invalid", "; ".join(parts)[:2000] or "invalid request")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("api_unhandled_error", error=f"{type(exc).__name__}: {exc}")
        return error_response(500, "internal", "Something went wrong on our side; it was logged.")
