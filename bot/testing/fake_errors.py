"""Failure specs the fake Bot API can inject, shaped like Telegram's own errors.

Why shaped exactly like Telegram: PTB decides which exception to raise from the
HTTP status and ``parameters`` (``telegram/request/_baserequest.py``): 403 →
``Forbidden``, 400 → ``BadRequest``, 401/404 → ``InvalidToken`` (``EndPointNotFound``
through ``do_api_request`` after initialisation), 409 → ``Conflict``, any response
with ``parameters.retry_after`` → ``RetryAfter``, ``parameters.migrate_to_chat_id`` →
``ChatMigrated``, anything else → ``NetworkError``. Code under test then meets the
same exceptions it will meet in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class ApiError:
    """A Telegram error response: ``{"ok": false, "error_code", "description", "parameters"}``."""

    error_code: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        parameters: dict[str, int] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


@dataclass(frozen=True, slots=True)
class NetworkFailure:
    """A transport failure instead of a response.

    ``timeout=False`` looks like a dropped connection (PTB: ``NetworkError``);
    ``timeout=True`` like a read timeout (PTB: ``TimedOut``). With ``delivered=True``
    the call takes effect before the failure — the case that makes retries send a
    message twice, which the delivery queue must tolerate (at-least-once).
    """

    timeout: bool = False
    delivered: bool = False


class SimulatedNetworkFailure(Exception):
    """Raised inside the fake; each transport turns it into its own kind of failure."""

    def __init__(self, failure: NetworkFailure) -> None:
        super().__init__("simulated timeout" if failure.timeout else "simulated connection loss")
        self.failure = failure


def flood(retry_after: int = 1) -> ApiError:
    """A 429 with ``retry_after`` seconds, as Telegram sends on flood limits."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


Injected = ApiError | NetworkFailure
"""Anything :meth:`FakeBotAPI.fail_next` accepts."""

BLOCKED: Final = ApiError(403, "Forbidden: bot was blocked by the user")
USER_DEACTIVATED: Final = ApiError(403, "Forbidden: user is deactivated")
CHAT_NOT_FOUND: Final = ApiError(400, "Bad Request: chat not found")
NOT_FOUND: Final = ApiError(404, "Not Found")
UNAUTHORIZED: Final = ApiError(401, "Unauthorized")
CONNECTION_LOST: Final = NetworkFailure()
TIMED_OUT: Final = NetworkFailure(timeout=True)
TIMED_OUT_AFTER_DELIVERY: Final = NetworkFailure(timeout=True, delivered=True)
