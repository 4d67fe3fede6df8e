"""Who may open the brand's logo and style sheet: everyone (client pages and e-mails load
them without a login). The logo answers 404 while there is none."""

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


ACCESS = {
    "organisation:brand_logo": public(kwargs=_logo),
    "organisation:brand_style": public(kwargs=lambda cast: {"version": "0d6efd"}),
}
