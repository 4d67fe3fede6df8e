"""The logo and the style sheet behind every client page: public, cacheable for good
under their digest or colour."""

from django.urls import reverse

from organisation.branding import check_logo
from organisation.models import Brand
from tests.organisation.images import PNG, webp


def _brand_with_logo(data=PNG, **fields) -> Brand:
    brand = Brand(name="Nordlicht", **fields)
    brand.set_logo(data, check_logo(data))
    brand.save()
    return brand


def test_the_logo_is_served_under_its_digest_and_cached_for_good(client, db):
    brand = _brand_with_logo()
    response = client.get(brand.logo_path())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_changed_logo_gets_a_new_address_and_the_old_one_answers_404(client, db):
    brand = _brand_with_logo()
    old = brand.logo_path()
    brand.set_logo(webp(), check_logo(webp()))
    brand.save()
    assert brand.logo_path() != old
    assert client.get(old).status_code == 404
    assert client.get(brand.logo_path())["Content-Type"] == "image/webp"


def test_without_a_logo_every_address_answers_404(client, db):
    assert client.get(reverse("organisation:brand_logo", args=["0" * 16])).status_code == 404
    Brand(name="Ohne Logo").save()
    assert client.get(reverse("organisation:brand_logo", args=["0" * 16])).status_code == 404


def test_the_logo_answers_a_head_request(client, db):
    brand = _brand_with_logo()
    assert client.head(brand.logo_path()).status_code == 200
    assert client.post(brand.logo_path()).status_code == 405


def test_the_style_sheet_carries_the_brand_colour_and_readable_text(client, db):
    brand = Brand(primary_colour="#ffd500")
    brand.save()
    url = reverse("organisation:brand_style", args=[brand.style_version()])
    response = client.get(url)
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "--bs-primary: #ffd500;" in css
    assert "--bs-btn-color: #000000;" in css  # yellow carries black text
    assert "--bs-link-color: #ffd500" not in css  # too light for links on white


def test_an_old_style_sheet_address_gets_todays_colours_briefly_cached(client, db):
    Brand(primary_colour="#0b5d7a").save()
    response = client.get(reverse("organisation:brand_style", args=["ffd500"]))
    assert "--bs-primary: #0b5d7a;" in response.content.decode()
    assert response["Cache-Control"] == "public, max-age=300"
