"""The MSP's brand on what clients see: which logo files are accepted, and which text and
link colours keep a chosen brand colour readable (WCAG 2.x contrast, 4.5:1 for text).

Plain functions with no request in sight; the brand itself is ``models.Brand``."""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Stored in the database and sent with every logo request: a header logo needs no more.
LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 4000  # pixels; larger images are refused, not scaled
WHITE = "#ffffff"
BLACK = "#000000"
MIN_TEXT_CONTRAST = 4.5  # WCAG 2.x AA for normal text


def validate_hex_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(
            _("Enter a colour as # and six hexadecimal digits, for example #0d6efd."),
            code="colour",
        )


# --- Logo -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logo:
    content_type: str
    width: int
    height: int
    digest: str  # the first 16 hex digits of the SHA-256 of the bytes; part of its URL


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first start-of-frame segment."""
    if data[:3] != b"\xff\xd8\xff":
        return None
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length follows
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        if length < 2:
            return None
        position += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


# The only types accepted, recognised by their bytes (never by the name or the browser's
# word): raster images a browser shows without running anything. SVG can carry script.
_SNIFFERS = (("image/png", _png_size), ("image/jpeg", _jpeg_size), ("image/webp", _webp_size))


def check_logo(data: bytes) -> Logo:
    """The logo's type, size and digest, read from its bytes; ValidationError for anything
    but a PNG, JPEG or WebP image of at most LOGO_MAX_BYTES and LOGO_MAX_SIDE pixels."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo may be at most %(size)s KB.") % {"size": LOGO_MAX_BYTES // 1024},
            code="logo_size",
        )
    found = next(
        ((kind, size) for kind, size_of in _SNIFFERS if (size := size_of(data)) is not None),
        None,
    )
    if found is None:
        raise ValidationError(
            _("Upload the logo as a PNG, JPEG or WebP image (SVG and other files are refused)."),
            code="logo_type",
        )
    content_type, (width, height) = found
    if not (0 < width <= LOGO_MAX_SIDE and 0 < height <= LOGO_MAX_SIDE):
        raise ValidationError(
            _("The logo may be at most %(side)s pixels wide and high.") % {"side": LOGO_MAX_SIDE},
            code="logo_dimensions",
        )
    return Logo(content_type, width, height, hashlib.sha256(data).hexdigest()[:16])


# --- Colours ----------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0, min(255, c))):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """Relative luminance 0..1 of a #rrggbb colour (WCAG 2.x)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """Contrast ratio 1..21 of two #rrggbb colours."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(background: str) -> str:
    """White or black, whichever reads better on ``background``; white while it reaches
    4.5:1, since most brand colours are meant to carry white text."""
    if contrast(WHITE, background) >= MIN_TEXT_CONTRAST:
        return WHITE
    return BLACK if contrast(BLACK, background) > contrast(WHITE, background) else WHITE


def darker(colour: str, share: float) -> str:
    """``colour`` mixed with ``share`` (0..1) black."""
    return _hex(tuple(c * (1 - share) for c in _rgb(colour)))


def readable_on(colour: str, background: str = WHITE) -> str:
    """``colour``, darkened just enough for text of that colour to reach 4.5:1 on a light
    ``background`` (links and outlined buttons on a white page)."""
    share = 0.0
    candidate = colour
    while contrast(candidate, background) < MIN_TEXT_CONTRAST and share < 1:
        share = min(1.0, share + 0.05)
        candidate = darker(colour, share)
    return candidate


@dataclass(frozen=True)
class Palette:
    """The colours a brand colour gives the client pages and e-mails."""

    primary: str  # buttons, the header's stripe
    on_primary: str  # text on primary
    hover: str  # a pressed or hovered button
    on_hover: str
    text: str  # links, headings and outlined buttons on white

    @property
    def primary_rgb(self) -> str:
        return ", ".join(str(c) for c in _rgb(self.primary))

    @property
    def text_rgb(self) -> str:
        return ", ".join(str(c) for c in _rgb(self.text))


def palette(primary: str) -> Palette:
    hover = darker(primary, 0.15)
    return Palette(
        primary=primary.lower(),
        on_primary=text_on(primary),
        hover=hover,
        on_hover=text_on(hover),
        text=readable_on(primary.lower()),
    )
