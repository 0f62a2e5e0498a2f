"""Reading the public HSDS API while signed in neither keeps the session alive nor sets a
cookie: the directory is public, and a browser tab polling it must not defeat the idle
sign-out."""

from __future__ import annotations

import pytest

from continuum.accounts.sessions import LAST_ACTIVITY
from tests.personas import build_world

pytestmark = pytest.mark.django_db


def test_hsds_reads_do_not_touch_the_staff_session() -> None:
    world = build_world()
    client = world.client_for("casey")
    session = client.session
    session[LAST_ACTIVITY] = 1.0
    session.save()
    response = client.get("/hsds/services")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert client.session[LAST_ACTIVITY] == 1.0
