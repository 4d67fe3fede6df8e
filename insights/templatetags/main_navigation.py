"""``{% main_navigation navigation %}``: the navigation bar's entries
(insights.navigation.render)."""

from django import template

from insights import navigation as nav

register = template.Library()


@register.simple_tag
def main_navigation(entries):
    return nav.render(entries)
