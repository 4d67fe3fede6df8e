"""The demo organisation every app's demo data builds on."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User

from organisation.models import Client, Contact, Technician

DEMO_PASSWORD = "demo-msp-2026"  # noqa: S105 - printed for the demo on purpose

CLIENTS = [
    # name, segment, days since contract start (some inside the 90-day onboarding window)
    ("Bäckerei Sommer KG", "Handel", 700),
    ("Kanzlei Weber & Partner", "Kanzlei", 640),
    ("Praxis Dr. Hofmann", "Gesundheit", 560),
    ("Autohaus Krüger GmbH", "Handel", 510),
    ("Stadtwerke Nordheim", "Öffentlich", 470),
    ("Logistik Brandt GmbH", "Logistik", 400),
    ("Ingenieurbüro Lang", "Industrie", 330),
    ("Hotel Seeblick", "Gastgewerbe", 260),
    ("Metallbau Fischer AG", "Industrie", 190),
    ("Steuerberatung Koch", "Kanzlei", 120),
    ("Zahnarztpraxis Yilmaz", "Gesundheit", 60),
    ("Modehaus Richter", "Handel", 25),
]

TECHNICIANS = [
    # name, role, days since hire, days since leaving (None: still employed)
    ("Jonas Becker", "Level 2", 1400, None),
    ("Lena Schmidt", "Level 1", 900, None),
    ("Mehmet Arslan", "Level 2", 820, None),
    ("Sophie Wagner", "Level 1", 700, None),
    ("Felix Neumann", "Level 3", 1600, None),
    ("Anna Zimmermann", "Level 1", 480, None),
    ("David Hartmann", "Level 2", 400, None),
    ("Laura Schulz", "Level 1", 300, None),
    ("Niklas Braun", "Level 1", 200, None),
    ("Emma Wolf", "Level 2", 110, None),
    ("Paul Schröder", "Level 1", 900, 420),
    ("Marie König", "Level 2", 1000, 300),
    ("Tobias Frank", "Level 1", 600, 150),
    ("Julia Lehmann", "Level 1", 500, 40),
]


@dataclass
class DemoOrg:
    manager: User
    staff: User
    technician_users: list[User] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    technicians: list[Technician] = field(default_factory=list)


def _user(username: str, first: str, last: str, group: str | None = None, **extra) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@msp.example",
            **extra,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def _slug(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": ".", "&": ""})
    return name.lower().translate(table).replace("..", ".")


def seed_organisation(rng, today: datetime.date) -> DemoOrg:
    manager = _user("manager", "Miriam", "Vogel", "manager")
    staff = _user("admin", "Admin", "Backoffice", is_staff=True, is_superuser=True)
    org = DemoOrg(manager=manager, staff=staff)

    for index, (name, segment, days) in enumerate(CLIENTS, start=1):
        client, created = Client.objects.get_or_create(
            external_id=f"DEMO-C{index:03d}",
            defaults={
                "name": name,
                "segment": segment,
                "contract_start": today - datetime.timedelta(days=days),
            },
        )
        if created:
            client.responsible_staff.add(manager)
            first = name.split()[0]
            Contact.objects.create(
                client=client,
                name=f"{first} Ansprechpartner",
                email=f"it@{_slug(first)}.example",
                language="de" if index % 4 else "en",
            )
        org.clients.append(client)

    for index, (name, role, hired_days, left_days) in enumerate(TECHNICIANS, start=1):
        first, last = name.split(" ", 1)
        user = None
        if left_days is None:
            user = _user(f"tech{index}", first, last, "technician")
            org.technician_users.append(user)
        technician, _ = Technician.objects.get_or_create(
            external_id=f"DEMO-T{index:03d}",
            defaults={
                "name": name,
                "email": f"{_slug(first)}.{_slug(last)}@msp.example",
                "role": role,
                "hire_date": today - datetime.timedelta(days=hired_days),
                "leave_date": today - datetime.timedelta(days=left_days) if left_days else None,
                "language": "de" if index % 5 else "en",
                "user": user,
            },
        )
        org.technicians.append(technician)
    return org
