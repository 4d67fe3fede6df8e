"""An end moment as people read it.

Days the user chose are stored as the moment after them (core.periods: [start, end)): a
campaign closing "on 13.12." closes at 14.12. 00:00. Printing that moment ("closes
14.12.2026 00:00") names a day the user did not choose, so a local midnight is shown as
the last day included ("until and including 13.12.2026"), any other moment with its time."""

import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()


def until_text(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    if local.time() == datetime.time.min:
        day = local.date() - datetime.timedelta(days=1)
        return _("until and including %(day)s") % {
            "day": formats.date_format(day, "SHORT_DATE_FORMAT")
        }
    return _("until %(moment)s") % {"moment": formats.date_format(local, "SHORT_DATETIME_FORMAT")}


@register.filter
def until(moment: datetime.datetime | None) -> str:
    """``{{ campaign.closes_at|until }}``: "until and including 13.12.2026" for a close
    at local midnight, "until 14.12.2026, 17:00" otherwise."""
    return until_text(moment)
