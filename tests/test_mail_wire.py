"""What an SMTP server receives from ``core.mail.compose``: the standard message, with
the List-Unsubscribe URL kept whole (core.mail.ProductEmail)."""

import email
import email.policy
import re

from django.core.mail import EmailMultiAlternatives

from core import mail
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


def _batch():
    """Three e-mails as a batch has them: the same sender and subject, other recipients."""
    for n, name in enumerate(["Clara Müller", "Jörg Weiß", "Ana Lima"]):
        message = ProductEmail(
            subject="Ihr Ticket T-1: Wie zufrieden waren Sie mit unserer Lösung für das Büro?",
            body="Grüße\n" * 40,
            from_email="Nordlicht IT-Service GmbH <umfragen@nordlicht.example>",
            to=[f"{name} <person{n}@acme.example>"],
            reply_to=["Service <service@nordlicht.example>"],
            headers={
                "List-Unsubscribe": f"<{URL}{n}/>",
                "Date": "Mon, 30 Nov 2026 11:00:00 +0100",
                "Message-ID": f"<{n}@nordlicht.example>",
                **mail.AUTOMATIC,
            },
        )
        message.attach_alternative("<p>Grüße</p>", "text/html")
        yield message.message(policy=email.policy.SMTP)


def _wire(messages) -> list[bytes]:
    return [re.sub(rb"=+\d+==", b"=BOUNDARY==", m.as_bytes()) for m in messages]


def test_headers_remembered_across_a_batch_write_the_same_bytes(monkeypatch):
    warm = list(_batch()) + list(_batch())  # the second batch comes from memory
    assert warm[3]["From"] is warm[0]["From"]  # parsed once
    assert warm[3]["To"] is not warm[1]["To"]
    wire = _wire(warm)
    assert wire[3:] == wire[:3]
    fresh = mail._UnfoldedURLs(header_factory=mail._HeaderClasses())
    monkeypatch.setattr(mail, "_POLICY", fresh)
    monkeypatch.setattr(mail._HeaderClasses, "REMEMBERED", 0)  # remembers nothing
    assert _wire(_batch()) == wire[:3]
    monkeypatch.setattr(mail._HeaderClasses, "REMEMBERED", 4)  # emptied on the way
    assert _wire(_batch()) == wire[:3]
