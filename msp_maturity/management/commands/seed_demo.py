"""Create a believable demo MSP: a manager, technicians with logins, clients with
contacts, and (from each app's ``demo`` module) two years of history.

Idempotent: a second run finds what is there and adds nothing twice.
"""

import importlib
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from msp_maturity.demo_org import DEMO_PASSWORD, seed_organisation

# Each app may offer ``<app>.demo.seed(org, rng, today, stdout)``; run in this order
# because KPIs refer to surveys and surveys to the organisation.
APP_SEEDERS = ["assessments.demo", "surveys.demo", "kpis.demo"]


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument(
            "--scale",
            choices=["demo", "large"],
            default="demo",
            help="demo: a small believable MSP (default); large: 500 clients and 1,000,000 "
            "tickets for the benchmark (PostgreSQL only, see docs/benchmarks.md).",
        )
        parser.add_argument(
            "--force", action="store_true", help="With --scale large: rebuild the large set."
        )

    def handle(self, *args, **options):
        if options["scale"] == "large":
            return self.handle_large(options)
        rng = random.Random(options["seed"])
        today = timezone.localdate()
        with transaction.atomic():
            org = seed_organisation(rng, today)
        for module_name in APP_SEEDERS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            with transaction.atomic():
                module.seed(org, random.Random(options["seed"]), today, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Demo logins (password for all: {DEMO_PASSWORD}):\n"
            f"  manager:             {org.manager.username}\n"
            f"  technician:          {org.technician_users[0].username}\n"
            f"  back office (staff): {org.staff.username}"
        )

    def handle_large(self, options):
        from msp_maturity.demo_large import LargeSeedError, seed_large

        try:
            seed_large("large", force=options["force"], seed=options["seed"], stdout=self.stdout)
        except LargeSeedError as exc:
            raise CommandError(str(exc)) from None
