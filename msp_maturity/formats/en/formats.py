"""The product's English dates: day before month, 24-hour clock ("13 Dec 2026, 17:00").

Django's own English formats are American (12/13/2026, 5 p.m.), which a European MSP's
clients and technicians misread in e-mails and pages ("12/01" is January or December?).
Only what differs is set here; everything else falls back to Django's English formats.
Form input keeps Django's English input formats (ISO first, as the date pickers send)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday
