"""The container health check: ``python -m core.healthcheck`` exits 0 when the web
process on this machine answers /healthz with 200.

A plain request to 127.0.0.1 would not do: Django refuses a Host header outside
ALLOWED_HOSTS (400), and with SECURE_SSL_REDIRECT it redirects plain HTTP to HTTPS. So the
check asks as the proxy in front would: with the first allowed host name and
``X-Forwarded-Proto: https``. Reads only the environment; imports no Django code.
"""

import os
import sys
import urllib.error
import urllib.request


def host_to_ask() -> str:
    """The first concrete name in ALLOWED_HOSTS (".example.com" means example.com)."""
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def main() -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(  # noqa: S310 - a fixed http URL on this machine
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host_to_ask(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
