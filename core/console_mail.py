"""Development e-mail on the console, readable: the headers and the plain-text body as
text, not the quoted-printable MIME source in which a long link is broken over lines
with "=" and cannot be clicked. The HTML part is only named (it says the same)."""

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message):
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
        ]
        if message.cc:
            lines.append(f"Cc: {', '.join(message.cc)}")
        lines.append(f"Subject: {message.subject}")
        for name, value in message.extra_headers.items():
            lines.append(f"{name}: {value}")
        lines += ["", str(message.body)]
        for alternative in getattr(message, "alternatives", []):
            mimetype = getattr(alternative, "mimetype", None) or alternative[1]
            lines.append(f"[{mimetype} part not shown]")
        for attachment in message.attachments:
            name = getattr(attachment, "filename", None) or "attachment"
            lines.append(f"[attachment: {name}]")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79 + "\n")
