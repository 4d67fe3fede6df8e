"""The benchmark phases. ``main()`` is what ``python -m bench`` runs.

Each phase returns a dict of raw figures; ``bench.report`` turns them into the table in
docs/benchmarks.md. Latencies are measured against gunicorn over loopback; query counts
in this process with django.test.Client against the same database.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from . import load, psa, rating_burst, report
from .server import ROOT, CeleryWorker, Gunicorn, bench_env, free_port
from .stats import latency_summary, median_of_runs

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/msp_bench"
DEFAULT_QUICK_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/msp_bench_quick"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
RESULTS = ROOT / "bench" / "results"
BENCH_PREFIX = "bench:"
IMPORT_PREFIX = "BENCH-IMP-"


class Plan:
    """Sizes and repetitions: the full run, or --quick to check the harness."""

    def __init__(self, quick: bool):
        self.quick = quick
        self.scale = "small" if quick else "large"
        self.runs = 2 if quick else 3
        self.requests = 15 if quick else 50
        self.load_seconds = 4 if quick else 15
        self.connections = 32
        self.tokens = 2_000 if quick else 20_000
        self.invitations = 1_000 if quick else 10_000
        self.rating_tickets = 1_000 if quick else 10_000
        self.import_rows = (5_000, 20_000) if quick else (20_000, 100_000)
        # The PSA phase: a backfill with a memory checkpoint, and live callbacks (more
        # prepared than wrk can send, each sent once) about the fake's tickets.
        self.psa_tickets = 20_000 if quick else 200_000
        self.psa_checkpoint = 4_000 if quick else 40_000
        self.psa_event_tickets = 500 if quick else 2_000
        self.psa_events = 10_000 if quick else 40_000
        self.psa_connections = 16


def _open_campaign(survey, name: str, key: str, days: int):
    """An open campaign of the benchmark's own (its auto key marks it for clean-up)."""
    from django.utils import timezone

    from surveys.models import Campaign

    now = timezone.now()
    return Campaign.objects.create(
        survey=survey,
        name=name,
        status=Campaign.Status.OPEN,
        send_at=now,
        started_at=now,
        closes_at=now + datetime.timedelta(days=days),
        auto_key=f"{BENCH_PREFIX}{key}",
    )


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- Setup ------------------------------------------------------------------------------


def ensure_database(database_url: str) -> None:
    """Create the benchmark database if it does not exist yet."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    name = config["NAME"]
    params = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "dbname": "postgres",
    }
    if config.get("PASSWORD"):
        params["password"] = config["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare(plan: Plan, force_seed: bool, seed: bool = True) -> dict:
    from django.core.management import call_command

    from bench import large as demo_large

    log("migrate")
    call_command("migrate", verbosity=0, interactive=False)
    log("collectstatic")
    call_command("collectstatic", verbosity=0, interactive=False)
    if not seed:  # the PSA phase brings its own data (the fake server's)
        return {"skipped": True, "wall_seconds": 0}
    started = time.perf_counter()
    result = demo_large.seed_large(plan.scale, force=force_seed, stdout=_Printer())
    result["wall_seconds"] = time.perf_counter() - started
    cleanup_leftovers()
    vacuum()
    return result


def vacuum() -> None:
    """VACUUM (ANALYZE) the database before measuring, as autovacuum would have done since
    the previous run's imports and cleanup (a development server may run with autovacuum
    off: on this machine 380,000 dead rollup rows made the attention page's month sums
    read 9,500 pages instead of a few hundred, 26 ms instead of a few)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    log(f"vacuum: {time.perf_counter() - started:.1f} s")


class _Printer:
    def write(self, text):
        log(text.strip())


def cleanup_leftovers() -> None:
    """Remove what an interrupted earlier run may have left (bench campaigns, imported
    tickets, their alerts), so each run measures the same data."""
    from kpis.models import ThresholdAlert
    from surveys.models import Campaign

    Campaign.objects.filter(auto_key__startswith=BENCH_PREFIX).delete()
    refresh_recent_survey_figures()
    cleanup_leftovers_tickets()
    rating_burst.cleanup()
    marker = Path(RESULTS / "alerts_before.txt")
    if marker.exists():
        ThresholdAlert.objects.filter(pk__gt=int(marker.read_text() or 0)).delete()
        marker.unlink()


