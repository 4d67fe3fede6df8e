"""The e-mail inviting each member of a team round, a kind of per-recipient e-mail sent by
``core.delivery`` (claimed in chunks, each at most once, retried with backoff,
swept; see there): each member's invitation is a RoundInvitation row whose status the
round page shows. Invitations go out only while the round is open."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import delivery
from core.mail import compose

from .models import RoundInvitation, TeamRound


def invitation_message(team_round: TeamRound, member, address: str):
    """The invitation in the active language (core.delivery activates the member's)."""
    return compose(
        to=address,
        subject=_("Team round: %(name)s") % {"name": team_round.name},
        template="assessments/email/round_invitation",
        context={
            "round": team_round,
            "member": member,
            "url": settings.SITE_URL + reverse("assessments:round_detail", args=[team_round.pk]),
            "opened_by": team_round.opened_by.get_full_name() or team_round.opened_by.username,
        },
    )


class RoundInvitationEmail(delivery.Kind):
    name = "assessments.round_invitation"
    model = RoundInvitation
    batch_field = "team_round"
    related = ("member__technician",)

    def open_rows(self, now):
        return Q(team_round__closed_at__isnull=True) & (
            Q(team_round__closes_on__isnull=True)
            | Q(team_round__closes_on__gte=timezone.localdate(now))
        )

    closed_reason = "Not sent: the round closed before it went out."

    def closed_rows(self, now):
        return Q(team_round__closed_at__isnull=False) | Q(
            team_round__closes_on__lt=timezone.localdate(now)
        )

    def load_batch(self, round_id: int):
        team_round = TeamRound.objects.select_related("opened_by").filter(pk=round_id).first()
        return team_round if team_round is not None and team_round.is_open() else None

    def address(self, row):
        return row.member.email

    def addressee(self, row):
        return getattr(row.member, "technician", None)

    def language(self, team_round, row):
        """A technician's own language, else the product's."""
        technician = getattr(row.member, "technician", None)
        return getattr(technician, "language", None) or settings.LANGUAGE_CODE

    def message(self, team_round, row, prepared):
        return invitation_message(team_round, row.member, row.email)

    def delivered(self, round_id, row_ids, now):
        TeamRound.objects.filter(pk=round_id, invitations_sent_at__isnull=True).update(
            invitations_sent_at=now
        )


ROUND_INVITATIONS = delivery.register(RoundInvitationEmail()).name
