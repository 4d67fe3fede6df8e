"""Lift the sign-in throttle for one account: its delay and its locked addresses."""

from django.core.management.base import BaseCommand

from accounts import login_throttle


class Command(BaseCommand):
    help = (
        "Unlock sign-in for a user: clears the account's delay and the lock of every "
        "address (or only --address)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--address", help="Unlock only this client address.")

    def handle(self, *args, username, address=None, **options):
        unlocked = login_throttle.unlock(username, address)
        where = ", ".join(unlocked) if unlocked else "no locked address"
        self.stdout.write(f"Unlocked {username}: delay cleared; {where}.")
