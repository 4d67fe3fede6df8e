from django.urls import reverse


def sign_in(client, username, password, address="10.0.0.1", path=None, **headers):
    """POST the sign-in form from ``address`` (REMOTE_ADDR)."""
    return client.post(
        path or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session
