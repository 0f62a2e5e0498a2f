"""Onboarding from the command line, and choosing one's own password."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.models import Agency, Membership, User
from continuum.audit.models import AuditAction, AuditEntry
from tests.accounts.helpers import ENROLL, MY_WORK, code_for, post_password
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "three unrelated words 2026"


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _temporary(output: str) -> str:
    found = re.search(r"One-time password for \S+: (\S+)", output)
    assert found
    return found.group(1)


def test_add_agency_and_staff_then_first_sign_in(world: World) -> None:
    out = _run("add_agency", "Coquina Youth Shelter", "--type", "service_provider")
    agency = Agency.objects.get(name="Coquina Youth Shelter")
    assert f"id {agency.pk}" in out
    out = _run(
        "add_staff",
        "lena",
        "--agency",
        str(agency.pk),
        "--role",
        "case_manager",
        "--first-name",
        "Léna",
        "--last-name",
        "Øster",
        "--email",
        "lena@example.org",
    )
    temporary = _temporary(out)
    user = User.objects.get(username="lena")
    assert user.must_change_password
    assert user.check_password(temporary)
    assert Membership.objects.filter(user=user, agency=agency, role="case_manager").exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.AGENCY_ADDED, AuditAction.STAFF_ADDED} <= actions
    assert temporary not in str(list(AuditEntry.objects.values_list("detail", flat=True)))

    # First sign-in: one-time password, then an authenticator, then their own password.
    client = Client()
    assert post_password(client, "lena", temporary)["Location"] == ENROLL
    client.get(ENROLL)
    device = TOTPDevice.objects.get(user=user)
    assert client.post(ENROLL, {"code": code_for(device)}).status_code == 302
    response = client.get(MY_WORK)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {"old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(MY_WORK).status_code == 200  # still signed in, now free to work
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add_staff", "x"], "id of an active agency"),
        (["add_staff", "x", "--agency", "999999", "--role", "clinician"], "active agency"),
        (["add_staff", "casey", "--agency", "AGENCY", "--role", "clinician"], "already"),
        (["add_staff", "bad name!", "--agency", "AGENCY", "--role", "clinician"], "Username"),
        (["add_staff", "x", "--agency", "AGENCY"], "--role"),
        (
            ["add_staff", "x", "--agency", "AGENCY", "--role", "clinician", "--email", "nope"],
            "not an e-mail",
        ),
        (["add_staff", "ghost", "--reset"], "No account"),
        (["add_agency", "Lead Family Services", "--type", "health"], "already"),
        (["add_agency", "   ", "--type", "health"], "1 to 200"),
    ],
)
def test_bad_command_input_is_refused(world: World, args: list[str], message: str) -> None:
    args = [str(world.agencies["lead"].pk) if a == "AGENCY" else a for a in args]
    users, agencies = User.objects.count(), Agency.objects.count()
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert (User.objects.count(), Agency.objects.count()) == (users, agencies)


def test_reset_gives_a_one_time_password(world: World) -> None:
    temporary = _temporary(_run("add_staff", "casey", "--reset"))
    casey = User.objects.get(username="casey")
    assert casey.check_password(temporary)
    assert casey.must_change_password
    # The authenticator is kept: the one-time password alone does not sign anyone in.
    assert TOTPDevice.objects.filter(user=casey, confirmed=True).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            "old password was entered incorrectly",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": "different words 2026",
            },
            "match",  # Django: "The two password fields didn’t match." # noqa: RUF003
        ),
        (
            {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
            "too short",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password1": "12345678901234",
                "new_password2": "12345678901234",
            },
            "entirely numeric",
        ),
        ({}, "This field is required"),
    ],
)
def test_bad_new_passwords_are_refused(world: World, data: dict[str, str], message: str) -> None:
    client = world.client_for("casey")
    response = client.post("/accounts/password/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    world.users["casey"].refresh_from_db()
    assert world.users["casey"].check_password(PASSWORD)


def test_changing_the_password_ends_other_sessions(world: World) -> None:
    here, elsewhere = world.client_for("casey"), world.client_for("casey")
    response = here.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert here.get(MY_WORK).status_code == 200
    assert elsewhere.get(MY_WORK).status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGED).count() == 1


def test_agency_time_zone_and_screening_lead_from_the_command_line(world: World) -> None:
    _run(
        "add_agency",
        "Gulf Breeze Youth Services",
        "--type",
        "cbc_lead",
        "--time-zone",
        "America/Chicago",
        "--leads-screened-cases",
    )
    agency = Agency.objects.get(name="Gulf Breeze Youth Services")
    assert (agency.time_zone, agency.leads_screened_cases) == ("America/Chicago", True)
    out = _run("set_agency", "Gulf Breeze Youth Services", "--leads-screened-cases", "no")
    agency.refresh_from_db()
    assert agency.leads_screened_cases is False
    assert "does not lead" in out
    with pytest.raises(CommandError, match="Say what to change"):
        _run("set_agency", "Gulf Breeze Youth Services")
    with pytest.raises(CommandError, match="No agency"):
        _run("set_agency", "Nowhere", "--time-zone", "America/Chicago")