def refresh_recent_survey_figures() -> None:
    """The daily survey figures of the last days without the bench campaigns' answers
    and invitations (deleted in bulk, past the services that keep them)."""
    from surveys.tasks import refresh_rollups

    refresh_rollups()


def manager_cookie() -> str:
    """A signed-in manager's session cookie (the session lives in the database, so
    gunicorn accepts it)."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="manager"))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# --- 1 and 2: pages ---------------------------------------------------------------------


# Every period a manager can choose (the presets, and a 24-month custom range), on each
# page whose figures add up the period's days.
PERIODS = [
    ("30d", "last 30 days (default)"),
    ("90d", "last 90 days"),
    ("quarter", "this quarter"),
    ("year", "last 12 months"),
    ("custom", "24 months (custom)"),
]


def _period_query(preset: str) -> dict:
    from django.utils import timezone

    if preset == "30d":
        return {}
    if preset != "custom":
        return {"period": preset}
    today = timezone.localdate()
    start = today - datetime.timedelta(days=730)
    return {"period": "custom", "start": start.isoformat(), "end": today.isoformat()}


def _with_query(path: str, query: dict) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def page_targets() -> list[dict]:
    from django.db.models import Count
    from django.urls import reverse

    from organisation.models import Client

    by_size = list(
        Client.objects.filter(external_id__startswith="LG-")
        .annotate(n=Count("tickets"))
        .order_by("-n")
        .values_list("pk", "segment", "n")
    )
    largest, segment, largest_tickets = by_size[0]
    smallest, _segment, smallest_tickets = by_size[-1]
    dashboard = reverse("insights:dashboard")
    tickets = reverse("insights:ticket_list")
    pages = [
        ("dashboard", "Dashboard", dashboard),
        (
            "client_page",
            f"Client page, largest client ({largest_tickets} tickets)",
            reverse("insights:client_detail", kwargs={"pk": largest}),
        ),
        (
            "client_page_small",
            f"Client page, smallest client ({smallest_tickets} tickets)",
            reverse("insights:client_detail", kwargs={"pk": smallest}),
        ),
    ]
    targets = []
    for key, label, path in pages:
        for preset, period_label in PERIODS:
            target = {
                "key": key if preset == "30d" else f"{key}_{preset}",
                "label": f"{label}, {period_label}",
                "path": _with_query(path, _period_query(preset)),
            }
            if preset != "30d" or key == "client_page_small":
                target["same_queries_as"] = "dashboard" if key == "dashboard" else "client_page"
            targets.append(target)
    attention = reverse("insights:attention")
    clients = reverse("insights:client_list")
    return [
        # A manager's first screen: every client's row is computed (and the visit stored)
        # whatever the filter; a filter only changes which rows are drawn.
        {"key": "attention", "label": "Attention page, all clients", "path": attention},
        {
            "key": "attention_segment",
            "label": f"Attention page, segment filter ({segment})",
            "path": f"{attention}?{urlencode({'segment': segment})}",
            "same_queries_as": "attention",
        },
        {
            "key": "client_list",
            "label": "Client list, sorted by SLA attainment",
            "path": f"{clients}?{urlencode({'sort': '-sla'})}",
        },
        *targets,
        {
            "key": "dashboard_client",
            "label": "Dashboard, client filter (largest client)",
            "path": f"{dashboard}?{urlencode({'client': largest})}",
        },
        {
            "key": "dashboard_segment",
            "label": f"Dashboard, segment filter ({segment})",
            "path": f"{dashboard}?{urlencode({'segment': segment})}",
        },
        {
            "key": "ticket_list",
            "label": "Ticket list of the largest client, page 1",
            "path": f"{tickets}?{urlencode({'client': largest})}",
        },
        {
            "key": "ticket_list_page",
            "label": "Ticket list of the largest client, page 20",
            "path": f"{tickets}?{urlencode({'client': largest, 'page': 20})}",
        },
        {
            "key": "ticket_list_small",
            "label": "Ticket list of the smallest client",
            "path": f"{tickets}?{urlencode({'client': smallest})}",
            "same_queries_as": "ticket_list",
        },
    ]


def count_queries(path: str) -> tuple[int, int]:
    """(status, number of SQL queries) of one GET in this process, signed in as the
    manager (sign-in queries excluded: the client is logged in before counting)."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get(username="manager"))
    client.get(path)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, len(queries)


