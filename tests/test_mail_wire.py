"""What an SMTP server receives from ``core.mail.compose``: the standard message, with
the List-Unsubscribe URL kept whole (core.mail.ProductEmail)."""

import email
import email.policy
import re

from django.core.mail import EmailMultiAlternatives

from core.mail import ProductEmail

URL = "https://surveys.example/unsubscribe/" + "eyJlIjoiY2xhcmFAYWNtZS5leGFtcGxlIn0" * 3 + "/"


def _pair():
    kwargs = {
        "subject": "Ihr Ticket T-1: Wie zufrieden waren Sie mit unserer Lösung für das Büro?",
        "body": "Grüße\n" * 40,
        "from_email": "Nordlicht IT-Service GmbH <umfragen@nordlicht.example>",
        "to": ["Clara Müller <clara@acme.example>"],
        "reply_to": ["Service <service@nordlicht.example>"],
        "headers": {"List-Unsubscribe": f"<{URL}>", "Auto-Submitted": "auto-generated"},
    }
    messages = [ProductEmail(**kwargs), EmailMultiAlternatives(**kwargs)]
    for message in messages:
        message.attach_alternative("<p>Grüße</p>", "text/html")
    return [m.message(policy=email.policy.SMTP).as_bytes() for m in messages]


def _parsed(wire: bytes):
    message = email.message_from_bytes(wire, policy=email.policy.default)
    headers = {k: str(v) for k, v in message.items() if k not in ("Date", "Message-ID")}
    headers["Content-Type"] = re.sub(r'boundary="[^"]+"', "", headers["Content-Type"])
    parts = [(p.get_content_type(), p.get_content()) for p in message.iter_parts()]
    return headers, parts


def test_the_message_reads_as_the_standard_one():
    ours, standard = _pair()
    assert _parsed(ours) == _parsed(standard)


def test_only_the_unsubscribe_url_is_left_unfolded():
    ours, standard = _pair()
    assert f"List-Unsubscribe: <{URL}>\r\n".encode() in ours
    assert f"<{URL}>".encode() not in standard  # what it was before: encoded words
    assert all(len(line) <= 78 for line in ours.split(b"\r\n") if b"unsubscribe/" not in line)
