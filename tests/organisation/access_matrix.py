"""Who may open which organisation URL. The unsubscribe page is public: the signed link
is the key."""

from tests.access import public


def _unsubscribe_token(cast):
    from organisation.consent import unsubscribe_token

    contact = cast["client_company"].contacts.first()
    return {"token": unsubscribe_token(contact.email, contact.language)}


ACCESS = {
    "organisation:unsubscribe": public(kwargs=_unsubscribe_token),
}
