"""One HTTP mechanism for the three PSA clients: timeouts, bounded retries with backoff,
waits on rate limits and the mapping of HTTP answers to the errors of ``errors``.

Plain Python (urllib of the standard library): no Django settings are read, so the clients
run in a shell, a task or a test alike. The clock and ``sleep`` are injectable so tests
never wait. Redirects are not followed: a PSA API does not redirect, and a redirect of a
credentialed request to another host must not carry the credentials along.

Paged readers yield ``Page`` objects; each carries the ``Cursor`` to store after the page,
so a pull that crashes resumes after the last stored page (see ``Cursor``).
"""

from __future__ import annotations

import datetime
import email.utils
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace

from .errors import (
    BadCredentials,
    BadRequest,
    Forbidden,
    InvalidResponse,
    NotFound,
    PSAError,
    RateLimited,
    ServerError,
    Unreachable,
)

# A pull's next run starts this long before the previous run started, so a record changed
# while the previous run was reading (or a PSA clock a little behind ours) is read again.
OVERLAP = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self):
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise InvalidResponse(f"not JSON: {exc}", status=self.status) from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_transport(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> Response:
    """Send one request; an HTTP error status is a Response, a network failure raises
    OSError (TimeoutError included)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise OSError(f"not an http(s) URL: {url[:100]}")
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 (scheme checked)
    try:
        with _OPENER.open(request, timeout=timeout) as answer:  # noqa: S310
            return Response(answer.status, _lower(answer.headers), answer.read())
    except urllib.error.HTTPError as answer:
        with answer:
            return Response(answer.code, _lower(answer.headers), answer.read())
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, OSError) else OSError(str(exc.reason))
        raise reason from None
    except http.client.HTTPException as exc:  # a body cut short, a garbled status line
        raise OSError(f"{type(exc).__name__}: {exc}") from None


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


@dataclass(frozen=True)
class Connection:
    """What ``check()`` found: the PSA, its version, and a name to show."""

    vendor: str
    name: str
    version: str = ""


@dataclass(frozen=True)
class Cursor:
    """Where a pull stands; store ``as_dict()`` after each page, pass it back to resume.

    A run reads the records changed since ``since`` (None: all) in ascending id order and
    remembers the last id delivered (``after_id``), so a resumed run asks only for ids
    above it. ``started`` is when the run began (our clock, ISO); when the run ends
    (``done``), the next run reads what changed since ``started`` minus ``OVERLAP``.
    ``page`` counts the pages done for a PSA that pages by number only (HaloPSA).
    """

    since: str | None = None
    after_id: int = 0
    started: str = ""
    page: int = 0
    done: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def of(cls, value: Cursor | dict | None) -> Cursor | None:
        if value is None or isinstance(value, Cursor):
            return value
        return cls(**{k: v for k, v in value.items() if k in cls.__dataclass_fields__})

    def next_run(self, now: datetime.datetime) -> Cursor:
        """The cursor that begins a run at ``now`` after this one (None: a first run)."""
        if not self.done:
            return self
        if not self.started:  # a pass that records no start: read everything again
            return Cursor(started=iso_utc(now))
        since = datetime.datetime.fromisoformat(self.started.replace("Z", "+00:00")) - OVERLAP
        return Cursor(since=iso_utc(since), started=iso_utc(now))


def iso_utc(moment: datetime.datetime) -> str:
    """``moment`` in UTC as the PSAs write it: 2026-10-05T06:12:00Z."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Page:
    records: list[dict]
    cursor: Cursor


class BaseClient:
    """The shared request loop. A vendor client sets ``vendor``, implements ``auth_headers``
    and ``error_detail``, and may override ``on_rate_limited`` (Autotask stops instead of
    waiting), ``before_request`` (Autotask's budget) and ``on_unauthorized`` (HaloPSA
    renews its token once)."""

    vendor = ""
    timeout = 30.0  # seconds per request
    max_attempts = 4  # of one request, the first included, on 5xx, timeouts and 429
    backoff = 2.0  # seconds before the second attempt, doubled for each further one
    max_backoff = 60.0
    max_wait = 300.0  # longest Retry-After we wait for; longer: RateLimited

    def __init__(
        self,
        base_url: str,
        credentials: dict,
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime.datetime] | None = None,
        transport: Callable[..., Response] = urllib_transport,
        max_attempts: int | None = None,
        timeout: float | None = None,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        # A person waiting for a page wants one short attempt (the class's are for pulls).
        if max_attempts is not None:
            self.max_attempts = max_attempts
        if timeout is not None:
            self.timeout = timeout
        self.credentials = credentials
        self.sleep = sleep
        self.now = now or (lambda: datetime.datetime.now(datetime.UTC))
        self.transport = transport

    def __repr__(self) -> str:  # never the credentials
        return f"<{type(self).__name__} {self.base_url}>"

    # --- hooks ---------------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        raise NotImplementedError

    def error_detail(self, payload) -> str:
        """The PSA's own message in an error body (parsed JSON, or None)."""
        return ""

    def before_request(self, url: str) -> None:
        """Called before every attempt (Autotask slows down here)."""

    def on_rate_limited(self, response: Response, attempt: int, detail: str) -> float:
        """Seconds to wait before the next attempt after a 429, or raise RateLimited.
        Default (ConnectWise, HaloPSA): honour Retry-After, bounded."""
        wait = self.retry_after(response)
        if wait is None:
            wait = self.backoff_for(attempt)
        if wait > self.max_wait or attempt >= self.max_attempts:
            raise RateLimited(detail, status=429, retry_after=wait)
        return wait

    def send(self, method: str, url: str, headers: dict, body: bytes | None) -> Response:
        """One attempt through the transport (Autotask holds an endpoint slot here)."""
        return self.transport(method, url, headers, body, self.timeout)

    def on_unauthorized(self, attempt: int) -> bool:
        """True to try once more after a 401 (a renewed token)."""
        return False

    # --- the loop ------------------------------------------------------------------------
    def url(self, path: str, params: dict | None = None) -> str:
        url = path if "://" in path else urllib.parse.urljoin(self.base_url, path.lstrip("/"))
        if params:
            query = urllib.parse.urlencode(
                {k: v for k, v in params.items() if v is not None}, quote_via=urllib.parse.quote
            )
            url += ("&" if "?" in url else "?") + query
        return url

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json_body=None,
        form: dict | None = None,
        headers: dict | None = None,
        authenticated: bool = True,
        idempotent: bool = True,
    ) -> Response:
        """Send ``method path`` until it succeeds, then return the 2xx Response. Retries
        5xx and timeouts with doubling backoff and 429 per ``on_rate_limited``, at most
        ``max_attempts`` times; never another 4xx. A request that creates something
        (``idempotent=False``) is retried only after a 429, which the PSA did not process:
        after a 5xx or a timeout it may have been."""
        attempts = self.max_attempts if idempotent else 1
        url = self.url(path, params)
        body, sent = None, {"Accept": "application/json"}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        attempt = 0
        while True:
            attempt += 1
            request_headers = {**sent, **(self.auth_headers() if authenticated else {})}
            request_headers.update(headers or {})
            self.before_request(url)
            try:
                response = self.send(method, url, request_headers, body)
            except OSError as exc:
                if attempt >= attempts:
                    raise Unreachable(f"{type(exc).__name__}: {exc}") from None
                self.sleep(self.backoff_for(attempt))
                continue
            if 200 <= response.status < 300:
                return response
            detail = self._detail(response)
            if response.status == 429:
                self.sleep(self.on_rate_limited(response, attempt, detail))
                continue
            if response.status >= 500:
                if attempt >= attempts:
                    raise ServerError(detail, status=response.status)
                self.sleep(self.backoff_for(attempt))
                continue
            if response.status == 401 and self.on_unauthorized(attempt):
                continue
            raise self.error_for(response.status, detail)

    def get_json(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def error_for(self, status: int, detail: str) -> PSAError:
        kind = {401: BadCredentials, 403: Forbidden, 404: NotFound}.get(status, BadRequest)
        if 300 <= status < 400:
            kind = InvalidResponse
        return kind(detail, status=status)

    def backoff_for(self, attempt: int) -> float:
        return min(self.backoff * 2 ** (attempt - 1), self.max_backoff)

    def retry_after(self, response: Response) -> float | None:
        """Retry-After in seconds (a number or an HTTP date), or None."""
        value = response.headers.get("retry-after", "").strip()
        if not value:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            pass
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max((moment - self.now()).total_seconds(), 0.0)

    def _detail(self, response: Response) -> str:
        try:
            payload = json.loads(response.body) if response.body.strip() else None
        except ValueError:
            payload = None
        detail = self.error_detail(payload) if payload is not None else ""
        return (detail or f"HTTP {response.status}")[:500]

    def start(self, cursor: Cursor | dict | None) -> Cursor:
        """The cursor a reader continues from: a stored one resumed, a finished run's
        successor, or a first run (everything)."""
        cursor = Cursor.of(cursor)
        if cursor is None:
            return Cursor(started=iso_utc(self.now()))
        return cursor.next_run(self.now())


def parse_moment(value) -> datetime.datetime | None:
    """A PSA's date-time text as an aware datetime (naive text is UTC), or None."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def pages_by_id(
    fetch: Callable[[Cursor], tuple[list[dict], bool]], cursor: Cursor
) -> Iterator[Page]:
    """Keyset pages: ``fetch(cursor)`` returns (records with id above cursor.after_id in id
    order, whether more follow); yields a Page per call with the cursor to store."""
    while not cursor.done:
        records, more = fetch(cursor)
        if records:
            cursor = replace(cursor, after_id=int(records[-1]["id"]), page=cursor.page + 1)
        if not more or not records:
            cursor = replace(cursor, done=True)
        yield Page(records, cursor)
