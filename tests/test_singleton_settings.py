"""One-row settings (core.models.SingletonModel): the survey settings, the KPI settings
and the sign-in policy."""

import pytest

from accounts.models import SignInPolicy
from kpis.models import KpiSettings
from surveys.models import SurveySettings


@pytest.mark.parametrize("model", [SurveySettings, KpiSettings, SignInPolicy])
def test_reading_settings_never_writes_and_saving_keeps_row_one(db, model):
    model.objects.all().delete()
    loaded = model.load()
    assert loaded.pk == 1 and not model.objects.exists()
    loaded.save()
    model().save()  # a second "new" row is row 1 again
    assert list(model.objects.values_list("pk", flat=True)) == [1]


def test_the_back_office_list_of_settings_opens_the_one_row(admin_client):
    KpiSettings.objects.all().delete()
    response = admin_client.get("/admin/kpis/kpisettings/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/kpis/kpisettings/1/change/"
    assert KpiSettings.objects.get().pk == 1
    assert admin_client.get("/admin/surveys/surveysettings/")["Location"].endswith("/1/change/")
