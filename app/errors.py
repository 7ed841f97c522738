"""Domain errors raised by services; main.py turns them into problem+json or error pages.

Messages are Japanese msgids with %(name)s parameters, translated when rendered.
"""

from typing import Any


class DomainError(Exception):
    status_code = 400

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.params = params
        self.errors = errors
        self.headers = headers or {}


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Invalid(DomainError):
    """422: field values that break a rule; `errors` names each field as [loc, msg]."""

    status_code = 422

    @classmethod
    def field(cls, field: str, message: str, **params: Any) -> "Invalid":
        return cls(
            message, errors=[{"loc": ["body", field], "msg": message, "params": params}], **params
        )


class InvalidTransition(DomainError):
    status_code = 409


class PreconditionFailed(DomainError):
    status_code = 412


class PayloadTooLarge(DomainError):
    status_code = 413


class UnsupportedMediaType(DomainError):
    status_code = 415


class TooManyRequests(DomainError):
    status_code = 429


class Unavailable(DomainError):
    """Something the server needs is missing or down (503); the request may work later."""

    status_code = 503
