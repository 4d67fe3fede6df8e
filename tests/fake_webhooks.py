"""A local fake of Slack's and Microsoft Teams' incoming webhooks: a threaded HTTP server
that records every request and answers as the services do (Slack: 200 "ok" as text/html,
errors as plain text; Teams Workflows: 202 Accepted with an empty body), or as a test
scripts it (status, body, headers; "drop": close the connection without an answer)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SLACK_PATH = "/services/T000/B000/XXXXsecretXXXX"
TEAMS_PATH = "/workflows/abc123/triggers/manual/paths/invoke?api-version=1&sig=SECRETsig1"


@dataclass
class Request:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class FakeWebhooks:
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    # path -> answers still to give, in order; then the service's usual answer.
    scripts: dict[str, list[tuple]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *answers: tuple) -> None:
        """Answers for the next requests to ``path``: (status, body, headers) or "drop"."""
        self.scripts.setdefault(path.split("?")[0], []).extend(answers)


def _handler(fake: FakeWebhooks):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            fake.requests.append(Request(self.path, dict(self.headers), body))
            answers = fake.scripts.get(self.path.split("?")[0])
            if answers:
                answer = answers.pop(0)
            elif self.path.startswith("/services/"):
                answer = (200, "ok", {"Content-Type": "text/html"})
            else:
                answer = (202, "", {})
            if answer == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            status, text, headers = answer
            payload = text.encode()
            self.send_response(status)
            headers = {"Content-Type": "text/plain; charset=utf-8", **headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # quiet
            pass

    return Handler


@pytest.fixture
def fake_webhooks(settings):
    settings.CHAT_WEBHOOK_ALLOW_LOCAL = True
    fake = FakeWebhooks()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
