"""Who may open which organisation URL: everyone. Client pages and e-mails load the
brand's logo and style sheet without a login (the logo answers 404 while there is none),
and the unsubscribe page's signed link is its key."""

from tests.access import public


def _logo(cast):
    from demo.brand import logo_png
    from organisation.branding import check_logo
    from organisation.models import Brand

    data = logo_png()
    logo = check_logo(data)
    brand = Brand.load()
    brand.set_logo(data, logo)
    brand.save()
    return {"digest": logo.digest}


def _unsubscribe_token(cast):
    from organisation.consent import unsubscribe_token

    contact = cast["client_company"].contacts.first()
    return {"token": unsubscribe_token(contact.email, contact.language)}


ACCESS = {
    "organisation:brand_logo": public(kwargs=_logo),
    "organisation:brand_style": public(kwargs=lambda cast: {"version": "0d6efd"}),
    "organisation:unsubscribe": public(kwargs=_unsubscribe_token),
}
