"""What every e-mail of the product shares: how a message is put together, and what an
SMTP failure means for it."""

import email.headerregistry
import email.policy
import re
import smtplib

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .single_line import one_line

# Automatic e-mail: out-of-office replies and auto-responders stay quiet (RFC 3834).
AUTOMATIC = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


class _HeaderClasses(email.headerregistry.HeaderRegistry):
    """The standard registry, remembering the class it makes for each header name:
    Python's makes a new class for every header of every message, a third of the time
    it takes to write an e-mail out. The classes hold no state.

    It also remembers the headers it parsed and how they were folded: the e-mails of a
    batch repeat most of theirs (sender, reply-to, subject, the automatic-reply headers,
    the parts' content types), and Python parses and folds each header of each message
    again, most of the rest of that time. Header objects do not change once made, and a
    fold depends only on the header and the policy's settings named in ``_fold_key``;
    the memory is emptied when it holds ``REMEMBERED`` headers."""

    REMEMBERED = 2000

    def __init__(self):
        super().__init__()
        self._made = {}
        self._parsed = {}  # (name, value): header
        self._ours = {}  # id(header): header, for the headers in _parsed
        self._folded = {}  # _fold_key(): folded header

    def __getitem__(self, name):
        key = name.lower()
        if key not in self._made:
            self._made[key] = super().__getitem__(name)
        return self._made[key]

    def __call__(self, name, value):
        if type(value) is not str:
            return super().__call__(name, value)
        header = self._parsed.get((name, value))
        if header is None:
            if len(self._parsed) >= self.REMEMBERED:
                self._parsed.clear()
                self._ours.clear()
                self._folded.clear()
            header = self._parsed[(name, value)] = super().__call__(name, value)
            self._ours[id(header)] = header
        return header

    @staticmethod
    def _fold_key(policy, value, binary: bool) -> tuple:
        settings = (policy.linesep, policy.max_line_length, policy.utf8, policy.cte_type)
        return (id(value), binary, type(policy), policy.refold_source, *settings)

    def folded(self, policy, value, binary: bool, fold):
        """``fold()`` of ``value`` under ``policy``, remembered for headers parsed here."""
        if self._ours.get(id(value)) is not value:
            return fold()
        key = self._fold_key(policy, value, binary)
        if key not in self._folded:
            self._folded[key] = fold()
        return self._folded[key]


class _UnfoldedURLs(email.policy.EmailPolicy):
    """The backend's policy, except that a List-Unsubscribe header is written as it is.
    Python folds a header longer than 78 characters that has no space (the personal
    unsubscribe URL) into RFC 2047 encoded words, which mail programs do not read as a
    URL: their unsubscribe button would not work. RFC 5322 allows 998 characters."""

    def fold(self, name, value):
        if name.lower() == "list-unsubscribe":
            return f"{name}: {value}{self.linesep}"
        return self.header_factory.folded(
            self, value, False, lambda: super(_UnfoldedURLs, self).fold(name, value)
        )

    def fold_binary(self, name, value):
        if name.lower() == "list-unsubscribe":
            return self.fold(name, value).encode("ascii")
        return self.header_factory.folded(
            self, value, True, lambda: super(_UnfoldedURLs, self).fold_binary(name, value)
        )


_POLICY = _UnfoldedURLs(header_factory=_HeaderClasses())


class ProductEmail(EmailMultiAlternatives):
    """Every e-mail of the product (``compose``): sent with ``_UnfoldedURLs``."""

    def message(self, *, policy=email.policy.default):
        given = {k: v for k, v in vars(policy).items() if k != "header_factory"}
        return super().message(policy=_POLICY.clone(**given))


