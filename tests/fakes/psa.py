"""Local fake servers of ConnectWise Manage, Autotask and HaloPSA for the client tests.

Each is a real HTTP server on 127.0.0.1 (a free port, threads per request) built from the
fixtures in tests/fixtures/psa/<vendor>/ and docs/psa-apis.md: the vendor's authentication,
paging, field selection, changed-since filters and error bodies. docs/integrations-clients.md
lists what each imitates and what it does not.

Common controls: ``seed(kind, n)`` adds n records shaped like the fixture's first one;
``fail(status, times, ...)`` queues answers that come before the normal ones (429 with
Retry-After, 5xx, ``status=None`` to drop the connection, ``CUT_SHORT`` for a body that
breaks off); ``requests`` logs what
arrived; ``hold`` keeps every request open that many seconds (to see concurrency) and
``max_in_flight`` records the most concurrent requests per endpoint.
"""

from __future__ import annotations

import base64
import bisect
import collections
import datetime
import itertools
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "psa"
BASE_TIME = datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
CUT_SHORT = -1  # fail(CUT_SHORT): an answer whose body breaks off


def fixture(vendor: str, name: str):
    return json.loads((FIXTURES / vendor / name).read_text(encoding="utf-8"))


def fixture_bytes(vendor: str, name: str) -> bytes:
    return (FIXTURES / vendor / name).read_bytes()


@dataclass
class Arrived:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Fault:
    status: int | None
    headers: dict = field(default_factory=dict)
    body: object = None
    path_contains: str = ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _serve(self):
        fake: FakeServer = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        arrived = Arrived(
            self.command, split.path, query, {k.lower(): v for k, v in self.headers.items()}, body
        )
        answer = fake.dispatch(arrived)
        if answer is None:  # drop the connection without an answer
            self.close_connection = True
            return
        status, headers, payload = answer
        if status == CUT_SHORT:  # a 200 whose body breaks off
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'[{"id": 1')
            self.close_connection = True
            return
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve


class FakeServer:
    vendor = ""
    prefix = ""  # the API base path

    def __init__(self):
        self.records: dict[str, list[dict]] = collections.defaultdict(list)
        self.requests: list[Arrived] = []
        self.faults: collections.deque[Fault] = collections.deque()
        self.hold = 0.0
        self.in_flight: collections.Counter = collections.Counter()
        self.max_in_flight: collections.Counter = collections.Counter()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.fake = self
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- life ----------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- controls ------------------------------------------------------------------------
    def fail(self, status, times=1, headers=None, body=None, path_contains=""):
        for _ in range(times):
            self.faults.append(Fault(status, headers or {}, body, path_contains))

    def arrived(self, path_contains: str) -> list[Arrived]:
        return [r for r in self.requests if path_contains in r.path]

    def seed(self, kind: str, n: int, start_id: int = 100_000, every_minutes: int = 1):
        """Add ``n`` records of ``kind`` (ids from ``start_id``), modified one after another
        ``every_minutes`` apart from BASE_TIME."""
        template = self.template(kind)
        for i in range(n):
            record = dict(template)  # set_modified replaces what it changes
            record["id"] = start_id + i
            moment = BASE_TIME + datetime.timedelta(minutes=every_minutes * i)
            self.set_modified(kind, record, moment)
            self.records[kind].append(record)
        self.records[kind].sort(key=lambda r: r["id"])

    def touch(self, kind: str, record_id: int, moment: datetime.datetime):
        for record in self.records[kind]:
            if record["id"] == record_id:
                self.set_modified(kind, record, moment)

    # --- vendor hooks --------------------------------------------------------------------
    def template(self, kind: str) -> dict:
        raise NotImplementedError

    def set_modified(self, kind: str, record: dict, moment: datetime.datetime):
        raise NotImplementedError

    def endpoint(self, path: str) -> str:
        return path

    def handle(self, request: Arrived):
        raise NotImplementedError

    # --- dispatch ------------------------------------------------------------------------
    def dispatch(self, request: Arrived):
        endpoint = self.endpoint(request.path)
        with self.lock:
            self.requests.append(request)
            fault = None
            for queued in self.faults:
                if queued.path_contains in request.path:
                    fault = queued
                    self.faults.remove(queued)
                    break
            self.in_flight[endpoint] += 1
            self.max_in_flight[endpoint] = max(
                self.max_in_flight[endpoint], self.in_flight[endpoint]
            )
        try:
            if self.hold:
                time.sleep(self.hold)
            if fault is not None:
                if fault.status is None:
                    return None
                return fault.status, fault.headers, self.fault_body(fault)
            return self.handle(request)
        finally:
            with self.lock:
                self.in_flight[endpoint] -= 1

    def fault_body(self, fault: Fault):
        return fault.body if fault.body is not None else {"message": f"HTTP {fault.status}"}


