"""What every sender of e-mail in the product needs to decide about SMTP failures."""

import smtplib


def is_transient_smtp_error(exc: Exception) -> bool:
    """True when trying again later may succeed: 4xx replies, dropped or refused
    connections. A 5xx reply (for every refused recipient) is permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPException, OSError))
