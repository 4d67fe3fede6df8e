from django import template

from core.mail import explain_failure

register = template.Library()


@register.filter
def failure_explained(reason: str) -> str | None:
    """``{{ reason|failure_explained }}``: what a stored SMTP failure means and what to do,
    or None for a reason that already is a sentence."""
    return explain_failure(reason or "")
