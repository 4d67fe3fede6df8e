"""The back office has no sign-in form of its own: /admin/login/ sends everyone to the
product's sign-in page, so the throttle (and the second step) hold there too."""

from django.urls import reverse

from tests.accounts.helpers import sign_in, signed_in
from tests.helpers import PASSWORD


def test_thirty_guesses_at_the_admin_login_sign_nobody_in_and_lock_the_pair(client, staff_user):
    for _ in range(30):
        response = sign_in(client, "staff", "wrong", "10.0.0.5", path="/admin/login/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    # Guesses that go on to the sign-in page are throttled there.
    for _ in range(5):
        sign_in(client, "staff", "wrong", "10.0.0.5")
    response = sign_in(client, "staff", PASSWORD, "10.0.0.5", path="/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert not signed_in(client)
    assert "Zu viele" in sign_in(client, "staff", PASSWORD, "10.0.0.5").content.decode()


def test_a_pair_locked_on_the_sign_in_page_cannot_sign_in_through_the_admin(client, staff_user):
    for _ in range(5):
        sign_in(client, "staff", "wrong", "10.0.0.6")
    sign_in(client, "staff", PASSWORD, "10.0.0.6", path="/admin/login/")
    assert not signed_in(client)


def test_the_admin_login_leads_through_the_sign_in_page_back_to_the_admin(client, staff_user):
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/admin/"
    response = client.post(
        response["Location"], {"username": "staff", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_a_signed_in_user_without_back_office_rights_gets_403(client, manager):
    client.force_login(manager)
    assert client.get("/admin/login/?next=/admin/").status_code == 403
