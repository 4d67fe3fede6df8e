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
    message unsendable. Render it inside ``translation.override`` for the recipient's
    language."""
    message = EmailMultiAlternatives(
        subject=one_line(str(subject)),
        body=render_to_string(f"{template}.txt", context),
        to=[to] if isinstance(to, str) else list(to),
        headers=dict(AUTOMATIC),
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def is_transient_smtp_error(exc: Exception) -> bool:
    """True when trying again later may succeed: 4xx replies, dropped or refused
    connections. A 5xx reply (for every refused recipient) is permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPException, OSError))
