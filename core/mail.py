"""What every e-mail of the product shares: how a message is put together, and what an
SMTP failure means for it."""

import smtplib

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .single_line import one_line

# Automatic e-mail: out-of-office replies and auto-responders stay quiet (RFC 3834).
AUTOMATIC = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def compose(*, to: str | list[str], subject: str, template: str, context: dict):
    """A plain-text and HTML e-mail from ``<template>.txt`` and ``<template>.html``.

    The subject is made one line here, so a name with a line break (stored before forms
    refused it, or typed into the back office of an older version) can never make the
    message unsendable. Built in the active language: core.delivery activates the
    recipient's (``Kind.language``)."""
    message = EmailMultiAlternatives(
        subject=one_line(str(subject)),
        body=render_to_string(f"{template}.txt", context),
        to=[to] if isinstance(to, str) else list(to),
        headers=dict(AUTOMATIC),
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


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
