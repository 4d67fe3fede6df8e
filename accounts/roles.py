"""Roles are Django groups: ``manager`` sees everything of the organisation, ``technician``
sees their own surveys and assessment answers. Superusers count as managers."""

from functools import wraps

from django.apps import apps as global_apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from core.reference_data import reference_model

MANAGER = "manager"
TECHNICIAN = "technician"
ROLES = (MANAGER, TECHNICIAN)


def ensure_role_groups(*, apps=global_apps, using: str = "default", **kwargs) -> None:
    """post_migrate handler: the role groups exist on every database, also after a flush."""
    Group = reference_model(apps, using, "auth", "Group")
    if Group is None:
        return
    for name in ROLES:
        Group.objects.using(using).get_or_create(name=name)


def _group_names(user) -> frozenset[str]:
    # Cached on the user object: a page asks several times, the database answers once.
    if not hasattr(user, "_msp_group_names"):
        user._msp_group_names = frozenset(user.groups.values_list("name", flat=True))
    return user._msp_group_names


def is_manager(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or MANAGER in _group_names(user)))


def is_technician(user) -> bool:
    return bool(user.is_authenticated and TECHNICIAN in _group_names(user))


def manager_required(view):
    """Anonymous users go to the login page; signed-in non-managers get 403."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def role_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_manager": False, "is_technician": False}
    return {"is_manager": is_manager(user), "is_technician": is_technician(user)}