def measure_pages(plan: Plan, server: Gunicorn, cookie: str) -> list[dict]:
    results = []
    for target in page_targets():
        status, queries = count_queries(target["path"])
        for _ in range(3):  # warm-up: workers' first requests load templates
            server.get(target["path"], cookie)
        runs = []
        for _run in range(plan.runs):
            samples = []
            for _ in range(plan.requests):
                code, _body, ms = server.get(target["path"], cookie)
                if code != 200:
                    raise RuntimeError(f"{target['path']} answered {code}")
                samples.append(ms)
            runs.append(latency_summary(samples))
        entry = {
            **target,
            "status": status,
            "queries": queries,
            "runs": runs,
            "p50_ms": median_of_runs(runs, "p50"),
            "p95_ms": median_of_runs(runs, "p95"),
        }
        log(
            f"{target['label']}: p50 {entry['p50_ms']:.1f} ms, p95 {entry['p95_ms']:.1f} ms, "
            f"{queries} queries"
        )
        results.append(entry)
    return results


# --- 3: survey answer POST --------------------------------------------------------------


def prepare_survey_links(plan: Plan) -> tuple[Path, str]:
    """Open client-onboarding campaigns with ``plan.tokens`` invitations and a personal
    link each; returns (file of URL tokens, one line each; the form body to POST)."""
    from django.db import transaction
    from django.utils import timezone

    from organisation.models import Contact
    from surveys.forms import field_name
    from surveys.models import Invitation, InvitationStatus, Survey, SurveyKind
    from surveys.services import questions_of
    from surveys.tokens import issue_tokens

    survey = Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING)
    contacts = list(Contact.objects.filter(client__external_id__startswith="LG-").order_by("pk"))
    now = timezone.now()
    tokens = []
    with transaction.atomic():
        number = 0
        while len(tokens) < plan.tokens:
            number += 1
            campaign = _open_campaign(survey, f"Benchmark {number}", f"post:{number}", days=2)
            chunk = contacts[: plan.tokens - len(tokens)]
            invitations = Invitation.objects.bulk_create(
                [
                    Invitation(
                        campaign=campaign,
                        contact=contact,
                        email=contact.email,
                        language=contact.language,
                        status=InvitationStatus.SENT,
                        sent_at=now,
                    )
                    for contact in chunk
                ]
            )
            tokens.extend(t.url_token for t in issue_tokens(invitations).values())
    random.Random(5).shuffle(tokens)
    path = RESULTS / "tokens.txt"
    path.write_text("\n".join(tokens) + "\n")
    body = {}
    for question in questions_of(survey):
        if question.is_scale:
            body[field_name(question)] = str((question.scale_min + question.scale_max + 1) // 2)
        else:
            body[field_name(question)] = "Schneller Start, gute Betreuung."
    return path, urlencode(body)


def measure_survey_post(plan: Plan, server: Gunicorn) -> dict:
    from surveys.models import Response

    tokens_path, body = prepare_survey_links(plan)
    tokens = tokens_path.read_text().split()
    # One real POST first: it must store an answer and redirect.
    responses_before = Response.objects.count()
    status = _post_once(server.port, tokens[0], body)
    if status != 302 or Response.objects.count() != responses_before + 1:
        raise RuntimeError(f"the survey POST did not store an answer (status {status})")
    _make_limit_table()
    trivial_runs, limit_runs, post_runs = [], [], []
    offset = 1
    base = f"http://127.0.0.1:{server.port}"
    limit_body = b"value=Schneller+Start%2C+gute+Betreuung."
    for run in range(plan.runs):
        log(f"survey POST run {run + 1}/{plan.runs}: trivial view, limit view, then POST")
        if load.wrk_available():
            trivial = load.run_wrk(f"{base}/bench/trivial/", plan.connections, plan.load_seconds)
            limit = load.run_wrk(
                f"{base}/bench/limit/", plan.connections, plan.load_seconds, script=load.LIMIT_LUA
            )
            post = load.run_wrk(
                f"{base}/",
                plan.connections,
                plan.load_seconds,
                [str(tokens_path), body, str(offset)],
            )
        else:
            cycle = iter(range(offset, 10**9))

            def next_post_path(cycle=cycle):
                return f"/surveys/r/{tokens[next(cycle) % len(tokens)]}/"

            trivial = load.run_threads(
                server.port, plan.connections, plan.load_seconds, "GET", lambda: "/bench/trivial/"
            )
            limit = load.run_threads(
                server.port,
                plan.connections,
                plan.load_seconds,
                "POST",
                lambda: "/bench/limit/",
                limit_body,
            )
            post = load.run_threads(
                server.port,
                plan.connections,
                plan.load_seconds,
                "POST",
                next_post_path,
                body.encode(),
            )
        offset += post["requests"] + 1
        trivial_runs.append(trivial)
        limit_runs.append(limit)
        post_runs.append(post)
        log(
            f"  trivial {trivial['rps']:.0f} rps, limit {limit['rps']:.0f} rps, "
            f"POST {post['rps']:.0f} rps"
        )
    trivial_rps = statistics.median(r["rps"] for r in trivial_runs)
    limit_rps = statistics.median(r["rps"] for r in limit_runs)
    post_rps = statistics.median(r["rps"] for r in post_runs)
    return {
        "tokens": len(tokens),
        "connections": plan.connections,
        "seconds": plan.load_seconds,
        "trivial_rps": trivial_rps,
        "limit_rps": limit_rps,
        "post_rps": post_rps,
        "ratio": post_rps / trivial_rps if trivial_rps else None,
        "limit_ratio": limit_rps / trivial_rps if trivial_rps else None,
        "post_vs_limit": post_rps / limit_rps if limit_rps else None,
        "post_bad_status": sum(r["bad_status"] + r["socket_errors"] for r in post_runs),
        "limit_bad_status": sum(r["bad_status"] + r["socket_errors"] for r in limit_runs),
        "trivial_runs": trivial_runs,
        "limit_runs": limit_runs,
        "post_runs": post_runs,
        "responses_stored": Response.objects.filter(
            campaign__auto_key__startswith=BENCH_PREFIX
        ).count(),
    }


def _make_limit_table() -> None:
    """The table of the limit view (bench/urls.py), emptied for each run."""
    from django.db import connection

    from .urls import LIMIT_TABLE

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {LIMIT_TABLE} "
            "(id bigserial PRIMARY KEY, value varchar(200) NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute(f"TRUNCATE {LIMIT_TABLE}")


def _post_once(port: int, token: str, body: str) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            f"/surveys/r/{token}/",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Host": "127.0.0.1"},
        )
        return conn.getresponse().status
    finally:
        conn.close()


