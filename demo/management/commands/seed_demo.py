"""Create a believable demo MSP: a manager, technicians with logins, clients with
contacts, and (from each app's ``demo`` module) two years of history.

Idempotent: a second run finds what is there and adds nothing twice.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demo import assessments, kpis, ratings, surveys
from demo.brand import seed_brand
from demo.organisation import DEMO_PASSWORD, seed_organisation

# Each subject's history: ``seed(org, rng, today, stdout)``, in this order because KPIs
# refer to surveys and surveys to the organisation, and ticket ratings to tickets.
SEEDERS = [assessments.seed, surveys.seed, kpis.seed, ratings.seed]


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        today = timezone.localdate()
        with transaction.atomic():
            org = seed_organisation(rng, today)
            seed_brand()
        for seed in SEEDERS:
            with transaction.atomic():
                seed(org, random.Random(options["seed"]), today, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Demo logins (password for all: {DEMO_PASSWORD}):\n"
            f"  manager:             {org.manager.username}\n"
            f"  technician:          {org.technician_users[0].username}\n"
            f"  back office (staff): {org.staff.username}"
        )
