"""From a PSA's records to the plain rows the product's importer reads (the columns of
``kpis.columns``: text and ISO 8601 values its parsers accept), driven by a settings dict.

The settings (the integration's mappings; every key optional)::

    {
      "priorities": {"Priority 1 - Emergency Response": "critical", ...},  # PSA name -> ours
      "sources": {"Monitoring": "monitoring", "Email": "client", ...},     # PSA name -> ours
      "counted": {"field": "board", "in": ["Service Desk", "Tier 2 Escalations"]},
      "escalated": [{"field": "board", "in": ["Tier 2 Escalations"]},
                    {"field": "escalationLevel", "at_least": 1}],
      "proactive": [{"field": "type", "in": ["Maintenance"]}],
      "auto_remediated": [{"field": "closedBy", "in": ["rmm-automate"]}],
      "closed_statuses": ["Closed", "Complete"],
      "time_zone": "UTC",     # of date-times the PSA writes without an offset
    }

A rule names a field of the vendor's ticket (docs/integrations-clients.md lists them per
PSA: the names of the integration's settings, e.g. ``queue``, or the record's own) and
matches when the field's value, or its label, is one of ``in`` (without case, ``*`` any
text), is at least ``at_least``, or equals ``is``. Priorities may also come as
{ours: [patterns]} (the integration model's form). Rules are read from the ticket's current
fields only.

A priority or source without a mapping is passed on as the PSA's name, so the importer's
refusal names it; an unmapped source is "client".
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    field: str
    values: frozenset = frozenset()
    at_least: float | None = None
    equals: object = None

    @classmethod
    def of(cls, spec: dict) -> Rule:
        return cls(
            field=spec["field"],
            values=frozenset(str(v).strip().lower() for v in spec.get("in", ())),
            at_least=spec.get("at_least"),
            equals=spec.get("is"),
        )

    def matches(self, value) -> bool:
        if value is None or value == "":
            return False
        if self.equals is not None:
            return value == self.equals or str(value).lower() == str(self.equals).lower()
        if self.at_least is not None:
            try:
                return float(value) >= float(self.at_least)
            except (TypeError, ValueError):
                return False
        text = str(value).strip().lower()
        return text in self.values or any(
            "*" in v and _pattern(v).fullmatch(text) for v in self.values
        )


@dataclass(frozen=True)
class Mapping:
    priorities: dict = field(default_factory=dict)
    # ((ours, (compiled pattern, ...)), ...) of the {ours: [patterns]} form.
    priority_patterns: tuple = ()
    sources: dict = field(default_factory=dict)
    counted: Rule | None = None
    escalated: tuple[Rule, ...] = ()
    proactive: tuple[Rule, ...] = ()
    auto_remediated: tuple[Rule, ...] = ()
    closed_statuses: frozenset = frozenset()
    time_zone: datetime.tzinfo = datetime.UTC

    @classmethod
    def of(cls, settings: dict | Mapping | None) -> Mapping:
        if isinstance(settings, Mapping):
            return settings
        settings = settings or {}
        rules = lambda key: tuple(Rule.of(s) for s in settings.get(key) or ())  # noqa: E731
        counted = settings.get("counted")
        priorities = settings.get("priorities") or {}
        by_pattern = {k: v for k, v in priorities.items() if isinstance(v, list | tuple)}
        return cls(
            priorities=_folded({k: v for k, v in priorities.items() if k not in by_pattern}),
            priority_patterns=tuple(
                (ours, tuple(_pattern(p) for p in patterns))
                for ours, patterns in by_pattern.items()
            ),
            sources=_folded(settings.get("sources")),
            counted=Rule.of(counted) if counted and counted.get("in") else None,
            escalated=rules("escalated"),
            proactive=rules("proactive"),
            auto_remediated=rules("auto_remediated"),
            closed_statuses=frozenset(
                s.strip().lower() for s in settings.get("closed_statuses") or ()
            ),
            time_zone=zoneinfo.ZoneInfo(settings.get("time_zone") or "UTC"),
        )

    def priority(self, name) -> str:
        name = "" if name is None else str(name).strip()
        if name.lower() in self.priorities:
            return self.priorities[name.lower()]
        for ours, patterns in self.priority_patterns:
            if any(pattern.fullmatch(name) for pattern in patterns):
                return ours
        return name

    def source(self, name) -> str:
        name = "" if name is None else str(name).strip()
        return self.sources.get(name.lower(), "client")

    def is_closed(self, status) -> bool:
        return status is not None and str(status).strip().lower() in self.closed_statuses

    def any_matches(self, rules, value_of: Callable[[str], object]) -> bool:
        return any(rule.matches(value_of(rule.field)) for rule in rules)

    def counts(self, value_of: Callable[[str], object]) -> bool:
        return self.counted is None or self.counted.matches(value_of(self.counted.field))

    def moment(self, value) -> str:
        """A PSA's date-time as ISO 8601 in UTC with offset; "" when empty."""
        if not value:
            return ""
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.time_zone)
        return parsed.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def _pattern(text: str) -> re.Pattern:
    """A name pattern: compared without case, ``*`` stands for any text."""
    return re.compile(".*".join(re.escape(part) for part in str(text).strip().split("*")), re.I)


