"""Data that migrations create, put back for transactional tests.

A transactional test (live server, real worker) ends with a flush; the next one gets
the migration data back only through serialized_rollback, which does not survive every
database/connection combination. These tests therefore make sure of it themselves."""

import importlib

import pytest
from django.apps import apps


def ensure_migration_data() -> None:
    from django.contrib.auth.models import Group

    for name in ("manager", "technician"):
        Group.objects.get_or_create(name=name)
    importlib.import_module("surveys.migrations.0002_seed_surveys").seed(apps, None)


@pytest.fixture
def migration_data(transactional_db):
    ensure_migration_data()