def compose(
    *,
    to: str | list[str],
    subject: str,
    template: str,
    context: dict,
    from_email: str | None = None,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
):
    """A plain-text and HTML e-mail from ``<template>.txt`` and ``<template>.html``.

    ``headers``: more headers beside the automatic-reply ones (e.g. ``unsubscribe_headers``).

    The subject is made one line here, so a name with a line break (stored before forms
    refused it, or typed into the back office of an older version) can never make the
    message unsendable. Built in the active language: core.delivery activates the
    recipient's (``Kind.language``). ``from_email``: DEFAULT_FROM_EMAIL when None (client
    e-mails pass the MSP's sender); ``headers`` are added to the automatic-reply ones."""
    message = ProductEmail(
        subject=one_line(str(subject)),
        body=render_to_string(f"{template}.txt", context),
        from_email=from_email,
        to=[to] if isinstance(to, str) else list(to),
        reply_to=reply_to or None,
        headers={**AUTOMATIC, **(headers or {})},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def unsubscribe_headers(url: str) -> dict[str, str]:
    """The headers that let a mail program offer "unsubscribe" for a message (RFC 2369)
    and do it with one click: a POST of ``List-Unsubscribe=One-Click`` to ``url``, with no
    page in between (RFC 8058). ``url`` must be HTTPS in production and personal."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# What an SMTP failure means for the one message it happened to.
BOUNCED = "bounced"  # the server refused this recipient for good (5xx at RCPT)
REFUSED = "refused"  # refused for good otherwise (5xx), or the message cannot be sent
DEFERRED = "deferred"  # refused for now (4xx): try this one again later, go on with others
UNREACHABLE = "unreachable"  # no usable connection: try again later, nobody gets anything now
# The connection broke or timed out while this message was on its way: the server may have
# taken it (its answer to the message got lost). Not re-sent, so nobody gets it twice.
UNCERTAIN = "uncertain"


def smtp_failure(exc: Exception) -> str:
    """BOUNCED, REFUSED, DEFERRED or UNCERTAIN for an exception raised while sending one
    message to one recipient over an open connection (UNREACHABLE: the server said it is
    closing, 421, so it took nothing)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return DEFERRED if all(400 <= code < 500 for code in codes) else BOUNCED
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return UNCERTAIN
    if isinstance(exc, smtplib.SMTPResponseException):
        if exc.smtp_code == 421:  # the server is closing the connection
            return UNREACHABLE
        return DEFERRED if 400 <= exc.smtp_code < 500 else REFUSED
    if isinstance(exc, (smtplib.SMTPException, OSError)):  # e.g. a time-out mid-message
        return UNCERTAIN
    return REFUSED  # e.g. an address the backend cannot parse


def failure_reason(exc: Exception) -> str:
    """What to store and show as the reason (at most 300 characters)."""
    return f"{type(exc).__name__}: {exc}"[:300]


# --- What a stored failure reason means for a manager -----------------------------------
# A reason is stored as "<exception class>: <message>" (failure_reason above); the SMTP
# reply code and, where the server sent one, the enhanced status code (RFC 3463, "5.1.1")
# say what went wrong. The raw text stays available next to the explanation.
_REPLY_CODE = re.compile(r"(?:\(|:\s)([245]\d\d)\b")
_ENHANCED_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def explain_failure(reason: str) -> str | None:
    """A plain sentence for a stored SMTP failure reason: what happened and what to do.
    None when the reason is not an SMTP error the product knows (it is shown as it is)."""
    name = reason.split(":", 1)[0].strip()
    code = int(match.group(1)) if (match := _REPLY_CODE.search(reason)) else None
    enhanced = match.groups() if (match := _ENHANCED_CODE.search(reason)) else None
    if name == "SMTPAuthenticationError":
        return _(
            "The product's mail server refused its login. Check the e-mail user name and "
            "password in the server settings, then send again."
        )
    if name == "SMTPSenderRefused":
        return _(
            "The mail server does not accept the sender address. Check the sender address "
            "(DEFAULT_FROM_EMAIL) in the server settings, then send again."
        )
    if name in {"SMTPServerDisconnected", "SMTPConnectError", "ConnectionRefusedError"} or (
        name in {"TimeoutError", "ConnectionResetError", "OSError", "gaierror"}
    ):
        return _(
            "The mail server could not be reached or broke off the connection. Check that "
            "it is running and reachable; then use “Send again”."
        )
    if code is None:
        return None
    if 400 <= code < 500:
        return _(
            "The recipient's mail server asked to try again later (it may be busy or "
            "greylisting). Nothing to do: the product tries again by itself."
        )
    if enhanced and enhanced[0] == "5" and enhanced[1] == "7" or code == 554:
        return _(
            "The recipient's mail server rejected the message by its policy (for example "
            "as spam, or because it does not trust the sending domain). Ask the recipient's "
            "IT to allow e-mail from your domain, or check your domain's SPF and DKIM "
            "records."
        )
    if code == 552 or enhanced and enhanced[1:] == ("2", "2"):
        return _(
            "The recipient's mailbox is full. Try again in a few days, or reach the person "
            "another way."
        )
    if code in {550, 551, 553} or enhanced and enhanced[1] == "1":
        return _(
            "The recipient's mail server does not know this address: it may be misspelt "
            "or no longer exist. Correct the e-mail address, then send again."
        )
    return _("The mail server refused the message. The technical detail below says why.")
