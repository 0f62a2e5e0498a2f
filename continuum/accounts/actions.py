"""Writes about accounts: two-step verification, the acting agency, signing out everywhere."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.access.actor import Actor
from continuum.accounts.models import Agency, Membership, User
from continuum.accounts.sessions import ACTING_MEMBERSHIP
from continuum.audit.log import record
from continuum.audit.models import AuditAction

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def pending_totp_device(user: User, device_id: int | None) -> TOTPDevice:
    """The unconfirmed authenticator this session is setting up (device_id, kept in the
    session, so reloading the page does not change the QR code). Each session gets its own
    secret: another session holding the same password never learns it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=device_id).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(*, user: User, device: TOTPDevice) -> list[str]:
    """Finish setting up two-step verification: the authenticator becomes the user's only
    one, and a fresh set of recovery codes is made. Returns the codes, shown once."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = replace_recovery_codes(user=user)
    record(None, AuditAction.MFA_ENROLLED, user=user)
    return codes


def verify_authenticator_code(*, user: User, code: str) -> bool:
    """A current code from the user's confirmed authenticator (not a recovery code); throttled
    by django-otp like the sign-in step."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return bool(device and code.isdecimal() and code.isascii() and device.verify_token(code))


@transaction.atomic
def replace_recovery_codes(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    record(None, AuditAction.RECOVERY_CODES_REPLACED, user=user)
    return codes


def choose_membership(request: HttpRequest, membership: Membership) -> None:
    request.session[ACTING_MEMBERSHIP] = membership.pk


def switch_agency(*, request: HttpRequest, actor: Actor, membership_id: int) -> Membership | None:
    """Act for another of the user's memberships. Returns None if it is not theirs."""
    membership = (
        Membership.objects.filter(
            pk=membership_id, user=actor.user, is_active=True, agency__is_active=True
        )
        .select_related("agency")
        .first()
    )
    if membership is None:
        return None
    choose_membership(request, membership)
    record(
        Actor(user=actor.user, membership=membership, via=actor.via),
        AuditAction.AGENCY_SWITCHED,
        detail={"from_agency_id": actor.agency_id},
    )
    return membership


@transaction.atomic
def sign_out_everywhere(*, user: User) -> None:
    """End every session of this user, on every device (each one's auth hash stops
    matching), and revoke their API tokens: a lost laptop may hold both."""
    from continuum.api.models import ApiToken

    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    ApiToken.objects.filter(membership__user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    record(None, AuditAction.SIGNED_OUT_EVERYWHERE, user=user)


@transaction.atomic
def change_password(*, user: User, new_password: str) -> None:
    """The person's own new password. Every other session of theirs ends (the session auth
    hash depends on the password); the caller keeps the current one."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record(None, AuditAction.PASSWORD_CHANGED, user=user)


# Operators' actions, run from the command line on the server (there is no web page for them
# yet: agency admins get one with the administration issue).


@transaction.atomic
def add_agency(
    *,
    name: str,
    agency_type: str,
    county: str = "",
    short_name: str = "",
    time_zone: str = "America/New_York",
    leads_screened_cases: bool = False,
) -> Agency:
    agency = Agency.objects.create(
        name=name,
        agency_type=agency_type,
        county=county,
        short_name=short_name,
        time_zone=time_zone,
        leads_screened_cases=leads_screened_cases,
    )
    record(None, AuditAction.AGENCY_ADDED, obj=agency, via="cli")
    return agency


@transaction.atomic
def configure_agency(
    *, agency: Agency, time_zone: str | None = None, leads_screened_cases: bool | None = None
) -> Agency:
    """Change an agency's time zone or whether it leads cases opened from screenings (the
    community protocol's choice). Caller: whoever runs the installation, from the command
    line (`continuum set_agency`), until the protocols issue gives these a page."""
    changed: dict[str, object] = {}
    if time_zone is not None:
        changed["time_zone"] = time_zone
    if leads_screened_cases is not None:
        changed["leads_screened_cases"] = leads_screened_cases
    for name, value in changed.items():
        setattr(agency, name, value)
    agency.save(update_fields=list(changed))
    record(
        None, AuditAction.AGENCY_CHANGED, obj=agency, via="cli", detail={"fields": sorted(changed)}
    )
    return agency


@transaction.atomic
def add_staff(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    agency: Agency,
    role: str,
    job_title: str = "",
) -> tuple[User, str]:
    """A new account with one membership and a one-time password, which the person replaces
    at first sign-in, when they also set up two-step verification."""
    temporary = _temporary_password()
    user = User.objects.create_user(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        password=temporary,
        job_title=job_title,
        must_change_password=True,
    )
    membership = Membership.objects.create(user=user, agency=agency, role=role)
    record(
        None,
        AuditAction.STAFF_ADDED,
        obj=membership,
        via="cli",
        detail={"user_id": user.pk, "agency_id": agency.pk, "role": role},
    )
    return user, temporary


@transaction.atomic
def reset_password(*, user: User) -> str:
    """A new one-time password; the person's sessions and authenticator stay, so a stolen
    temporary password alone is not enough to sign in."""
    temporary = _temporary_password()
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record(None, AuditAction.PASSWORD_RESET, obj=user, via="cli")
    return temporary


def _temporary_password() -> str:
    import secrets

    words = [secrets.token_urlsafe(6) for _ in range(3)]
    return "-".join(words)
