"""Model fields whose values are sealed with AES-GCM before they reach the database.

Written by hand on `cryptography` because no maintained Django package binds each value to
its row: the associated data here is "table.column.row-id", so a sealed value copied into
another row or column does not open. (django-fernet-fields is unmaintained and has no
associated data; django-cryptography and encrypted-model-fields seal values alone.)

How it works: the database column holds "v1:<key id>:<base64>". A value read from the
database stays sealed until the attribute is first read (the row's id is needed to open it);
assigning plain text marks it to be sealed again on save. `QuerySet.update()` cannot write
plain text by mistake: the field refuses anything that is not already sealed (see
`seal_for`). Sealed values cannot be searched or sorted: exact search goes through blind
indexes (continuum.core.blind_index).
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.db import models

from continuum.core.keyring import keyring


class Sealed(str):
    """Ciphertext as stored, not yet opened (or ready to be written as it is)."""


class _Plain:
    """Marks an attribute value as plain text assigned in Python, to be sealed on save."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _SealedAttribute:
    """The descriptor: opens on first read, with the row's id as associated data."""

    def __init__(self, field: EncryptedField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type) -> Any:
        if instance is None:
            return self
        if self.field.attname not in instance.__dict__:  # deferred by .only() / .defer()
            instance.refresh_from_db(fields=[self.field.attname])
        stored = instance.__dict__.get(self.field.attname)
        if isinstance(stored, _Plain):
            return stored.value
        if isinstance(stored, Sealed):
            value = self.field.open(instance.pk, stored)
            instance.__dict__[self.field.attname] = _Plain(value)
            return value
        return stored

    def __set__(self, instance: models.Model, value: Any) -> None:
        if isinstance(value, Sealed) or value is None:
            instance.__dict__[self.field.attname] = value
        else:
            instance.__dict__[self.field.attname] = _Plain(value)


# startswith is kept for `continuum keys`, which looks for a key id prefix (a Sealed value).
_SEALED_LOOKUPS = frozenset({"exact", "in", "isnull", "startswith"})


class EncryptedField(models.TextField):
    """Base: subclasses say how a Python value becomes text and back."""

    def __init__(self, *args: Any, plain_max_length: int | None = None, **kwargs: Any) -> None:
        # The limit is on what a person types; the column holds the longer ciphertext.
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _SealedAttribute(self))

    # --- text conversion, per subclass
    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    # --- sealing
    def aad(self, pk: Any) -> str:
        if pk is None:
            raise ValueError(f"{self.model.__name__} needs its id before {self.name} is sealed")
        return f"{self.model._meta.db_table}.{self.column}.{pk}"

    def seal_for(self, pk: Any, value: Any) -> Sealed | None:
        """The sealed form of `value` for the row `pk` (for QuerySet.update)."""
        if value is None:
            return None
        return Sealed(keyring().seal(self.to_text(value), aad=self.aad(pk)))

    def open(self, pk: Any, token: str) -> Any:
        return self.from_text(keyring().open(token, aad=self.aad(pk)))

    # --- Django hooks
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else Sealed(value)

    def to_python(self, value: Any) -> Any:
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        stored = model_instance.__dict__.get(self.attname)
        if isinstance(stored, _Plain):
            return self.seal_for(model_instance.pk, stored.value)
        return stored  # already sealed (unchanged since read) or None

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, Sealed):
            return None if value is None else str(value)
        raise TypeError(
            f"{self.model.__name__}.{self.name} takes sealed values only: use seal_for() "
            "(plain text must never reach the database, nor be filtered on)"
        )

    def get_lookup(self, lookup_name: str) -> Any:
        # Only lookups that prepare their value through get_prep_value (which refuses plain
        # text) make sense on sealed values; contains, startswith, iexact... would send the
        # text to the database as a query parameter and quietly match nothing.
        if lookup_name not in _SEALED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj: models.Model) -> str:
        return str(obj.__dict__.get(self.attname) or "")


class EncryptedTextField(EncryptedField):
    """Text: names, phone numbers, notes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_text(self, text: str) -> str:
        return text


class EncryptedDateField(EncryptedField):
    """A date (a date of birth), sealed as its ISO form."""

    # For django-stubs: the Python value is a date, whatever the column holds.
    _pyi_private_set_type: datetime.date | None  # type: ignore[assignment]
    _pyi_private_get_type: datetime.date | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def to_text(self, value: Any) -> str:
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise TypeError(f"{self.name} takes a date, not {type(value).__name__}")
        return value.isoformat()

    def from_text(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)


class EncryptedBinaryField(EncryptedField):
    """Bytes (an uploaded file, an export), sealed as base64 so that `continuum keys rotate`,
    purge and backups treat them like every other sealed value. Keep them small: the whole
    value is held in memory (uploads are limited to a few megabytes)."""

    _pyi_private_set_type: bytes | None  # type: ignore[assignment]
    _pyi_private_get_type: bytes | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def to_text(self, value: Any) -> str:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"{self.name} takes bytes, not {type(value).__name__}")
        return base64.b64encode(bytes(value)).decode("ascii")

    def from_text(self, text: str) -> bytes:
        return base64.b64decode(text)


class _SealedStartsWith(models.lookups.StartsWith):
    """A key-id prefix search for `continuum keys`: only with a Sealed prefix, never text."""

    def get_prep_lookup(self) -> Any:
        if not isinstance(self.rhs, Sealed):
            raise TypeError("sealed values can be searched only by their key-id prefix")
        return super().get_prep_lookup()


EncryptedField.register_lookup(_SealedStartsWith)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