# What each PSA calls the groups of tickets that count (the field of ``counted``).
GROUP_FIELDS = {"connectwise": "board", "autotask": "queue", "halopsa": "team"}


def settings_of(integration) -> dict:
    """The settings dict of an object with the integration's mapping attributes
    (``kind``, ``priorities`` as {ours: [patterns]}, ``counted_groups``,
    ``escalated_field``/``escalated_values``, ``proactive_field``/``proactive_values``,
    ``closed_statuses``, ``time_zone``); a missing attribute is no rule. The escalation
    level counts from the lowest level listed."""

    def rule(field_name, values):
        if not field_name or not values:
            return []
        if field_name == "escalation_level":
            levels = [int(v) for v in values if str(v).strip().isdigit()]
            return [{"field": field_name, "at_least": min(levels)}] if levels else []
        return [{"field": field_name, "in": list(values)}]

    get = lambda name, default=None: getattr(integration, name, default)  # noqa: E731
    counted = get("counted_groups") or []
    return {
        "priorities": dict(get("priorities") or {}),
        "counted": {"field": GROUP_FIELDS[integration.kind], "in": list(counted)}
        if counted
        else None,
        "escalated": rule(get("escalated_field"), get("escalated_values")),
        "proactive": rule(get("proactive_field"), get("proactive_values")),
        "closed_statuses": list(get("closed_statuses") or []),
        "time_zone": get("time_zone") or "UTC",
    }


def _folded(mapping: dict | None) -> dict:
    return {str(k).strip().lower(): v for k, v in (mapping or {}).items()}


def flag(value: bool) -> str:
    return "true" if value else "false"


def text(value) -> str:
    return "" if value is None else str(value).strip()


def external_id(value) -> str:
    """A PSA id as text; "" for none (Halo and Autotask write 0 or null)."""
    return "" if value in (None, "", 0, "0") else str(value)


def full_name(first, last) -> str:
    return " ".join(part for part in (text(first), text(last)) if part)


def ticket_row(mapping: Mapping, value_of: Callable[[str], object], **values) -> dict:
    """The ticket row: ``values`` (vendor fields already read) plus the mapped flags."""
    return {
        **values,
        "escalated": flag(mapping.any_matches(mapping.escalated, value_of)),
        "proactive": flag(mapping.any_matches(mapping.proactive, value_of)),
        "auto_remediated": flag(mapping.any_matches(mapping.auto_remediated, value_of)),
    }


@dataclass(frozen=True)
class SLAVerdict:
    """The PSA's own SLA verdict for a ticket, beside our wall-clock computation.

    ``met``: the PSA's overall verdict (None: it gives none); ``response_met``,
    ``plan_met`` and ``resolution_met`` per stage where the PSA tells; minutes as the PSA
    counts them (its SLA calendar, so business hours); ``waiting_minutes``: time the PSA
    did not count (waiting status, on hold)."""

    met: bool | None = None
    response_met: bool | None = None
    plan_met: bool | None = None
    resolution_met: bool | None = None
    response_minutes: int | None = None
    plan_minutes: int | None = None
    resolution_minutes: int | None = None
    waiting_minutes: int | None = None
    name: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def columns(self) -> dict:
        """The import columns (kpis.columns, ``psa_…``) that store it on the ticket; an
        unknown value is an empty cell, so a verdict the PSA withdrew is cleared."""
        values = self.as_dict()
        del values["name"]
        values["sla_met"] = values.pop("met")
        return {
            f"psa_{key}": ""
            if value is None
            else flag(value)
            if isinstance(value, bool)
            else str(max(0, int(value)))
            for key, value in values.items()
        }


def minutes_of_hours(hours) -> int | None:
    return None if hours is None else round(float(hours) * 60)
