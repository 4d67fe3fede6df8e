"""Small images and non-images for the logo checks, built byte by byte."""

import struct

from demo.brand import logo_png

PNG = logo_png()


def jpeg(width=40, height=30) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp(width=64, height=16) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    chunk = b"\x2f" + bits.to_bytes(4, "little") + b"\x00" * 8
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(chunk)) + chunk
    return b"RIFF" + struct.pack("<I", len(body)) + body


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
# An HTML page whose name says PNG: refused by its bytes.
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
