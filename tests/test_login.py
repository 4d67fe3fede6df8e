from django.urls import reverse

from tests.helpers import PASSWORD


def _login(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_a_wrong_password_reshows_the_form_with_the_username_kept(client, manager):
    response = _login(client, "manager", "wrong")
    assert response.status_code == 200
    assert 'value="manager"' in response.content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password(client, manager):
    for _ in range(5):
        _login(client, "manager", "wrong", address="10.0.0.2")
    response = _login(client, "manager", PASSWORD, address="10.0.0.3")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "15" in response.content.decode()


def test_five_failures_from_one_address_lock_that_address_for_other_accounts(
    client, manager, technician_user
):
    for index in range(5):
        _login(client, f"guess{index}", "wrong", address="10.0.0.9")
    response = _login(client, "tech", PASSWORD, address="10.0.0.9")
    assert "_auth_user_id" not in client.session
    response = _login(client, "tech", PASSWORD, address="10.0.0.10")
    assert response.status_code == 302


def test_a_successful_sign_in_resets_the_account_counter(client, manager):
    for _ in range(4):
        _login(client, "manager", "wrong", address="10.0.1.1")
    assert _login(client, "manager", PASSWORD, address="10.0.1.2").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "manager", "wrong", address="10.0.1.3")
    assert _login(client, "manager", PASSWORD, address="10.0.1.4").status_code == 302
