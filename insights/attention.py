"""Who needs the manager now: every client's figures in one row, each cell coloured red,
amber or green from the KPI settings, the worst clients first (the attention page and
the client list), and what changed since the user's previous visit.

The figures (shares 0..1, NPS in points), as the other pages compute them:

- escalation share: the calendar month to date, judged as the threshold alerts judge it
  (kpis.thresholds.client_states: the client's threshold or the default, the warning
  level, the minimum tickets): over the threshold red, approaching it amber, else green;
  too few tickets: not judged.
- SLA attainment: first responses and resolutions within target over the last
  SLA_DAYS days (kpis.metrics.sla_by_client).
- ticket CSAT: ratings of tickets resolved in the last CSAT_DAYS days (ratings.figures).
- onboarding NPS (and CSAT, shown beside it): client onboarding answers submitted in the
  last SURVEY_DAYS days (surveys.metrics.client_onboarding_by_client).
- open threshold alerts and open feedback cases: counts, not coloured.

SLA, ticket CSAT and NPS are red below their red line, amber below their amber line,
else green (``colour``); a figure with nothing measured is not coloured. A client's state
is its worst colour (``worst``). Severity, worst first: more red cells, then more amber
cells, then more open alerts and cases, then a higher escalation share, then by name.

Everything is read in a fixed number of queries, whatever the number of clients.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count
from django.utils import timezone

from core.periods import Period, month_to_date
from kpis import metrics, thresholds
from kpis.models import AlertState, KpiSettings, ThresholdAlert
from organisation.models import Client, in_onboarding
from ratings import figures as rating_figures
from ratings.models import FeedbackCase
from surveys import metrics as survey_metrics

from .models import AttentionVisit

RED, AMBER, GREEN, NOT_JUDGED = "red", "amber", "green", ""
COLOURS = (RED, AMBER, GREEN)  # worst first
SLA_DAYS = 30
CSAT_DAYS = 90
SURVEY_DAYS = 365
ESCALATION_COLOURS = {AlertState.BREACH: RED, AlertState.WARNING: AMBER, AlertState.OK: GREEN}
# Page views this close to the last one belong to the same visit: coming back from a
# drill-down still shows what changed since the visit before.
SAME_VISIT = datetime.timedelta(minutes=30)


def colour(value: float | None, red: float, amber: float) -> str:
    """RED when ``value`` is below ``red``, AMBER below ``amber``, else GREEN;
    NOT_JUDGED for None. A value exactly on a line takes the better colour."""
    if value is None:
        return NOT_JUDGED
    if value < red:
        return RED
    if value < amber:
        return AMBER
    return GREEN


def worst(colours) -> str:
    """The worst of the colours given; NOT_JUDGED when none is judged."""
    present = set(colours)
    return next((c for c in COLOURS if c in present), NOT_JUDGED)


@dataclass
class ClientRow:
    client_id: int
    name: str
    segment: str
    onboarding_day: int | None  # day N of ONBOARDING_DAYS (1-based), None after or before
    escalation: thresholds.ClientState
    sla: float | None
    sla_measured: int
    csat: float | None
    rated: int
    nps: float | None
    onboarding_csat: float | None
    responses: int
    open_alerts: int
    open_cases: int
    colours: dict[str, str] = field(default_factory=dict)  # by column: escalation, sla, ...

    # Cached: the page asks each row's state and severity several times (sorting,
    # counting, filtering, the visit's snapshot), for every client.
    @cached_property
    def state(self) -> str:
        return worst(self.colours.values())

    @cached_property
    def severity(self) -> tuple:
        """Sort key, worst client first."""
        values = list(self.colours.values())
        share = self.escalation.share
        return (
            -values.count(RED),
            -values.count(AMBER),
            -(self.open_alerts + self.open_cases),
            -(share if share is not None else -1),
            self.name.casefold(),
        )


def _grouped_counts(rows) -> dict[int, int]:
    return {
        r["client_id"]: r["n"] for r in rows.values("client_id").order_by().annotate(n=Count("pk"))
    }


def client_rows(today: datetime.date, settings: KpiSettings | None = None) -> list[ClientRow]:
    """Every active client's row, worst first. Seven queries."""
    settings = settings or KpiSettings.load()
    month = month_to_date(today)
    sla_period = Period.last_days(SLA_DAYS, today)
    # The month's escalations and the SLA window's counts in one pass over the rollups.
    sums = metrics.sums_by_client(
        {"month": (month, thresholds.ESCALATION_FIELDS), "sla": (sla_period, metrics.SLA_FIELDS)}
    )
    active = list(
        Client.objects.active().values_list(
            "pk", "name", "escalation_threshold", "segment", "contract_start"
        )
    )
    states = thresholds.client_states(
        month, settings=settings, sums=sums["month"], clients=[c[:3] for c in active]
    )
    clients = {pk: (segment, start) for pk, *_, segment, start in active}
    sla = metrics.sla_by_client(sla_period, sums["sla"])
    csat_period = Period.last_days(CSAT_DAYS, today)
    csat = {
        r["key"]: r for r in rating_figures.grouped(rating_figures.invited(csat_period), "client")
    }
    surveys = survey_metrics.client_onboarding_by_client(Period.last_days(SURVEY_DAYS, today))
    alerts = _grouped_counts(ThresholdAlert.objects.open())
    cases = _grouped_counts(FeedbackCase.objects.filter(status=FeedbackCase.Status.OPEN))
    lines = {
        "sla": (float(settings.sla_red_percent) / 100, float(settings.sla_amber_percent) / 100),
        "csat": (float(settings.csat_red_percent) / 100, float(settings.csat_amber_percent) / 100),
        "nps": (settings.nps_red, settings.nps_amber),
    }
    rows = []
    for state in states:
        pk = state.client_id
        segment, contract_start = clients[pk]
        sla_row = sla.get(pk, {})
        csat_row = csat.get(pk, {})
        survey = surveys.get(pk, {})
        row = ClientRow(
            client_id=pk,
            name=state.name,
            segment=segment,
            # 1-based for people: the contract start is day 1 of 90
            onboarding_day=(today - contract_start).days + 1
            if in_onboarding(contract_start, today)
            else None,
            escalation=state,
            sla=sla_row.get("overall"),
            sla_measured=sla_row.get("measured", 0),
            csat=csat_row.get("csat"),
            rated=csat_row.get("rated", 0),
            nps=survey.get("nps"),
            onboarding_csat=survey.get("csat"),
            responses=survey.get("responses", 0),
            open_alerts=alerts.get(pk, 0),
            open_cases=cases.get(pk, 0),
        )
        row.colours = {
            "escalation": ESCALATION_COLOURS.get(state.state, NOT_JUDGED),
            "sla": colour(row.sla, *lines["sla"]),
            "csat": colour(row.csat, *lines["csat"]),
            "nps": colour(row.nps, *lines["nps"]),
        }
        rows.append(row)
    rows.sort(key=lambda r: r.severity)
    return rows


