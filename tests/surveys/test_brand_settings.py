"""The brand page: managers set the MSP's name, logo, colour, sender and footer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from organisation.models import Brand
from tests.organisation.images import PNG, SVG, jpeg

URL = reverse("surveys:brand_settings")
FIELDS = {
    "name": "Nordlicht IT-Service GmbH",
    "primary_colour": "#0b5d7a",
    "sender_name": "Nordlicht Service",
    "sender_email": "service@nordlicht.example",
    "reply_to": "",
    "postal_address": "Hafenstraße 12\r\n24103 Kiel",
    "website": "https://nordlicht.example/",
    "imprint_url": "https://nordlicht.example/impressum",
    "privacy_url": "",
}


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def _upload(name, data, content_type):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_manager_saves_the_brand_with_a_logo(signed_in):
    response = signed_in.post(URL, {**FIELDS, "new_logo": _upload("logo.png", PNG, "image/png")})
    assert response.status_code == 302 and response["Location"] == URL
    brand = Brand.objects.get()
    assert (brand.name, brand.primary_colour, brand.logo_type) == (
        "Nordlicht IT-Service GmbH",
        "#0b5d7a",
        "image/png",
    )
    assert bytes(brand.logo) == PNG
    assert brand.from_email() == "Nordlicht Service <service@nordlicht.example>"
    assert Brand.current().name == "Nordlicht IT-Service GmbH"  # the cache was cleared
    page = signed_in.get(URL)
    assert f'src="{brand.logo_path()}"' in page.content.decode()
    assert "service@nordlicht.example" in page.content.decode()


def test_saving_without_a_new_logo_keeps_the_old_one(signed_in):
    signed_in.post(URL, {**FIELDS, "new_logo": _upload("logo.png", PNG, "image/png")})
    signed_in.post(URL, {**FIELDS, "name": "Anders"})
    brand = Brand.objects.get()
    assert brand.name == "Anders" and bytes(brand.logo) == PNG


def test_a_new_logo_replaces_and_remove_clears_it(signed_in):
    signed_in.post(URL, {**FIELDS, "new_logo": _upload("logo.png", PNG, "image/png")})
    signed_in.post(URL, {**FIELDS, "new_logo": _upload("logo.jpg", jpeg(), "image/jpeg")})
    assert Brand.objects.get().logo_type == "image/jpeg"
    signed_in.post(URL, {**FIELDS, "remove_logo": "on"})
    brand = Brand.objects.get()
    assert (bytes(brand.logo), brand.logo_digest) == (b"", "")


@pytest.mark.parametrize(
    "name,data,content_type",
    [
        ("logo.svg", SVG, "image/svg+xml"),
        ("logo.png", SVG, "image/png"),  # an SVG whose name and type claim PNG
        ("logo.png", b"not an image at all", "image/png"),
    ],
)
def test_an_svg_or_garbage_upload_is_refused_with_a_message(signed_in, name, data, content_type):
    signed_in.cookies["django_language"] = "en"
    page = signed_in.post(URL, {**FIELDS, "new_logo": _upload(name, data, content_type)})
    assert page.status_code == 200
    assert "Upload the logo as a PNG, JPEG or WebP image" in page.content.decode()
    assert not Brand.objects.exists()


def test_a_bad_colour_is_refused_and_nothing_is_saved(signed_in):
    page = signed_in.post(URL, {**FIELDS, "primary_colour": "#12345"})
    assert page.status_code == 200
    assert b"#0d6efd" in page.content  # the example in the message
    assert not Brand.objects.exists()


def test_a_name_with_a_line_break_is_refused(signed_in):
    page = signed_in.post(URL, {**FIELDS, "name": "Nord\nlicht"})
    assert page.status_code == 200
    assert not Brand.objects.exists()


def test_the_page_reads_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries):
    signed_in.post(URL, {**FIELDS, "new_logo": _upload("logo.png", PNG, "image/png")})
    # session, user, roles, the brand
    with django_assert_max_num_queries(4):
        assert signed_in.get(URL).status_code == 200


def test_managers_find_the_page_in_the_menu(signed_in):
    assert f'href="{URL}"' in signed_in.get(reverse("surveys:campaign_list")).content.decode()


def test_technicians_are_refused(client, technician_user):
    client.force_login(technician_user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, FIELDS).status_code == 403
    assert not Brand.objects.exists()
