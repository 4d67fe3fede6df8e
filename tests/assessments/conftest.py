import pytest

from tests.assessments.factories import ensure_questionnaire


@pytest.fixture(autouse=True)
def _published_questionnaire(request):
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            ensure_questionnaire()
            return
