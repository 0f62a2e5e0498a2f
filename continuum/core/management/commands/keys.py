"""`continuum keys`: the encryption key ring — status, add, activate, rotate, retire.

Changing keys on a live system, with no downtime:

1. `continuum keys add` puts a new key in the ring, not yet used for sealing. Restart every
   Continuum process so that all of them can open values sealed with it.
2. `continuum keys activate ID` makes it the key new values are sealed with. Restart again.
3. `continuum keys rotate` re-seals every value still under an older key, batch by batch.
   Each batch is its own transaction: stop it at any time and run it again to finish.
4. `continuum keys retire ID` removes an old key once no value uses it.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from continuum.core.encrypted import EncryptedField, Sealed, encrypted_fields
from continuum.core.keyring import KeyRing, key_id_of, keyring, new_key, save_keyring


def sealed_columns() -> list[tuple[type[models.Model], EncryptedField]]:
    return [(m, f) for m in apps.get_models() for f in encrypted_fields(m)]


def _under(field: EncryptedField, key_id: str) -> models.Q:
    return models.Q(**{f"{field.attname}__startswith": Sealed(f"v1:{key_id}:")})


class Command(BaseCommand):
    help = "Manage the encryption key ring (see `continuum keys --help` for the steps)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="The keys in the ring and how many values each seals.")
        sub.add_parser("add", help="Add a new key to the ring (not yet active).")
        activate = sub.add_parser("activate", help="Seal new values with this key.")
        activate.add_argument("key_id")
        rotate = sub.add_parser("rotate", help="Re-seal every value under an older key.")
        rotate.add_argument("--batch-size", type=int, default=500)
        retire = sub.add_parser("retire", help="Remove a key that no value uses.")
        retire.add_argument("key_id")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except ImproperlyConfigured as problem:
            raise CommandError(str(problem)) from None

    def _status(self, **options: Any) -> None:
        ring = keyring()
        self.stdout.write(f"Active key: {ring.active_id}")
        for key_id in ring.keys:
            count = self._count_under(key_id)
            self.stdout.write(f"  {key_id}: {count} values")

    def _count_under(self, key_id: str) -> int:
        return sum(
            m._default_manager.filter(_under(f, key_id)).count() for m, f in sealed_columns()
        )

    def _add(self, **options: Any) -> None:
        ring = keyring()
        key_id = _next_id(ring)
        save_keyring(KeyRing(ring.active_id, {**ring.keys, key_id: new_key()}, ring.source))
        self.stdout.write(self.style.SUCCESS(f"Added key {key_id} (not active yet)."))
        self.stdout.write(
            "Restart every Continuum process, then run: continuum keys activate " + key_id
        )

    def _activate(self, *, key_id: str, **options: Any) -> None:
        ring = keyring()
        if key_id not in ring.keys:
            raise CommandError(f"There is no key {key_id!r} in the ring.")
        save_keyring(KeyRing(key_id, ring.keys, ring.source))
        self.stdout.write(self.style.SUCCESS(f"New values are sealed with {key_id}."))
        self.stdout.write("Restart every Continuum process, then run: continuum keys rotate")

    def _rotate(self, *, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        ring = keyring()
        try:
            for model, field in sealed_columns():
                self._rotate_column(ring, model, field, batch_size)
        except KeyboardInterrupt:
            raise CommandError(
                "Stopped. Every batch finished so far is saved; run the command again to "
                "finish the rest."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Every value is sealed with {ring.active_id}."))

    def _rotate_column(
        self, ring: KeyRing, model: type[models.Model], field: EncryptedField, batch_size: int
    ) -> None:
        label = f"{model.__name__}.{field.name}"
        stale = (
            model._default_manager.exclude(**{f"{field.attname}__isnull": True})
            .exclude(_under(field, ring.active_id))
            .order_by("pk")
        )
        total, done = stale.count(), 0
        if not total:
            return
        last_pk = None
        while True:
            batch_filter = stale if last_pk is None else stale.filter(pk__gt=last_pk)
            rows = list(batch_filter.values_list("pk", field.attname)[:batch_size])
            if not rows:
                break
            done += self._reseal(ring, model, field, rows)
            last_pk = rows[-1][0]
            self.stdout.write(f"  {label}: {done}/{total}")

    @transaction.atomic
    def _reseal(
        self, ring: KeyRing, model: type[models.Model], field: EncryptedField, rows: list[Any]
    ) -> int:
        changed = 0
        for pk, token in rows:
            if key_id_of(token) == ring.active_id:
                continue
            plain = ring.open(token, aad=field.aad(pk))
            fresh = Sealed(ring.seal(plain, aad=field.aad(pk)))
            # Only if nobody changed the value meanwhile (their write is sealed already).
            changed += model._default_manager.filter(
                pk=pk, **{field.attname: Sealed(token)}
            ).update(**{field.attname: fresh})
        return changed

    def _retire(self, *, key_id: str, **options: Any) -> None:
        ring = keyring()
        if key_id not in ring.keys:
            raise CommandError(f"There is no key {key_id!r} in the ring.")
        if key_id == ring.active_id:
            raise CommandError(f"{key_id} is the active key: activate another one first.")
        in_use = self._count_under(key_id)
        if in_use:
            raise CommandError(
                f"{in_use} values are still sealed with {key_id}: run `continuum keys rotate`."
            )
        keys = {kid: key for kid, key in ring.keys.items() if kid != key_id}
        save_keyring(KeyRing(ring.active_id, keys, ring.source))
        self.stdout.write(self.style.SUCCESS(f"Retired {key_id}."))


def _next_id(ring: KeyRing) -> str:
    numbers = [int(k[1:]) for k in ring.keys if k[:1] == "k" and k[1:].isdecimal()]
    candidate = f"k{max(numbers, default=0) + 1}"
    return candidate if candidate not in ring.keys else f"k{secrets.token_hex(3)}"
