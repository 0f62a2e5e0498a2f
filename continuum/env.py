"""Read settings from the environment, failing loudly on values that do not make sense.

A mistyped setting in a system that guards survivors' records must stop the process at start
rather than fall back to a default nobody chose (healthchecks does the same).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but names nothing")
    return items


def secret_from_env_or_file(
    *, value_var: str, file_var: str, default_file: Path, min_length: int = 32
) -> str:
    """A secret from NAME, or from the file NAME_FILE points to, or a generated local file.

    The generated file is what makes `make run` work with no configuration; a deployment sets
    one of the two variables. A secret shorter than min_length is refused.
    """
    if value_var in os.environ and file_var in os.environ:
        raise ImproperlyConfigured(f"Set {value_var} or {file_var}, not both")
    if value_var in os.environ:
        secret = os.environ[value_var].strip()
        source = value_var
    elif file_var in os.environ:
        path = Path(os.environ[file_var])
        if not path.is_file():
            raise ImproperlyConfigured(f"{file_var} points to {path}, which is not a file")
        secret = path.read_text().strip()
        source = str(path)
    else:
        secret = _generated_secret(default_file)
        source = str(default_file)
    if len(secret) < min_length:
        raise ImproperlyConfigured(f"The secret from {source} is shorter than {min_length} chars")
    return secret


def _generated_secret(path: Path) -> str:
    if path.is_file():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    if not create_file_once(path, secret + "\n"):
        return path.read_text().strip()  # another process made it first: use theirs
    return secret


def create_file_once(path: Path, content: str) -> bool:
    """Write a new private (0600) file whole, or not at all if it exists already; return
    whether this call made it. Two processes starting at once (test workers, app servers)
    must neither both write a key nor read one half-written: the content goes to a
    temporary file first, and a hard link puts it in place in one step that fails if the
    name is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)
