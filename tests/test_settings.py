"""Settings come from the environment and stop the process on values that make no sense."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from continuum.env import env_bool, env_int, env_list, secret_from_env_or_file

ROOT = Path(__file__).resolve().parent.parent


def test_bool_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("true", True), ("ON", True), ("0", False), ("no", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", not expected) is expected
    monkeypatch.setenv("X_FLAG", "sometimes")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


@pytest.mark.parametrize("raw", ["abc", "0", "100000", "1.5", ""])
def test_int_values_out_of_range_or_not_numbers_are_refused(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("X_MINUTES", raw)
    with pytest.raises(ImproperlyConfigured, match="X_MINUTES"):
        env_int("X_MINUTES", 15, minimum=2, maximum=240)


def test_list_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_HOSTS", " a.example , b.example ,")
    assert env_list("X_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured):
        env_list("X_HOSTS", [])


def test_secrets_from_file_value_or_generated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    generated = tmp_path / "secrets" / "key"
    first = secret_from_env_or_file(
        value_var="X_KEY", file_var="X_KEY_FILE", default_file=generated
    )
    assert generated.stat().st_mode & 0o777 == 0o600
    assert (
        secret_from_env_or_file(value_var="X_KEY", file_var="X_KEY_FILE", default_file=generated)
        == first
    )
    key_file = tmp_path / "given"
    key_file.write_text("k" * 40)
    monkeypatch.setenv("X_KEY_FILE", str(key_file))
    assert (
        secret_from_env_or_file(value_var="X_KEY", file_var="X_KEY_FILE", default_file=generated)
        == "k" * 40
    )
    monkeypatch.setenv("X_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        secret_from_env_or_file(value_var="X_KEY", file_var="X_KEY_FILE", default_file=generated)
    monkeypatch.delenv("X_KEY_FILE")
    with pytest.raises(ImproperlyConfigured, match="shorter"):
        secret_from_env_or_file(value_var="X_KEY", file_var="X_KEY_FILE", default_file=generated)
    monkeypatch.delenv("X_KEY")
    monkeypatch.setenv("X_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="not a file"):
        secret_from_env_or_file(value_var="X_KEY", file_var="X_KEY_FILE", default_file=generated)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "SQLite or PostgreSQL"),
        ("DATABASE_URL", "nonsense", "DATABASE_URL"),
        ("CONTINUUM_IDLE_MINUTES", "forever", "CONTINUUM_IDLE_MINUTES"),
        ("CONTINUUM_HTTPS", "maybe", "CONTINUUM_HTTPS"),
        ("CONTINUUM_QUICK_EXIT_URL", "javascript:alert(1)", "CONTINUUM_QUICK_EXIT_URL"),
    ],
)
def test_the_process_refuses_to_start_with_a_bad_setting(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    env = {
        **os.environ,
        variable: value,
        "CONTINUUM_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "continuum.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr
