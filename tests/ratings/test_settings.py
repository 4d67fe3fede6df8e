"""The ticket rating's settings are edited in the back office with the other surveys'."""

import pytest
from django.core.exceptions import ValidationError

from surveys.models import SurveySettings


def test_the_rating_settings_are_on_the_survey_settings_page(client, staff_user):
    client.force_login(staff_user)
    SurveySettings.load()
    page = client.get("/admin/surveys/surveysettings/1/change/").content.decode()
    for field in (
        "rating_enabled",
        "rating_delay_minutes",
        "rating_faces",
        "rating_fatigue_days",
        "rating_open_days",
        "rating_automated_tickets",
    ):
        assert f'name="{field}"' in page


def test_the_window_is_at_least_a_day(db):
    """The daily campaigns hold one invitation per contact: a shorter window would clash."""
    config = SurveySettings.load()
    config.rating_fatigue_days = 0
    with pytest.raises(ValidationError) as error:
        config.full_clean()
    assert "rating_fatigue_days" in error.value.message_dict
