"""Template filters for figures: ``{{ share|as_percent }}`` (0..1 to 0..100)."""

from django import template

from core import units

register = template.Library()

register.filter("as_percent", units.as_percent)
