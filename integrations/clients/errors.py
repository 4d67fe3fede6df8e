"""The errors a PSA client raises, each with a message fit to show a manager.

Every message lives here (lazy, so a page shows it in its own language); ``detail`` keeps
the PSA's own text (shown on the sync status page beside ours, never a response body or a
credential).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class PSAError(Exception):
    """A call to a PSA failed. ``message``: ours, lazy; ``detail``: the PSA's own words."""

    message = _("The PSA could not be reached or answered unexpectedly.")

    def __init__(self, detail: str = "", *, status: int | None = None, retry_after: float = 0):
        super().__init__(detail or str(self.message))
        self.detail = detail
        self.status = status
        # Seconds after which a new attempt may succeed (RateLimited); 0 when unknown.
        self.retry_after = retry_after

    def text(self) -> str:
        """Our message with the PSA's own words in brackets: what the pages, the sync
        status and the alerts show."""
        message = str(self.message)
        if self.detail and self.detail not in message:
            return f"{message} ({self.detail})"
        return message


class BadCredentials(PSAError):
    message = _(
        "The PSA refused the credentials. Check the keys (or user name and secret) and enter "
        "them again."
    )


class Forbidden(PSAError):
    message = _(
        "The PSA accepted the credentials but the API user lacks a permission. Give it the "
        "security role described in the set-up guide."
    )


class NotFound(PSAError):
    message = _(
        "The PSA answered “not found”. Check the base URL (and the ConnectWise codebase or "
        "Autotask zone)."
    )


class BadRequest(PSAError):
    message = _("The PSA refused the request as invalid.")


class RateLimited(PSAError):
    message = _(
        "The PSA asked us to slow down (rate limit). The sync pauses and continues by itself."
    )


class ServerError(PSAError):
    message = _("The PSA had an internal error. The sync tries again later.")


class Unreachable(ServerError):
    message = _(
        "The PSA did not answer in time or could not be reached. Check the base URL; the "
        "sync tries again later."
    )


class InvalidResponse(PSAError):
    message = _(
        "The PSA's answer could not be read. Check that the base URL points at the PSA's API."
    )
