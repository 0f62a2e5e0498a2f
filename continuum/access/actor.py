"""The Actor: a signed-in user acting for one agency in one role.

Access and audit reason about actors, never about bare users: the same person may be a case
manager in one agency and a survivor-mentor in another, and sees different things in each.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from continuum.accounts.models import Agency, Membership, Role, User


class Channel(StrEnum):
    WEB = "web"
    API = "api"
    CLI = "cli"


@dataclass(frozen=True)
class Actor:
    user: User
    membership: Membership
    via: Channel = Channel.WEB

    @property
    def agency(self) -> Agency:
        return self.membership.agency

    @property
    def agency_id(self) -> int:
        return self.membership.agency_id

    @property
    def role(self) -> Role:
        return Role(self.membership.role)

    def __str__(self) -> str:
        return f"{self.user} as {self.membership}"
