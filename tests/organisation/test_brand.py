"""The brand setting: colour and logo checks, contrast, sender, and its cache."""

import struct

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from organisation.branding import (
    LOGO_MAX_BYTES,
    check_logo,
    contrast,
    palette,
    readable_on,
    text_on,
)
from organisation.models import Brand
from tests.organisation.images import HTML, PNG, SVG, jpeg, webp


@pytest.mark.parametrize("colour", ["red", "#12345", "#12345g", "0d6efd", "#0d6efd;}"])
def test_a_colour_that_is_not_hex_is_refused(db, colour):
    brand = Brand(primary_colour=colour)
    with pytest.raises(ValidationError) as refused:
        brand.full_clean()
    assert "primary_colour" in refused.value.message_dict


def test_the_colour_error_says_what_to_enter(db):
    # The German text comes with the catalogue (locale/), merged from the translation notes.
    with pytest.raises(ValidationError) as refused:
        Brand(primary_colour="blue").full_clean()
    with translation.override("en"):
        assert "six hexadecimal digits" in " ".join(refused.value.message_dict["primary_colour"])
    with translation.override("de"):
        assert "sechs Hexadezimalziffern" in " ".join(refused.value.message_dict["primary_colour"])


def test_a_hex_colour_in_either_case_is_accepted(db):
    Brand(primary_colour="#0B5d7a").full_clean()


@pytest.mark.parametrize(
    "data,content_type,size",
    [
        (PNG, "image/png", (192, 48)),
        (jpeg(), "image/jpeg", (40, 30)),
        (webp(), "image/webp", (64, 16)),
    ],
)
def test_png_jpeg_and_webp_logos_are_recognised_by_their_bytes(data, content_type, size):
    logo = check_logo(data)
    assert (logo.content_type, (logo.width, logo.height)) == (content_type, size)
    assert len(logo.digest) == 16


@pytest.mark.parametrize("data", [SVG, HTML, b"", b"GIF89a" + b"\x00" * 30, b"\x89PNG\r\n"])
def test_svg_html_and_other_files_are_refused(data):
    with pytest.raises(ValidationError) as refused:
        check_logo(data)
    assert refused.value.code == "logo_type"


def test_the_refusal_names_the_accepted_types():
    with pytest.raises(ValidationError) as refused:
        check_logo(SVG)
    with translation.override("en"):
        assert "PNG, JPEG or WebP" in refused.value.messages[0]
        assert "SVG" in refused.value.messages[0]
    with translation.override("de"):
        assert "PNG-, JPEG- oder WebP-Bild" in refused.value.messages[0]


def test_a_logo_over_the_size_limit_is_refused():
    with pytest.raises(ValidationError) as refused:
        check_logo(PNG + b"\x00" * LOGO_MAX_BYTES)
    assert refused.value.code == "logo_size"


def test_a_logo_wider_than_the_limit_is_refused():
    huge = PNG[:16] + struct.pack(">II", 20000, 48) + PNG[24:]
    with pytest.raises(ValidationError) as refused:
        check_logo(huge)
    assert refused.value.code == "logo_dimensions"


def test_contrast_follows_wcag():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#0d6efd", "#ffffff") == pytest.approx(4.5, abs=0.1)


def test_text_on_a_light_brand_colour_turns_black():
    assert text_on("#ffd500") == "#000000"
    assert text_on("#0b5d7a") == "#ffffff"


def test_links_in_a_light_brand_colour_are_darkened_to_be_readable_on_white():
    link = readable_on("#ffd500")
    assert link != "#ffd500"
    assert contrast(link, "#ffffff") >= 4.5
    assert readable_on("#0b5d7a") == "#0b5d7a"


@pytest.mark.parametrize("colour", ["#ffd500", "#00ff00", "#0d6efd", "#777777", "#ffffff"])
def test_every_palette_keeps_text_readable(colour):
    colours = palette(colour)
    assert contrast(colours.on_primary, colours.primary) >= 4.5
    assert contrast(colours.on_hover, colours.hover) >= 4.5
    assert contrast(colours.text, "#ffffff") >= 4.5


@override_settings(DEFAULT_FROM_EMAIL="Server <server@example.com>")
def test_without_a_sender_address_client_emails_use_the_default_sender(db):
    assert Brand(name="Nordlicht").from_email() == "Server <server@example.com>"
    assert Brand().reply_to_list() == []


def test_the_sender_is_the_brands_name_and_address(db):
    brand = Brand(name="Nordlicht IT, Kiel", sender_email="service@nordlicht.example")
    assert brand.from_email() == '"Nordlicht IT, Kiel" <service@nordlicht.example>'
    brand.sender_name = "Service-Team"
    brand.reply_to = "hilfe@nordlicht.example"
    assert brand.from_email() == "Service-Team <service@nordlicht.example>"
    assert brand.reply_to_list() == ["hilfe@nordlicht.example"]


def test_the_brand_is_read_once_and_saving_clears_the_cache(db, django_assert_num_queries):
    Brand(name="Erst").save()
    with django_assert_num_queries(1):
        assert Brand.current().name == "Erst"
        assert Brand.current().name == "Erst"
    brand = Brand.objects.get()
    brand.name = "Danach"
    brand.save()
    assert Brand.current().name == "Danach"


def test_the_cached_brand_leaves_the_logo_bytes_in_the_database(db):
    brand = Brand(name="Mit Logo")
    brand.set_logo(PNG, check_logo(PNG))
    brand.save()
    assert "logo" in Brand.current().get_deferred_fields()
    assert Brand.current().logo_path() == f"/brand/logo/{check_logo(PNG).digest}"


def test_no_brand_saved_reads_as_the_defaults_without_writing(db):
    brand = Brand.current()
    assert (brand.name, brand.logo_path(), brand.primary_colour) == ("", "", "#0d6efd")
    assert not Brand.objects.exists()


def test_a_stored_colour_that_is_not_hex_falls_back_to_the_default(db):
    Brand.objects.create(primary_colour="nope")
    assert Brand.current().colours().primary == "#0d6efd"


def test_the_back_office_opens_the_one_brand_row(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/admin/organisation/brand/", follow=True)
    assert response.status_code == 200
    assert Brand.objects.filter(pk=1).exists()
    saved = client.post(
        "/admin/organisation/brand/1/change/",
        {"name": "Aus dem Backoffice", "primary_colour": "#123456"},
    )
    assert saved.status_code == 302
    assert Brand.current().name == "Aus dem Backoffice"