def _fields(record: dict, names) -> dict:
    return {k: v for k, v in record.items() if k in names} if names else record


def _moment(value: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _iso(moment: datetime.datetime, millis=False) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (".000Z" if millis else "Z")


# --- ConnectWise Manage ------------------------------------------------------------------------
class FakeConnectWise(FakeServer):
    """ConnectWise Manage REST 3.0 under /v4_6_release/apis/3.0/ (docs/psa-apis.md 1)."""

    vendor = "connectwise"
    prefix = "/v4_6_release/apis/3.0/"
    PATHS = {
        "company/companies": "companies",
        "company/contacts": "contacts",
        "system/members": "members",
        "service/tickets": "tickets",
    }
    FIXTURES = {
        "companies": "companies_page1.json",
        "contacts": "contacts_page1.json",
        "members": "members_page1.json",
        "tickets": "tickets_page1.json",
    }
    CREDENTIALS = {
        "company_id": "nordlicht",
        "public_key": "pubKEY123",
        "private_key": "privKEY456",
        "client_id": "5c7e1b3a-0f2d-4a6b-9c8e-1d3f5a7b9c0e",
    }
    CLAUSE = re.compile(
        r"^(?P<field>\w+)\s*(?P<op>>=|<=|>|<|=|contains)\s*"
        r"(?:\[(?P<date>[^\]]+)\]|\"(?P<text>[^\"]*)\"|(?P<number>-?\d+))$"
    )

    def __init__(self, with_fixtures=True):
        super().__init__()
        self.callbacks = fixture("connectwise", "callbacks_list.json") if with_fixtures else []
        self.signing_key = fixture("connectwise", "callback_key_response.json")["signing_key"]
        if with_fixtures:
            for kind, name in self.FIXTURES.items():
                self.records[kind] = fixture("connectwise", name)

    def template(self, kind):
        return fixture("connectwise", self.FIXTURES[kind])[0]

    def set_modified(self, kind, record, moment):
        record["_info"] = {**record.get("_info", {}), "lastUpdated": _iso(moment)}

    def endpoint(self, path):
        return path.removeprefix(self.prefix)

    def authorised(self, request: Arrived) -> bool:
        c = self.CREDENTIALS
        user = f"{c['company_id']}+{c['public_key']}:{c['private_key']}"
        expected = "Basic " + base64.b64encode(user.encode()).decode()
        return (
            request.headers.get("authorization") == expected
            and request.headers.get("clientid") == c["client_id"]
        )

    def handle(self, request):
        if "/system/callbackkey/" in request.path:
            if request.headers.get("clientid") != self.CREDENTIALS["client_id"]:
                return 401, {}, fixture("connectwise", "error_401.json")
            return 200, {}, {"signing_key": self.signing_key}
        if not request.path.startswith(self.prefix):
            return 404, {}, {"code": "ConnectWiseApi", "message": "The endpoint does not exist."}
        if not self.authorised(request):
            return 401, {}, fixture("connectwise", "error_401.json")
        path = self.endpoint(request.path).strip("/")
        if path == "system/info":
            return (
                200,
                {},
                {
                    "version": "v2026.1.112233",
                    "isCloud": True,
                    "serverTimeZone": "W. Europe Standard Time",
                },
            )
        if path == "system/callbacks":
            return self.handle_callbacks(request)
        if match := re.fullmatch(r"system/callbacks/(\d+)", path):
            return self.delete_callback(int(match[1]))
        if path in self.PATHS and request.method == "GET":
            return self.list(request, self.records[self.PATHS[path]])
        if match := re.fullmatch(r"service/tickets/(\d+)", path):
            for record in self.records["tickets"]:
                if record["id"] == int(match[1]):
                    return 200, {}, _fields(record, self.field_names(request))
            return 404, {}, {"code": "NotFound", "message": f"Ticket {match[1]} not found"}
        return 404, {}, {"code": "ConnectWiseApi", "message": "The endpoint does not exist."}

    def field_names(self, request):
        names = request.query.get("fields")
        return set(names.split(",")) if names else None

    OPERATORS = {
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        "=": lambda a, b: a == b,
        "contains": lambda a, b: str(b) in str(a),
    }

    def condition(self, text: str):
        """A predicate for ``conditions`` (clauses joined by "and"); ValueError if the
        fake cannot read it."""
        tests = []
        for clause in filter(None, (c.strip() for c in re.split(r"\s+and\s+", text))):
            match = self.CLAUSE.match(clause)
            if not match:
                raise ValueError(clause)
            name, compare = match["field"], self.OPERATORS[match["op"]]
            if match["date"] is not None:
                wanted, convert = _moment(match["date"]), _moment
            elif match["number"] is not None:
                wanted, convert = int(match["number"]), int
            else:
                wanted, convert = match["text"], str
            tests.append((name, compare, wanted, convert))

        def test(record):
            for name, compare, wanted, convert in tests:
                value = (
                    (record.get("_info") or {}).get(name)
                    if name == "lastUpdated"
                    else record.get(name)
                )
                if value is None or not compare(convert(value), wanted):
                    return False
            return True

        return test

    def list(self, request, records):
        try:
            test = self.condition(request.query.get("conditions", ""))
        except ValueError as exc:
            return 400, {}, {"code": "InvalidObject", "message": f"Unparsable condition {exc}"}
        if request.query.get("orderBy", "id asc") != "id asc":
            return 400, {}, {"code": "InvalidObject", "message": "fake: orderBy id asc only"}
        size = min(int(request.query.get("pageSize", 25)), 1000)
        page = int(request.query.get("page", 1))
        # Records are kept in id order: start after an "id>N" clause, stop after the page
        # and one more (a 200,000-ticket backfill stays fast).
        after = re.search(r"(?:^|\s)id>(\d+)", request.query.get("conditions", ""))
        start = bisect.bisect_right(records, int(after[1]), key=lambda r: r["id"]) if after else 0
        found = list(
            itertools.islice(filter(test, itertools.islice(records, start, None)), page * size + 1)
        )
        chunk = found[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(found):
            query = dict(request.query, page=page + 1)
            url = f"{self.origin}{request.path}?{urllib.parse.urlencode(query)}"
            headers["Link"] = f'<{url}>; rel="next"'
        names = self.field_names(request)
        return 200, headers, [_fields(r, names) for r in chunk]

    def handle_callbacks(self, request):
        if request.method == "GET":
            return self.list(request, self.callbacks)
        entry = request.json()
        for stored in self.callbacks:
            if all(stored.get(k) == entry.get(k) for k in ("type", "url", "objectId", "level")):
                return 400, {}, fixture("connectwise", "error_400_callback_exists.json")
        stored = {
            **entry,
            "id": max((c["id"] for c in self.callbacks), default=310) + 1,
            "payloadVersion": "3.0.0",
            "memberId": 190,
        }
        self.callbacks.append(stored)
        return 201, {}, stored

    def delete_callback(self, callback_id):
        before = len(self.callbacks)
        self.callbacks = [c for c in self.callbacks if c["id"] != callback_id]
        if len(self.callbacks) == before:
            return 404, {}, {"code": "NotFound", "message": f"Callback {callback_id} not found"}
        return 204, {}, b""

    def fault_body(self, fault):
        if fault.body is not None:
            return fault.body
        if fault.status == 429:
            return fixture("connectwise", "error_429.json")
        return {"code": "InternalServerError", "message": f"HTTP {fault.status}"}


# --- Autotask ----------------------------------------------------------------------------------
class FakeAutotask(FakeServer):
    """Autotask REST v1.0 under /ATServicesRest/ and the zone lookup under /atservicesrest/
    (docs/psa-apis.md 2)."""

    vendor = "autotask"
    prefix = "/ATServicesRest/"
    FIXTURES = {
        "Companies": "companies_page1.json",
        "Contacts": "contacts_page1.json",
        "Resources": "resources_page1.json",
        "Tickets": "tickets_page1.json",
        "DeletedTicketLogs": "deleted_ticket_logs_page1.json",
        "ServiceLevelAgreementResults": "sla_results_page1.json",
    }
    MODIFIED = {"DeletedTicketLogs": "deletedDateTime"}
    CREDENTIALS = {
        "username": "api-msp@nordlicht-it.example",
        "secret": "at-secret-789",
        "integration_code": "MSPMATURITY0001",
    }

    def __init__(self, with_fixtures=True, threshold=10_000, used=0):
        super().__init__()
        self.threshold = threshold
        self.used = used  # requests counted in the current hour, all integrations
        self.delayed = collections.Counter()  # latency stage -> requests answered late
        self.webhooks: dict[int, dict] = {}
        self.webhook_fields: list[dict] = []
        if with_fixtures:
            for entity, name in self.FIXTURES.items():
                self.records[entity] = fixture("autotask", name)["items"]

    def template(self, kind):
        return fixture("autotask", self.FIXTURES[kind])["items"][0]

    def set_modified(self, kind, record, moment):
        record[self.MODIFIED.get(kind, "lastActivityDate")] = _iso(moment, millis=True)

    def endpoint(self, path):
        parts = path.split("/")
        lowered = [p.lower() for p in parts]
        return parts[lowered.index("v1.0") + 1] if "v1.0" in lowered else path

    def error(self, status, *messages):
        return status, {}, {"errors": list(messages)}

    def handle(self, request):
        path = request.path
        if path.lower() == "/atservicesrest/v1.0/zoneinformation" and not path.startswith(
            self.prefix
        ):
            if request.query.get("user") != self.CREDENTIALS["username"]:
                return self.error(500, "Zone information could not be determined")
            zone = fixture("autotask", "zone_information.json")
            return 200, {}, {**zone, "url": self.base_url}
        c = self.CREDENTIALS
        if (
            request.headers.get("username") != c["username"]
            or request.headers.get("secret") != c["secret"]
            or request.headers.get("apiintegrationcode") != c["integration_code"]
        ):
            return 401, {}, fixture("autotask", "error_401.json")
        self.used += 1
        if self.used > self.threshold:
            return 429, {}, fixture("autotask", "error_429.json")
        if self.used >= 0.75 * self.threshold:
            self.delayed["1s"] += 1  # counted, not slept: the tests must not wait
        elif self.used >= 0.5 * self.threshold:
            self.delayed["0.5s"] += 1
        rest = path.removeprefix(self.prefix)
        if not re.match(r"(?i)v1\.0/", rest):
            return self.error(404, "Not found")
        rest = rest[5:]
        if rest == "ThresholdInformation":
            return (
                200,
                {},
                {
                    "externalRequestThreshold": self.threshold,
                    "requestThresholdTimeframe": 60,
                    "currentTimeframeRequestCount": self.used,
                },
            )
        if match := re.fullmatch(r"(\w+)/query", rest):
            if request.method != "POST":
                return self.error(405, "Use POST")
            return self.query(match[1], request.json(), after=None)
        if match := re.fullmatch(r"(\w+)/query/next", rest):
            search = json.loads(request.query["search"])
            paging = json.loads(request.query["paging"])
            return self.query(match[1], search, after=paging["lastId"])
        if rest == "Tickets/entityInformation/fields":
            return 200, {}, fixture("autotask", "ticket_fields_picklists.json")
        if match := re.fullmatch(r"Tickets/(\d+)", rest):
            for record in self.records["Tickets"]:
                if record["id"] == int(match[1]):
                    return 200, {}, {"item": record}
            return self.error(404, f"Ticket {match[1]} not found")
        if match := re.fullmatch(r"(\w+)Webhooks(?:/(\d+))?(/Fields)?", rest):
            return self.handle_webhooks(request, match[1], match[2], match[3])
        return self.error(404, "Not found")

    def test(self, record, condition) -> bool:
        op = condition["op"].lower()
        if op in ("and", "or"):
            results = [self.test(record, item) for item in condition["items"]]
            return all(results) if op == "and" else any(results)
        value, wanted = record.get(condition["field"]), condition.get("value")
        if op == "exist":
            return value is not None
        if value is None:
            return False
        if isinstance(wanted, str) and isinstance(value, str) and "T" in wanted:
            value, wanted = _moment(value), _moment(wanted)
        if op == "in":
            return value in wanted
        return {
            "eq": value == wanted,
            "noteq": value != wanted,
            "gt": value > wanted,
            "gte": value >= wanted,
            "lt": value < wanted,
            "lte": value <= wanted,
        }[op]

    def query(self, entity, search, after):
        size = int(search.get("MaxRecords") or 500)
        if not 1 <= size <= 500:
            return self.error(500, "MaxRecords must be between 1 and 500")
        conditions = search.get("filter") or []
        found = [
            r
            for r in self.records[entity]
            if all(self.test(r, c) for c in conditions) and (after is None or r["id"] > after)
        ]
        chunk = found[:size]
        fields = search.get("IncludeFields")
        if fields and len(found) > 500 and "id" not in fields:
            return self.error(500, "IncludeFields must include id for more than 500 results")
        next_url = None
        if len(found) > size:
            paging = json.dumps({"pageSize": size, "lastId": chunk[-1]["id"]})
            next_url = f"{self.base_url}V1.0/{entity}/query/next?" + urllib.parse.urlencode(
                {"paging": paging, "search": json.dumps(search)}
            )
        return (
            200,
            {},
            {
                "items": [_fields(r, set(fields or ())) for r in chunk],
                "pageDetails": {
                    "count": len(chunk),
                    "requestCount": size,
                    "prevPageUrl": None,
                    "nextPageUrl": next_url,
                },
            },
        )

    def handle_webhooks(self, request, entity, webhook_id, fields):
        if fields and request.method == "POST":
            body = request.json()
            if int(body.get("webhookID", 0)) != int(webhook_id):
                return self.error(400, "webhookID does not match the URL")
            self.webhook_fields.append(body)
            return 200, {}, {"itemId": len(self.webhook_fields)}
        if webhook_id is None and request.method == "POST":
            body = request.json()
            missing = [k for k in ("Name", "WebhookUrl", "DeactivationUrl") if not body.get(k)]
            if missing:
                return self.error(500, f"Missing required fields: {', '.join(missing)}")
            new_id = max(self.webhooks, default=11) + 1
            self.webhooks[new_id] = {"entity": entity, **body}
            return 200, {}, {"itemId": new_id}
        if webhook_id is not None and int(webhook_id) in self.webhooks:
            if request.method == "DELETE":
                del self.webhooks[int(webhook_id)]
                return 200, {}, {"itemId": int(webhook_id)}
            stored = self.webhooks[int(webhook_id)]
            return 200, {}, {"item": {"id": int(webhook_id), "isReady": True, **stored}}
        return self.error(404, "Webhook not found")

    def fault_body(self, fault):
        if fault.body is not None:
            return fault.body
        if fault.status == 429:
            return fixture("autotask", "error_429.json")
        return {"errors": [f"HTTP {fault.status}"]}


# --- HaloPSA -----------------------------------------------------------------------------------
class FakeHalo(FakeServer):
    """HaloPSA: the token endpoint /auth/token and the API under /api (docs/psa-apis.md 3)."""

    vendor = "halopsa"
    prefix = "/"
    KINDS = {
        "Client": ("clients", "clients_page1.json"),
        "Users": ("users", "users_page1.json"),
        "Tickets": ("tickets", "tickets_page1.json"),
    }
    CREDENTIALS = {"client_id": "halo-client-id", "client_secret": "halo-client-secret"}

    def __init__(self, with_fixtures=True, lifetime=3600, now=None):
        super().__init__()
        self.lifetime = lifetime
        self.now = now or (lambda: datetime.datetime.now(datetime.UTC))
        self.tokens: dict[str, datetime.datetime] = {}
        if with_fixtures:
            for kind, (key, name) in self.KINDS.items():
                self.records[kind] = fixture("halopsa", name)[key]
            self.records["Agent"] = fixture("halopsa", "agents.json")
            self.records["Tickets"].append(fixture("halopsa", "ticket_merged.json"))
            self.records["Tickets"].sort(key=lambda r: r["id"])

    def template(self, kind):
        key, name = self.KINDS[kind]
        return fixture("halopsa", name)[key][0]

    def set_modified(self, kind, record, moment):
        record["last_update"] = moment.strftime("%Y-%m-%dT%H:%M:%S")  # naive UTC

    def endpoint(self, path):
        return path.split("/")[2] if path.startswith("/api/") else path

    def revoke_tokens(self):
        self.tokens.clear()

    def handle(self, request):
        if request.path == "/auth/token":
            return self.token(request)
        if not request.path.startswith("/api/"):
            return 404, {}, {"message": "Not found"}
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        expires = self.tokens.get(token)
        if expires is None or expires <= self.now():
            return 401, {"WWW-Authenticate": "Bearer"}, fixture("halopsa", "error_401.json")
        rest = request.path.removeprefix("/api/")
        if rest == "Agent":
            return 200, {}, self.records["Agent"]
        if rest in self.KINDS:
            return self.list(request, rest)
        if match := re.fullmatch(r"Tickets/(\d+)", rest):
            for record in self.records["Tickets"]:
                if record["id"] == int(match[1]):
                    return 200, {}, record
            return 400, {}, {"id": f"Ticket ID {match[1]} does not exist."}
        return 404, {}, {"message": "Not found"}

    def token(self, request):
        form = dict(urllib.parse.parse_qsl(request.body.decode()))
        if request.method != "POST" or form.get("grant_type") != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type"}
        c = self.CREDENTIALS
        if (
            form.get("client_id") != c["client_id"]
            or form.get("client_secret") != c["client_secret"]
        ):
            return 401, {}, fixture("halopsa", "token_error_invalid_client.json")
        token = f"fake-token-{len(self.tokens) + 1}-{time.monotonic_ns()}"
        self.tokens[token] = self.now() + datetime.timedelta(seconds=self.lifetime)
        answer = fixture("halopsa", "token_response.json")
        return 200, {}, {**answer, "access_token": token, "expires_in": self.lifetime}

    def list(self, request, kind):
        q = request.query
        records = self.records[kind]
        deleted = q.get("deleted", "false").lower() == "true"
        if kind == "Tickets":
            records = [r for r in records if bool(r.get("deleted")) == deleted]
        if q.get("lastupdatefromdate"):
            since = _moment(q["lastupdatefromdate"])
            records = [
                r for r in records if "last_update" not in r or _moment(r["last_update"]) >= since
            ]
        if q.get("order", "id") != "id" or q.get("orderdesc", "false") != "false":
            return 400, {}, {"order": "fake: order=id ascending only"}
        key = self.KINDS[kind][0]
        if q.get("pageinate") != "true":
            return 200, {}, {"record_count": len(records), key: records}
        size = min(int(q.get("page_size", 50)), 100)
        page = int(q.get("page_no", 1))
        return (
            200,
            {},
            {"record_count": len(records), key: records[(page - 1) * size : page * size]},
        )

    def fault_body(self, fault):
        if fault.body is not None:
            return fault.body
        if fault.status == 429:
            return fixture("halopsa", "error_429.json")
        return {"message": f"HTTP {fault.status}"}
