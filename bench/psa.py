"""The PSA phase (``--only psa``): a backfill from the fake ConnectWise server with flat
memory, and live ConnectWise callbacks accepted by one web worker and applied by one
Celery worker. The fake server (tests/fakes/psa.py) runs in a process of its own
(bench/psa_fake.py) so that neither its generated tickets nor its CPU count as the
product's memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from . import load
from .server import ROOT, Gunicorn

EVENTS_LUA = Path(__file__).with_name("events.lua")
WRK_THREADS = 2  # as load.run_wrk runs wrk


@contextmanager
def fake_connectwise(tickets: int, env: dict[str, str]):
    """(base URL, signing key) of a fake ConnectWise server with ``tickets`` generated
    tickets, stopped on leaving."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.psa_fake", str(tickets)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(process.stdout.readline())
        yield ready["base_url"], ready["signing_key"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure_backfill(plan, env: dict[str, str], log) -> dict:
    """One full pull of ``plan.psa_tickets`` tickets in a fresh process: time, peak RSS
    at the checkpoint and at the end."""
    with fake_connectwise(plan.psa_tickets, env) as (base_url, _key):
        log(f"backfill of {plan.psa_tickets} tickets from the fake ConnectWise server")
        output = subprocess.run(
            [sys.executable, "-m", "bench.psa_probe", base_url, str(plan.psa_checkpoint)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    if output.returncode != 0:
        raise RuntimeError(f"backfill failed: {output.stderr[-2000:]}")
    result = json.loads(output.stdout.strip().splitlines()[-1])
    log(
        f"  {result['seconds']:.1f} s, peak {result['peak_rss_mb']:.0f} MB "
        f"(at {result['checkpoint']}: {result['checkpoint_rss_mb']:.0f} MB)"
    )
    return result


def callback(base_url: str, signing_key: str, ticket_id: int) -> tuple[str, str]:
    """(x-content-signature, body) of a ConnectWise ticket callback with its own
    MessageId, signed as ConnectWise signs (integrations.signatures)."""
    from integrations.signatures import connectwise_signature

    origin = base_url.split("/v4_6_release", 1)[0]
    body = json.dumps(
        {
            "Action": "updated",
            "CallbackObjectRecId": 311,
            "CompanyId": "nordlicht",
            "Entity": json.dumps({"id": ticket_id, "recordType": "ServiceTicket"}),
            "FromUrl": "127.0.0.1",
            "ID": ticket_id,
            "MemberId": "jweber",
            "MessageId": str(uuid.uuid4()),
            "Metadata": {
                "key_url": f"{origin}/v4_6_release//system/callbackkey/index.rails"
                "?companyName=nordlicht&id=3b9e2f4c-8d1a-4f6e-9c2b-7a5d0e1f2c34"
            },
            "Type": "ticket",
        },
        separators=(",", ":"),
    ).encode()
    return connectwise_signature(body, signing_key), body.decode()


def measure_events(plan, env: dict[str, str], log, worker, results: Path) -> dict:
    """Signed ticket callbacks posted by wrk for ``plan.load_seconds`` to one gunicorn
    worker while one Celery worker applies them (each fetches its ticket from the fake
    server and writes it); then wait until every stored event is applied."""
    import redis
    from django.db.models import Count, Q
    from django.urls import reverse

    from integrations import pull
    from integrations.models import EVENT_TOKEN, Event

    from .psa_probe import connection, remove

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the benchmark's own Redis db
    with fake_connectwise(plan.psa_event_tickets, env) as (base_url, signing_key):
        integration = connection(base_url, "Benchmark events")
        try:
            pull.pull(integration)  # clients, contacts, technicians, tickets
            integration.refresh_from_db()
            path = reverse("integrations:event", kwargs={"token": integration.secrets[EVENT_TOKEN]})
            events_file = results / "cw_events.tsv"
            first_id = 100_000
            with events_file.open("w") as out:
                for n in range(plan.psa_events):
                    signature, body = callback(
                        base_url, signing_key, first_id + n % plan.psa_event_tickets
                    )
                    out.write(f"{signature}\t{body}\n")
            with worker(), Gunicorn(env, workers=1, log=results / "gunicorn.log") as server:
                # The same worker's trivial view: what the machine allows right now.
                trivial = load.run_wrk(
                    f"http://127.0.0.1:{server.port}/bench/trivial/",
                    plan.psa_connections,
                    plan.load_seconds,
                )
                log(f"ConnectWise callbacks for {plan.load_seconds} s to one web worker")
                url = f"http://127.0.0.1:{server.port}{path}"
                started = time.monotonic()
                posted = load.run_wrk(
                    url,
                    plan.psa_connections,
                    plan.load_seconds,
                    [str(events_file), path, str(WRK_THREADS)],
                    script=EVENTS_LUA,
                )
                load_seconds = time.monotonic() - started
                events = Event.objects.filter(integration=integration)
                deadline = time.monotonic() + 600
                while events.filter(processed_at__isnull=True).exists():
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
                drained = time.monotonic() - started
            figures = events.aggregate(
                stored=Count("pk"),
                applied=Count("pk", filter=Q(processed_at__isnull=False)),
                failed=Count("pk", filter=~Q(error="")),
            )
            delays = sorted(
                (processed - received).total_seconds()
                for received, processed in events.filter(processed_at__isnull=False)
                .values_list("received_at", "processed_at")
                .iterator()
            )
        finally:
            remove(integration)
    result = {
        "connections": plan.psa_connections,
        "seconds": plan.load_seconds,
        "tool": posted["tool"],
        "requests": posted["requests"],
        "bad_status": posted["bad_status"],
        "socket_errors": posted["socket_errors"],
        "wrk_rps": posted["rps"],
        "trivial_rps": trivial["rps"],
        "stored": figures["stored"],
        # Over the whole load time (conservative: the first and last second included).
        "stored_per_second": figures["stored"] / plan.load_seconds,
        "applied": figures["applied"],
        "failed": figures["failed"],
        "load_wall_seconds": load_seconds,
        "all_applied_after_seconds": drained,
        "delay_p50_s": delays[len(delays) // 2] if delays else None,
        "delay_p95_s": delays[int(len(delays) * 0.95)] if delays else None,
        "delay_max_s": delays[-1] if delays else None,
        "raw": posted.get("raw", ""),
    }
    log(
        f"  {result['stored']} stored ({result['stored_per_second']:.0f}/s), "
        f"{result['applied']} applied, delay max {result['delay_max_s']} s"
    )
    return result
