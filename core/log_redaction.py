"""Keep personal survey tokens and PSA event addresses out of every log line.

A survey link (/surveys/r/<token>/) is a credential, and so is the address a PSA posts
its live events to (/integrations/events/<token>/); an unsubscribe link
(/unsubscribe/<token>/) unsubscribes its address. Django logs the path of a request
that fails with a 500 ("Internal Server Error: /surveys/r/..."), and gunicorn's access log
writes every request line; both go through ``redact`` (settings.LOGGING and
core/gunicorn_logging.py)."""

import logging
import re

# Survey links, the unsubscribe links of client e-mails (they carry the address) and the
# addresses PSAs post their events to.
TOKEN_IN_PATH = re.compile(r"(/surveys/r/|/unsubscribe/|/integrations/events/)[^/\s?#\"']+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    """``text`` with the token of any survey or unsubscribe link or event address replaced
    by "[redacted]"."""
    return TOKEN_IN_PATH.sub(REDACTED, text)


class RedactSurveyTokens(logging.Filter):
    """A handler filter: rewrites a record whose message contains a survey link."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
