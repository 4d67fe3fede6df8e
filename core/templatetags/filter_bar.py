"""``{% filter_bar form %}``: a filter form's bar (core.filter_bar), drawn without
template includes."""

from django import template

register = template.Library()


@register.simple_tag
def filter_bar(form):
    return form.filter_bar.render(form)
