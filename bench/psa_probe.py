"""Run one backfill from a fake ConnectWise server in this process and print its time and
peak memory as JSON, like bench/import_probe.py for files.

``python -m bench.psa_probe BASE_URL CHECKPOINT`` (Django settings from the environment):
a new connection to BASE_URL is pulled in full (integrations.pull, as the task runs it);
the peak RSS is taken before the pull, when ``CHECKPOINT`` tickets are stored and at the
end, so the growth between the checkpoint and the end shows whether memory stays flat.
The connection and everything it stored are deleted afterwards.
"""

import json
import resource
import sys
import time


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


PRIORITIES = {
    "critical": ["Priority 1*"],
    "high": ["Priority 2*"],
    "medium": ["Priority 3*"],
    "low": ["Priority 4*"],
}
CREDENTIALS = {
    "company_id": "nordlicht",
    "public_key": "pubKEY123",
    "private_key": "privKEY456",
    "client_id": "5c7e1b3a-0f2d-4a6b-9c8e-1d3f5a7b9c0e",
}


def connection(base_url: str, name: str):
    from integrations.models import Integration

    integration = Integration(
        kind="connectwise", name=name, base_url=base_url, priorities=PRIORITIES
    )
    integration.replace_credentials(CREDENTIALS)
    integration.save()
    return integration


def remove(integration) -> None:
    """The connection and what it stored (its data source's tickets first)."""
    from django.db import connection as db

    from kpis.models import Ticket
    from organisation.models import Client, Contact, DataSource, Technician

    source_id = integration.data_source_id
    with db.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Ticket._meta.db_table} WHERE data_source_id = %s",  # noqa: S608
            [source_id],
        )
    integration.delete()
    for model in (Contact, Technician, Client):
        model.objects.filter(data_source_id=source_id).delete()
    DataSource.objects.filter(pk=source_id).delete()


def main(base_url: str, checkpoint: int) -> None:
    import django

    django.setup()
    from integrations import pull

    integration = connection(base_url, "Benchmark backfill")
    seen = {"tickets": 0, "checkpoint_rss_mb": None}

    class Probe(pull.Puller):
        def _apply_ticket(self, records):
            super()._apply_ticket(records)
            seen["tickets"] += len(records)
            if seen["checkpoint_rss_mb"] is None and seen["tickets"] >= checkpoint:
                seen["checkpoint_rss_mb"] = peak_rss_mb()
                seen["checkpoint_seconds"] = time.perf_counter() - started

    try:
        baseline = peak_rss_mb()
        started = time.perf_counter()
        summary = Probe(integration).run()
        elapsed = time.perf_counter() - started
        from kpis.models import Ticket

        stored = Ticket.objects.filter(data_source_id=integration.data_source_id).count()
    finally:
        remove(integration)
    print(
        json.dumps(
            {
                "tickets": stored,
                "written": {str(k): v for k, v in summary.written.items()},
                "seconds": elapsed,
                "checkpoint": checkpoint,
                "checkpoint_seconds": seen.get("checkpoint_seconds"),
                "checkpoint_rss_mb": seen["checkpoint_rss_mb"],
                "baseline_rss_mb": baseline,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