# --- Searching, filtering and sorting the table -----------------------------------------

SORT_KEYS = {
    "name": lambda r: r.name.casefold(),
    "segment": lambda r: r.segment.casefold() or None,
    "state": lambda r: r.severity,
    "escalation": lambda r: r.escalation.share,
    "csat": lambda r: r.csat,
    "nps": lambda r: r.nps,
    "sla": lambda r: r.sla,
    "onboarding": lambda r: r.onboarding_day,
    "alerts": lambda r: r.open_alerts,
    "cases": lambda r: r.open_cases,
}


def filtered(rows: list[ClientRow], q: str = "", segment: str = "", state: str = ""):
    """The rows whose name contains ``q`` (any case), of ``segment`` and ``state``
    (a colour), each only when given; in their order."""
    q = q.strip().casefold()
    return [
        row
        for row in rows
        if (not q or q in row.name.casefold())
        and (not segment or row.segment == segment)
        and (not state or row.state == state)
    ]


def sorted_rows(rows: list[ClientRow], sort: str) -> list[ClientRow]:
    """``rows`` by the SORT_KEYS key ``sort`` ("-" before it: descending; "state": worst
    first ascending). Rows without the figure come last either way; ties by name."""
    key = SORT_KEYS[sort.removeprefix("-")]
    by_name = sorted(rows, key=SORT_KEYS["name"])
    present = [row for row in by_name if key(row) is not None]
    missing = [row for row in by_name if key(row) is None]
    return sorted(present, key=key, reverse=sort.startswith("-")) + missing


# --- Since the last visit ---------------------------------------------------------------


@dataclass
class SinceLastVisit:
    at: datetime.datetime | None  # the previous visit; None on the first
    changes: list[dict]  # {"row": ClientRow, "before": colour, "now": colour}
    new_alerts: list[ThresholdAlert]
    new_cases: list[FeedbackCase]


NEWS_SHOWN = 10


def record_visit(user, rows: list[ClientRow], now: datetime.datetime | None = None):
    """Stores this visit with every client's state and returns (time, {client id:
    state}) of the visit to compare with: the previous one, or (None, {}) on the first.
    A page view within SAME_VISIT of the last one belongs to that visit. Two queries."""
    now = now or timezone.now()
    states = {str(row.client_id): row.state for row in rows}
    # get_or_create: two tabs opened at once on the first visit store one row.
    visit, first = AttentionVisit.objects.get_or_create(
        user=user, defaults={"visited_at": now, "states": states}
    )
    if first:
        return None, {}
    if now - visit.visited_at >= SAME_VISIT:
        visit.previous_at, visit.previous_states = visit.visited_at, visit.states
    visit.visited_at, visit.states = now, states
    visit.save(update_fields=["visited_at", "states", "previous_at", "previous_states"])
    return visit.previous_at, visit.previous_states


def since_last_visit(user, rows: list[ClientRow], now=None) -> SinceLastVisit:
    """Records the visit and lists what is new since the previous one: clients whose state
    changed (worst first, as ``rows``), new threshold alerts and feedback cases (the
    latest NEWS_SHOWN each). Four queries (two on the first visit)."""
    at, before = record_visit(user, rows, now)
    if at is None:
        return SinceLastVisit(None, [], [], [])
    changes = [
        {"row": row, "before": before[str(row.client_id)], "now": row.state}
        for row in rows
        if str(row.client_id) in before and before[str(row.client_id)] != row.state
    ]
    new_alerts = list(
        ThresholdAlert.objects.filter(created_at__gt=at)
        .select_related("client")
        .order_by("-created_at")[:NEWS_SHOWN]
    )
    new_cases = list(
        FeedbackCase.objects.filter(opened_at__gt=at)
        .select_related("client")
        .order_by("-opened_at")[:NEWS_SHOWN]
    )
    return SinceLastVisit(at, changes, new_alerts, new_cases)
