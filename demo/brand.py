"""The demo MSP's brand: a German IT service company with its own colour, sender and a
small logo drawn here (no image file in the repository, no imaging library needed)."""

import struct
import zlib

from organisation.branding import check_logo
from organisation.models import Brand

NAME = "Nordlicht IT-Service GmbH"
COLOUR = "#0b5d7a"  # a petrol blue; white text on it reads at 7:1
SENDER = "service@nordlicht-it-demo.de"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def logo_png(width: int = 192, height: int = 48) -> bytes:
    """A plain PNG: a petrol square with a light "aurora" band beside a grey bar, enough
    to see where the logo sits on pages and in e-mails."""
    petrol, light, grey, white = (11, 93, 122), (120, 214, 190), (70, 80, 90), (255, 255, 255)
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            if x < height:
                band = abs((x - y) - 6) < 5 or abs((x - y) + 10) < 3
                pixel = light if band and 6 < y < height - 6 else petrol
            elif 60 <= x < width - 8 and 18 <= y < 30:
                pixel = grey
            else:
                pixel = white
            row.extend(pixel)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def seed_brand() -> Brand:
    """The demo brand, set once: a brand a manager has changed is left as it is."""
    brand = Brand.objects.filter(pk=1).first()
    if brand is not None and brand.name:
        return brand
    brand = brand or Brand(pk=1)
    brand.name = NAME
    brand.primary_colour = COLOUR
    brand.sender_name = "Nordlicht IT-Service"
    brand.sender_email = SENDER
    brand.reply_to = "kundenservice@nordlicht-it-demo.de"
    brand.postal_address = "Hafenstraße 12\n24103 Kiel"
    brand.website = "https://www.nordlicht-it-demo.de/"
    brand.imprint_url = "https://www.nordlicht-it-demo.de/impressum"
    brand.privacy_url = "https://www.nordlicht-it-demo.de/datenschutz"
    data = logo_png()
    brand.set_logo(data, check_logo(data))
    brand.save()
    return brand
