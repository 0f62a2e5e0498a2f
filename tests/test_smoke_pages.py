import pytest

from tests.personas import World

pytestmark = pytest.mark.django_db


def test_casey_sees_dashboard_survivor_and_team(world: World) -> None:
    client = world.client_for("casey")
    assert client.get("/cases/").status_code == 200
    page = client.get(f"/survivors/{world.survivor.pk}/")
    assert page.status_code == 200
    assert "Ana" in page.content.decode()
    assert client.get(f"/cases/{world.case.pk}/team/").status_code == 200
    assert client.get("/survivors/?q=ana").status_code == 200
