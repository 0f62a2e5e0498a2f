"""A form field for choosing an agency that says which agencies have not signed the MOU in
force of their protocol, wherever an agency is chosen (the protocol issue asks it)."""

from __future__ import annotations

from typing import Any

from django import forms

from continuum.protocols.queries import unsigned_member_ids, with_mou_flag


class MemberAgencyField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # Asked once per form (Django copies declared fields into each form instance).
        if not hasattr(self, "_unsigned"):
            self._unsigned = unsigned_member_ids()
        return with_mou_flag(obj.name, obj.pk, self._unsigned)
