"""manage.py refresh_survey_rollups [--days N]"""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from surveys import rollups


class Command(BaseCommand):
    help = (
        "Recompute the daily survey figures (client onboarding, weekly pulse) from the "
        "answers and invitations: all days, or the last N."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Only the last N days")

    def handle(self, *args, days=None, **options):
        if days is None:
            written = rollups.rebuild_all()
        else:
            today = timezone.localdate()
            written = rollups.refresh(
                first_day=today - datetime.timedelta(days=max(days, 0)), last_day=today
            )
        self.stdout.write(f"{written} daily survey rows written.")
