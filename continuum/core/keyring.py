"""The key ring for encryption at rest: AES-256-GCM keys kept outside the database.

The ring is JSON — {"active": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"}} — read
from CONTINUUM_KEYRING (the JSON itself, for secret stores that inject environment
variables) or from the file CONTINUUM_KEYRING_FILE (default var/secrets/keyring.json,
generated for the demo). It is never derived from SECRET_KEY. New values are sealed with the
active key; any key in the ring opens the values it sealed, which is what lets
`continuum keys rotate` re-encrypt a live database in batches.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from continuum.env import create_file_once

# "v1:<key id>:<base64 of nonce + ciphertext + tag>"
_TOKEN = re.compile(r"^v1:([A-Za-z0-9_-]{1,16}):([A-Za-z0-9+/=]+)$")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A value could not be opened: wrong row, tampered, or its key is not in the ring."""


@dataclass(frozen=True)
class KeyRing:
    active_id: str
    keys: dict[str, bytes]
    source: Path | None  # the file it came from; None when it came from the environment

    def seal(self, plaintext: str, *, aad: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active_id]).encrypt(nonce, plaintext.encode(), aad.encode())
        return f"v1:{self.active_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, token: str, *, aad: str) -> str:
        match = _TOKEN.match(token)
        if not match:
            raise DecryptionError("not a sealed value")
        key_id, body = match.groups()
        key = self.keys.get(key_id)
        if key is None:
            raise DecryptionError(f"key {key_id} is not in the key ring")
        try:
            raw = base64.b64decode(body, validate=True)
            plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad.encode())
        except Exception as error:  # bad base64, or InvalidTag: wrong row, key or bytes
            raise DecryptionError("the value does not open with its key and row") from error
        return plain.decode()

    def to_json(self) -> str:
        keys = {kid: base64.b64encode(key).decode() for kid, key in self.keys.items()}
        return json.dumps({"active": self.active_id, "keys": keys}, indent=2)


def key_id_of(token: str) -> str | None:
    match = _TOKEN.match(token or "")
    return match.group(1) if match else None


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


@cache
def keyring() -> KeyRing:
    """The ring, read once per process (`reset_keyring` after changing it)."""
    raw = os.environ.get("CONTINUUM_KEYRING")
    if raw:
        return _parse(raw, source=None, origin="CONTINUUM_KEYRING")
    path = Path(settings.CONTINUUM_KEYRING_FILE)
    if not path.exists():
        _create(path)
    return _parse(path.read_text(), source=path, origin=str(path))


def reset_keyring() -> None:
    keyring.cache_clear()


def save_keyring(ring: KeyRing) -> None:
    """Write the ring back to its file, atomically (the old file stays whole until the new one
    is complete)."""
    if ring.source is None:
        raise ImproperlyConfigured(
            "The key ring comes from CONTINUUM_KEYRING; change it in your secret store."
        )
    temporary = ring.source.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(ring.to_json())
    os.replace(temporary, ring.source)
    reset_keyring()


def _create(path: Path) -> None:
    """A first key ring, unless another process made one first (then theirs is used)."""
    create_file_once(path, KeyRing("k1", {"k1": new_key()}, path).to_json())


def _parse(raw: str, *, source: Path | None, origin: str) -> KeyRing:
    try:
        data = json.loads(raw)
        keys = {kid: base64.b64decode(value, validate=True) for kid, value in data["keys"].items()}
        active = data["active"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ImproperlyConfigured(
            f"The key ring in {origin} is not valid JSON of the form "
            '{"active": ID, "keys": {ID: base64}}'
        ) from None
    if active not in keys:
        raise ImproperlyConfigured(f"The key ring in {origin} has no key {active!r}")
    for kid, key in keys.items():
        if not _KEY_ID.match(kid) or len(key) != 32:
            raise ImproperlyConfigured(
                f"Key {kid!r} in {origin} must be a short id and 32 bytes of base64"
            )
    return KeyRing(active, keys, source)
