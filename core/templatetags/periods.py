"""Template filters for periods: ``{{ day|quarter }}`` is the quarter's one label
("2026 Q3", core.periods.quarter_label) on every page, export and e-mail."""

from django import template

from core.periods import quarter_label

register = template.Library()
register.filter("quarter", quarter_label)
