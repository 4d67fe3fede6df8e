"""Download every CSV export of the product into a directory, one file per URL.

Run by ``test_exports_after_upgrade.py`` in a process of its own, never collected by pytest:

    python export_reports.py TREE OUT URLS_JSON

TREE is the source tree whose code answers (an old commit's or the repository's); the
caller sets ``DJANGO_SETTINGS_MODULE``, ``DATABASE_URL`` and the frozen clock. The exports
are asked for by literal path, never through ``reverse()``: a re-layering may rename
views and URL names, but the paths people bookmark and script must stay.

When URLS_JSON does not exist yet, the URLs are listed from the database (clients,
segments, campaigns, quarters around the frozen day) and written there, so that the code
after an upgrade, given the same file, is asked exactly the same questions. Exits 1, after
writing every file, when an export answers anything but a 200 CSV.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlencode

# Every KPI export (kpis/views/exports.py TABLES). The first five take the dashboard
# filter (period preset, custom dates, segment, client); turnover and alerts take none;
# tickets takes the ticket list's filter.
KPI_FILTERED_TABLES = ("escalations", "escalations-weekly", "monthly", "sla", "satisfaction")
KPI_PLAIN_TABLES = ("turnover", "alerts")
KPI_PRESETS = ("30d", "90d", "quarter", "year")
CLIENT_SURVEY_TABLES = ("by-client", "by-month", "comments")
PULSE_TABLES = ("heatmap", "team", "check-in")
AGGREGATE_REPORTS = ("in-depth", "technician-onboarding")


def _url(path: str, **query) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def _quarter_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    day = first.replace(month=(first.month - 1) // 3 * 3 + 1, day=1)
    starts = []
    while day <= last:
        starts.append(day)
        day = (
            day.replace(year=day.year + 1, month=1)
            if day.month == 10
            else day.replace(month=day.month + 3)
        )
    return starts


def _model(name: str):
    """The model called ``name`` in whichever app holds it (apps move; names stay)."""
    from django.apps import apps

    found = [model for model in apps.get_models() if model.__name__ == name]
    if len(found) != 1:
        raise SystemExit(f"expected one model named {name}, found {found}")
    return found[0]


def list_urls() -> dict[str, list[str]]:
    """Every export URL worth asking for German, and the unfiltered ones for English (a
    header whose German catalogue entry got lost shows in German; English is the source)."""
    from django.utils import timezone

    today = timezone.localdate()
    # The demo holds two years of history; both ranges cover all of it.
    first = datetime.date(today.year - 2, today.month, 1)
    custom = {"period": "custom", "start": first.isoformat(), "end": today.isoformat()}
    survey_range = {
        "start": first.isoformat(),
        "end": (today + datetime.timedelta(days=1)).isoformat(),
    }
    Client = _model("Client")
    client_ids = list(Client.objects.order_by("pk").values_list("pk", flat=True))
    segments = sorted(set(Client.objects.exclude(segment="").values_list("segment", flat=True)))
    campaign_ids = list(_model("Campaign").objects.order_by("pk").values_list("pk", flat=True))

    unfiltered = []
    filtered = []
    for table in KPI_FILTERED_TABLES:
        path = f"/kpis/export/{table}.csv"
        unfiltered.append(path)
        filtered += [_url(path, period=preset) for preset in KPI_PRESETS]
        filtered.append(_url(path, **custom))
        filtered += [_url(path, period="year", segment=segment) for segment in segments]
        filtered += [_url(path, **custom, client=pk) for pk in client_ids]
    unfiltered += [f"/kpis/export/{table}.csv" for table in KPI_PLAIN_TABLES]

    tickets = "/kpis/export/tickets.csv"
    unfiltered.append(tickets)
    filtered.append(_url(tickets, escalated="yes", start=first.isoformat(), end=today.isoformat()))
    filtered.append(_url(tickets, escalated="no", priority="critical"))
    filtered.append(_url(tickets, source="monitoring"))
    for pk in client_ids:  # as linked from each client's page
        filtered += [_url(tickets, client=pk), _url(tickets, client=pk, escalated="yes")]

    for table in CLIENT_SURVEY_TABLES:
        path = f"/surveys/results/clients/{table}.csv"
        unfiltered.append(path)
        filtered.append(_url(path, **survey_range))
        filtered += [_url(path, **survey_range, client=pk) for pk in client_ids]
    for table in PULSE_TABLES:
        path = f"/surveys/results/pulse/{table}.csv"
        unfiltered.append(path)
        filtered += [_url(path, weeks=weeks) for weeks in (4, 52)]
    for report in AGGREGATE_REPORTS:
        path = f"/surveys/results/{report}/questions.csv"
        unfiltered.append(path)
        quarters = _quarter_starts(first - datetime.timedelta(days=92), today)
        filtered += [_url(path, quarter=quarter.isoformat()) for quarter in quarters]
    filtered += [_url(f"/surveys/campaigns/{pk}/", format="csv") for pk in campaign_ids]
    return {"de": unfiltered + filtered, "en": unfiltered}


def file_name(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9.=-]+", "_", url.strip("/")) + ".txt"


def fetch(urls: dict[str, list[str]], out: Path) -> list[str]:
    """Write each answer to OUT/<language>/<file_name(url)>; return the problems."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    browser = Client()
    browser.force_login(get_user_model().objects.get(username="manager"))
    problems = []
    for language, language_urls in urls.items():
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        folder = out / language
        folder.mkdir(parents=True)
        for url in language_urls:
            response = browser.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            content_type = response.get("Content-Type", "")
            if response.status_code != 200 or not content_type.startswith("text/csv"):
                problems.append(f"{language} {url}: {response.status_code} {content_type}")
            head = (
                f"GET {url}\nStatus: {response.status_code}\nContent-Type: {content_type}\n"
                f"Content-Disposition: {response.get('Content-Disposition', '')}\n\n"
            )
            target = folder / file_name(url)
            if target.exists():
                raise SystemExit(f"two URLs share the file name {target.name}")
            target.write_bytes(head.encode() + body)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("urls", type=Path, help="the URL list; written when missing")
    args = parser.parse_args()
    tree = args.tree.resolve()
    sys.path.insert(0, str(tree))
    os.chdir(tree)

    import django

    django.setup()

    # The code must come from TREE, not from wherever the interpreter found a package.
    from django.apps import apps

    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if not path.is_relative_to(sys.prefix) and not path.is_relative_to(tree):
            raise SystemExit(f"app {config.name} loaded from {path}, not from {tree}")
    settings_file = Path(sys.modules[os.environ["DJANGO_SETTINGS_MODULE"]].__file__).resolve()
    if not settings_file.is_relative_to(tree):
        raise SystemExit(f"settings loaded from {settings_file}, not from {tree}")

    if args.urls.exists():
        urls = json.loads(args.urls.read_text())
    else:
        urls = list_urls()
        args.urls.write_text(json.dumps(urls, indent=1) + "\n")
    problems = fetch(urls, args.out)
    count = sum(len(language_urls) for language_urls in urls.values())
    print(f"{count} exports written to {args.out}")
    if problems:
        raise SystemExit("Exports that did not answer 200 with a CSV:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
