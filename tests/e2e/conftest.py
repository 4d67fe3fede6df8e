"""The demo site shared by the page walks (tests/e2e/site_walk.py)."""

import pytest
from django.core.management import call_command

from msp_maturity.celery import app as celery_app
from tests.e2e.site_walk import DemoSite, seed_demo_site, session_keys, walk


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The demo data and a live server, built once per test module: seeding takes about
    ten seconds, too long to repeat for each test. The data is committed outside any test
    transaction, so the database is flushed afterwards (post_migrate restores the
    reference data, as after every transactional test)."""
    from pytest_django.live_server_helper import LiveServer

    eager = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    with django_db_blocker.unblock():
        server = None
        try:
            cast = seed_demo_site()
            site = DemoSite(url="", cast=cast, pages=walk(cast), sessions=session_keys(cast))
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            site.url = server.url
            yield site
        finally:
            if server is not None:
                server._live_server_modified_settings.disable()
                server.stop()
            call_command("flush", interactive=False, verbosity=0)
            celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = eager
