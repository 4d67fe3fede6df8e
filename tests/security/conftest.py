import pytest

from tests.assessments.factories import ensure_questionnaire
from tests.surveys.seeding import ensure_migration_data


@pytest.fixture(autouse=True)
def _migration_data(request):
    """The questionnaire and the surveys come from data migrations; a transactional test
    elsewhere may have flushed them."""
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            ensure_questionnaire()
            ensure_migration_data()
            return


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://surveys.example"
