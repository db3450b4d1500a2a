"""Our own exceptions: every remote or domain failure becomes one of these, then a sentence.

Routers and the API turn them into user-facing text (`user_message`) so no traceback ever
reaches a user, and nothing here ever carries a secret.
"""

from __future__ import annotations


class FrontendError(Exception):
    """Base of every error the frontend knows how to explain to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def user_message(self) -> str:
        """A plain sentence safe to show to the user (not yet HTML-escaped)."""
        return self.message


class BackendError(FrontendError):
    """A trading-system service did not give us what we asked for."""

    def __init__(self, service: str, message: str) -> None:
        super().__init__(message)
        self.service = service


class BackendUnavailable(BackendError):
    """The service is down, unreachable, timing out, or its circuit breaker is open."""

    def __init__(self, service: str, reason: str = "it did not answer") -> None:
        super().__init__(service, f"The {service} service is unavailable: {reason}.")
        self.reason = reason


class BackendUnsupported(BackendError):
    """The backend (this version of it) cannot do the requested thing at all."""

    def __init__(self, service: str, feature: str) -> None:
        super().__init__(service, f"The {service} service cannot {feature}.")
        self.feature = feature


class BackendRejected(BackendError):
    """The service answered with an error status (4xx/5xx) that retrying will not fix."""

    def __init__(
        self, service: str, status: int, detail: str = "", explanation: str | None = None
    ) -> None:
        if status in (401, 403) and explanation:
            text = f"The {service} service refused our request (HTTP {status}): {explanation}."
        elif status in (401, 403):
            text = f"The {service} service rejected our API key."
        else:
            text = f"The {service} service refused the request (HTTP {status})"
            text += f": {detail}." if detail else "."
        super().__init__(service, text)
        self.status = status
        self.detail = detail


class NotFound(FrontendError):
    """The thing the user named does not exist."""


class AlreadyInState(FrontendError):
    """A start/stop found the thing already in the wanted state: nothing was changed."""


class ExchangeError(FrontendError):
    """Binance refused or failed a request; `code` is Binance's own error code when known."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class PermissionDenied(FrontendError):
    """The user's role is too low for the action."""


class ValidationFailed(FrontendError):
    """User input did not pass validation; the message says what to fix."""


class ConfirmationExpired(FrontendError):
    """A one-time confirmation token was stale, replayed or unknown."""

    def __init__(self) -> None:
        super().__init__("This confirmation expired. Please start the action again.")


class RateLimited(FrontendError):
    """A user (or API key) sent too many requests."""
