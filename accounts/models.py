"""Two-factor sign-in: a user's authenticator key and recovery codes, and the back office's
policy. The key is a secret like a password hash: never shown after set-up, never logged,
not in the admin."""

import secrets

from django.apps import apps as global_apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import SingletonModel
from core.reference_data import reference_model
from core.tokens import hash_token

from . import totp

RECOVERY_CODES = 10
# 16 characters of base32: 80 random bits, so a stored hash cannot be reversed by trying.
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _recovery_hash(code: str) -> str:
    return hash_token("".join(ch for ch in code.upper() if ch.isalnum()))


class TwoFactor(models.Model):
    """A user's confirmed authenticator app. Exists only once the user typed a first code;
    deleting it turns two-factor sign-in off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor"
    )
    key = models.CharField(max_length=64, editable=False)
    confirmed_at = models.DateTimeField(_("turned on"), default=timezone.now, editable=False)
    # The latest time step accepted: a code is good once, and so is every older one.
    last_step = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("two-factor sign-in")
        verbose_name_plural = _("two-factor sign-ins")

    def __str__(self):
        return str(self.user)

    def accept_code(self, code: str, unix_seconds: float) -> bool:
        """True, once, for a current authenticator code (±1 step) or an unused recovery
        code; the code is used up. Safe against two requests with the same code."""
        step = totp.matching_step(self.key, code, unix_seconds)
        if step is not None:
            taken = TwoFactor.objects.filter(pk=self.pk, last_step__lt=step).update(last_step=step)
            return taken == 1
        return (
            self.recovery_codes.filter(code_hash=_recovery_hash(code), used_at=None).update(
                used_at=timezone.now()
            )
            == 1
        )

    def new_recovery_codes(self) -> list[str]:
        """Replaces the recovery codes; returns them in clear text, the only time they are."""
        codes = [
            "-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4)) for _ in range(4))
            for _ in range(RECOVERY_CODES)
        ]
        self.recovery_codes.all().delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(two_factor=self, code_hash=_recovery_hash(code)) for code in codes
        )
        return codes

    def unused_recovery_codes(self) -> int:
        return self.recovery_codes.filter(used_at=None).count()


class RecoveryCode(models.Model):
    """One recovery code, stored as its SHA-256 only; usable once."""

    two_factor = models.ForeignKey(
        TwoFactor, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The sign-in's lookup: this user's unused code with this hash.
        indexes = [models.Index(fields=["two_factor", "code_hash"])]

    def __str__(self):
        return f"{self.two_factor.user} ({'used' if self.used_at else 'unused'})"


class SignInPolicy(SingletonModel):
    """The back office's sign-in rules, one row, edited by staff in the admin."""

    back_office_requires_two_factor = models.BooleanField(
        _("back office requires two-factor sign-in"),
        default=False,
        help_text=_(
            "Staff without two-factor sign-in are sent to set it up before they reach the "
            "back office."
        ),
    )

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policy")

    def __str__(self):
        return str(_("Sign-in policy"))


def ensure_sign_in_policy(*, apps=global_apps, using: str = "default", **kwargs) -> None:
    """post_migrate handler: the policy's one row exists, also after a flush; an edit by
    staff is never overwritten."""
    Policy = reference_model(apps, using, "accounts", "SignInPolicy")
    if Policy is not None:
        Policy.objects.using(using).get_or_create(pk=1)
