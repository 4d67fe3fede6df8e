"""Runs after the transactional tests of this package: the seeded surveys are still there
(the transactional tests restore them with serialized_rollback)."""

from surveys.models import Survey


def test_the_seeded_surveys_survive_transactional_tests(db):
    assert Survey.objects.count() == 4
