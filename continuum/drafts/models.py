"""What someone typed into a long form and had not saved yet, kept for them alone.

A draft exists so that an idle sign-out (automatic logoff) does not cost a case manager the
assessment they were typing during a conversation. It is sealed like a case note, belongs to
one person acting for one membership, lives CONTINUUM_DRAFT_HOURS, and goes with the survivor
when the retention purge destroys their record.
"""

from __future__ import annotations

import json
import uuid

from django.db import models

from continuum.accounts.models import Membership, User
from continuum.core.encrypted import EncryptedTextField
from continuum.survivors.models import Survivor


class Draft(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="drafts")
    # The agency and role the person acted for: a draft typed for one agency is never put
    # back into a form opened for another.
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    # Names the form, e.g. "cases.note:<case id>". Ids only, never what was typed.
    key = models.CharField(max_length=200)
    # Whom the form is about, so that destroying the person destroys their drafts too.
    survivor = models.ForeignKey(
        Survivor, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # JSON {field name: [values]}, as the browser would have submitted the form.
    data = EncryptedTextField()
    saved_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "membership", "key"], name="draft_one_per_person_and_form"
            )
        ]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return self.key

    @property
    def fields(self) -> dict[str, list[str]]:
        loaded = json.loads(self.data or "{}")
        return loaded if isinstance(loaded, dict) else {}