# --- 4: e-mail fan-out ------------------------------------------------------------------


def measure_fanout(plan: Plan, env: dict[str, str], workers: int = 1) -> dict:
    """``plan.invitations`` pulse invitations (campaigns of all large-set technicians)
    sent by ``workers`` Celery worker processes on Redis to a local SMTP sink."""
    import redis
    from django.db.models import Count

    from core.delivery import deliver
    from organisation.models import Technician
    from surveys.models import Campaign, Invitation, InvitationStatus, Survey, SurveyKind
    from surveys.sending import INVITATIONS

    from .smtp_sink import Sink

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the benchmark's own Redis db
    survey = Survey.objects.get(kind=SurveyKind.PULSE)
    technicians = list(Technician.objects.filter(external_id__startswith="LG-").order_by("pk"))
    campaign_ids = []
    remaining = plan.invitations
    number = 0
    while remaining > 0:
        number += 1
        campaign = _open_campaign(survey, f"Benchmark fan-out {number}", f"fanout:{number}", days=6)
        batch = technicians[:remaining]
        Invitation.objects.bulk_create(
            [
                Invitation(campaign=campaign, technician=t, email=t.email, language=t.language)
                for t in batch
            ]
        )
        remaining -= len(batch)
        campaign_ids.append(campaign.pk)
    port = free_port()
    with Sink(port) as sink, contextlib.ExitStack() as running:
        for number in range(workers):
            log_path = RESULTS / f"celery-{number + 1}.log"
            running.enter_context(CeleryWorker(env, port, log_path, name=f"fanout{number + 1}"))
        started = time.perf_counter()
        for campaign_id in campaign_ids:
            deliver.apply_async(args=[INVITATIONS, campaign_id])
        done = sink.wait_for(plan.invitations, timeout=600)
        elapsed = time.perf_counter() - started
    statuses = dict(
        Invitation.objects.filter(campaign_id__in=campaign_ids)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    result = {
        "invitations": plan.invitations,
        "workers": workers,
        "campaigns": len(campaign_ids),
        "delivered": sink.handler.messages,
        "complete": done,
        "seconds": elapsed,
        "messages_per_second": sink.handler.messages / elapsed if elapsed else None,
        "smtp_connections": sink.connections,
        "smtp_sessions_with_mail": len(sink.handler.sessions),
        "statuses": statuses,
        "sent_status": statuses.get(InvitationStatus.SENT, 0),
    }
    Campaign.objects.filter(pk__in=campaign_ids).delete()
    return result


# --- 5: CSV and Excel import -------------------------------------------------------------


def ticket_rows(rows: int, seed: int = 7):
    """The header, then ``rows`` new tickets of the large set's clients, opened in the last
    25 days; a tenth of the clients escalate a fifth of them (so
    the threshold check has work). Cells as Python values: datetimes, booleans."""
    from django.utils import timezone

    from kpis.columns import TICKET_COLUMNS
    from organisation.models import Client, Technician

    rng = random.Random(seed)
    clients = list(
        Client.objects.filter(external_id__startswith="LG-").values_list("external_id", flat=True)
    )
    hot = set(rng.sample(clients, max(1, len(clients) // 10)))
    technicians = list(
        Technician.objects.filter(
            external_id__startswith="LG-", leave_date__isnull=True
        ).values_list("external_id", flat=True)
    )
    now = timezone.localtime()
    # Every ticket column but escalated_at (escalated tickets get none).
    yield [c.name for c in TICKET_COLUMNS if c.name != "escalated_at"]
    for number in range(1, rows + 1):
        client = rng.choice(clients)
        opened = now - datetime.timedelta(minutes=rng.randint(600, 25 * 24 * 60))
        first = opened + datetime.timedelta(minutes=rng.randint(2, 300))
        resolved = first + datetime.timedelta(minutes=rng.randint(10, 3000))
        source = rng.choice(["client", "client", "monitoring", "automation", "self_service"])
        yield [
            f"{IMPORT_PREFIX}{number:07d}",
            client,
            rng.choice(["critical", "high", "medium", "medium", "low"]),
            opened,
            first,
            resolved if resolved < now else None,
            rng.random() < (0.2 if client in hot else 0.05),
            source,
            source != "client" and rng.random() < 0.4,
            source == "automation" and rng.random() < 0.6,
            rng.choice(technicians),
        ]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def write_ticket_csv(path: Path, rows: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in ticket_rows(rows):
            writer.writerow([_csv_cell(value) for value in row])


# The parts of a workbook of one sheet as Excel saves it; cell style 1 is the built-in
# date-time format 22 ("m/d/yy h:mm"), which readers take for a date.
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Tickets" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0" xfId="0"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" '
        'xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle '
        'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def write_ticket_xlsx(path: Path, rows: int) -> None:
    """The same tickets as an Excel workbook, written as Excel saves one: real date-times
    (local time: Excel has no offsets) and booleans in the cells, each distinct text once
    in the shared strings table, the sheet's dimension at its top. (openpyxl's writer
    puts every text inline instead, which its reader parses far more slowly, and is not
    what a manager uploads.)"""
    import zipfile
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}
    columns = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="A1:K{rows + 1}"/><sheetData>'.encode()
            )
            for number, row in enumerate(ticket_rows(rows), start=1):
                cells = []
                for column, value in zip(columns, row, strict=False):
                    ref = f"{column}{number}"
                    if value is None:
                        continue
                    if isinstance(value, bool):
                        cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
                    elif isinstance(value, datetime.datetime):
                        days = (
                            value.replace(tzinfo=None, microsecond=0) - _EXCEL_EPOCH
                        ).total_seconds() / 86400
                        cells.append(f'<c r="{ref}" s="1"><v>{days!r}</v></c>')
                    else:
                        index = strings.setdefault(str(value), len(strings))
                        cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
                sheet.write(f'<row r="{number}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w") as shared:
            shared.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                + f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
            )
            for text in strings:
                shared.write(f"<si><t>{escape(text)}</t></si>".encode())
            shared.write(b"</sst>")


IMPORT_FORMATS = {"xlsx": write_ticket_xlsx, "csv": write_ticket_csv}


def measure_import(plan: Plan, env: dict[str, str], fmt: str = "csv") -> list[dict]:
    """Import files (``fmt``: csv or xlsx) of two sizes in fresh processes: time and peak
    RSS. The larger file stays imported for the threshold check; the smaller is removed
    first."""
    results = []
    for rows in sorted(plan.import_rows):
        path = RESULTS / f"tickets_{rows}.{fmt}"
        IMPORT_FORMATS[fmt](path, rows)
        cleanup_leftovers_tickets()
        log(f"import of {rows} tickets ({fmt})")
        runs = []
        for _run in range(plan.runs):
            cleanup_leftovers_tickets()
            output = subprocess.run(
                [sys.executable, "-m", "bench.import_probe", "tickets", str(path)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if output.returncode != 0:
                raise RuntimeError(f"import failed: {output.stderr[-2000:]}")
            runs.append(json.loads(output.stdout.strip().splitlines()[-1]))
            log(f"  {runs[-1]['seconds']:.1f} s, peak {runs[-1]['peak_rss_mb']:.0f} MB")
        results.append(
            {
                "rows": rows,
                "bytes": path.stat().st_size,
                "runs": runs,
                "seconds": median_of_runs(runs, "seconds"),
                "peak_rss_mb": median_of_runs(runs, "peak_rss_mb"),
                "baseline_rss_mb": median_of_runs(runs, "baseline_rss_mb"),
            }
        )
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the queued threshold checks
    return results


def cleanup_leftovers_tickets(prefix: str = IMPORT_PREFIX) -> None:
    """Delete the tickets a phase added (the import's by default) and refresh their
    clients' rollups."""
    from django.db import connection

    from kpis import rollups
    from kpis.models import Ticket

    touched = list(
        Ticket.objects.filter(external_id__startswith=prefix)
        .values_list("client_id", flat=True)
        .distinct()
    )
    if not touched:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Ticket._meta.db_table} WHERE external_id LIKE %s",  # noqa: S608
            [prefix + "%"],
        )
    today = datetime.date.today()
    rollups.refresh(touched, today - datetime.timedelta(days=40), today)


# --- 6: threshold check -----------------------------------------------------------------


def measure_thresholds(plan: Plan) -> dict:
    """The check after the import: judging every client and storing new alerts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.periods import month_to_date
    from kpis import thresholds
    from kpis.models import ThresholdAlert
    from organisation.models import Client

    today = timezone.localdate()
    RESULTS.joinpath("alerts_before.txt").write_text(
        str(ThresholdAlert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    )
    runs = []
    for run in range(plan.runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            new = thresholds.record_alerts(today)
            elapsed = time.perf_counter() - started
        runs.append({"seconds": elapsed, "queries": len(queries), "new_alerts": len(new)})
        log(
            f"threshold check run {run + 1}: {elapsed * 1000:.0f} ms, {len(queries)} queries, "
            f"{len(new)} new alerts"
        )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        states = thresholds.client_states(month_to_date(today))
        judge_seconds = time.perf_counter() - started
    return {
        "clients": Client.objects.active().count(),
        "runs": runs,
        "seconds": median_of_runs(runs, "seconds"),
        "first_run_seconds": runs[0]["seconds"],
        "first_run_queries": runs[0]["queries"],
        "first_run_new_alerts": runs[0]["new_alerts"],
        "steady_queries": runs[-1]["queries"],
        "judge_seconds": judge_seconds,
        "judge_queries": len(queries),
        "states": {s: sum(1 for x in states if x.state == s) for s in {x.state for x in states}},
    }


# --- Main -------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="Small data, short runs: check the harness."
    )
    parser.add_argument("--force-seed", action="store_true", help="Rebuild the data set.")
    parser.add_argument(
        "--only",
        default="pages,survey,fanout,import,thresholds,ratings,psa",
        help="Comma-separated phases: pages, survey, fanout, import, thresholds, ratings, "
        "psa (= psa-backfill and psa-events) (default: all).",
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="Write JSON only, leave docs/benchmarks.md."
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    plan = Plan(args.quick)
    phases = set(args.only.split(","))
    default_database = DEFAULT_QUICK_DATABASE_URL if plan.quick else DEFAULT_DATABASE_URL
    database_url = os.environ.get("DATABASE_URL") or default_database
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    RESULTS.mkdir(parents=True, exist_ok=True)
    static_root = tempfile.mkdtemp(prefix="msp-bench-static-")
    env = bench_env(database_url, redis_url, static_root)
    machine_before = report.machine_info(database_url, redis_url)
    started_at = datetime.datetime.now().astimezone()
    ensure_database(database_url)
    setup_django(env)
    results = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "command": "make bench" if not args.quick else "python -m bench --quick",
        "argv": sys.argv[1:] if argv is None else argv,
        "quick": plan.quick,
        "scale": plan.scale,
        "database_url": database_url,
        "redis_url": redis_url,
        "machine": machine_before,
    }
    log(f"database {database_url}, redis {redis_url}, scale {plan.scale}")
    results["seed"] = prepare(
        plan, args.force_seed, seed=bool(phases - {"psa", "psa-backfill", "psa-events"})
    )
    results["data"] = report.data_counts()
    try:
        if phases & {"pages", "survey"}:
            with Gunicorn(env, log=RESULTS / "gunicorn.log") as server:
                cookie = manager_cookie()
                if "pages" in phases:
                    results["pages"] = measure_pages(plan, server, cookie)
                if "survey" in phases:
                    results["survey_post"] = measure_survey_post(plan, server)
        if "fanout" in phases:
            log(f"e-mail fan-out of {plan.invitations} invitations")
            results["fanout"] = measure_fanout(plan, env)
            log(
                f"  {results['fanout']['seconds']:.1f} s, "
                f"{results['fanout']['messages_per_second']:.0f} msg/s, "
                f"{results['fanout']['smtp_connections']} SMTP connections"
            )
            log("the same with two worker processes")
            results["fanout_2"] = measure_fanout(plan, env, workers=2)
            log(f"  {results['fanout_2']['seconds']:.1f} s")
        if "import" in phases:
            # The workbook first: the CSV file's tickets stay for the threshold check.
            results["import_xlsx"] = measure_import(plan, env, "xlsx")
            results["import"] = measure_import(plan, env)
        if "thresholds" in phases:
            results["thresholds"] = measure_thresholds(plan)
        if "ratings" in phases:
            log(f"ticket ratings after {plan.rating_tickets} tickets resolved in a burst")
            results["rating_burst"] = rating_burst.measure_rating_burst(plan, env)
            log(f"  {results['rating_burst']['seconds']:.1f} s")
        psa_env = dict(env, INTEGRATIONS_ALLOW_LOCAL_HTTP="1")
        if phases & {"psa", "psa-backfill"}:
            results["psa_backfill"] = psa.measure_backfill(plan, psa_env, log)
        if phases & {"psa", "psa-events"}:
            results["psa_events"] = psa.measure_events(
                plan,
                psa_env,
                log,
                lambda: CeleryWorker(psa_env, free_port(), RESULTS / "celery-psa.log", "psa"),
                RESULTS,
            )
    finally:
        cleanup_leftovers()
        results["machine_after"] = {"loadavg": os.getloadavg()}
        stamp = started_at.strftime("%Y%m%d-%H%M%S")
        out = RESULTS / f"{stamp}{'-quick' if plan.quick else ''}.json"
        out.write_text(json.dumps(results, indent=2, default=str))
        log(f"raw results: {out.relative_to(ROOT)}")
    if not args.no_docs:
        path = report.write_markdown(results)
        log(f"wrote {path.relative_to(ROOT)}")
    for line in report.summary_lines(results):
        print(line)
    return 0
