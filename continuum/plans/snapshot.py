"""A care plan as plain data: the snapshot each PlanVersion keeps, what changed between two
snapshots, and whether an editor's change clashes with changes made since they loaded.

A snapshot is a dict of goals, tasks and services, each keyed by id, with the names of the
agencies and people as they were (a version from last year reads as it did then). Every item
carries its data category, so a comparison shows each reader only what they may see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from continuum.plans.models import (
    CarePlan,
    Goal,
    GoalStatus,
    PlannedService,
    PlanTask,
    ServiceStatus,
    TaskStatus,
)

type Snapshot = dict[str, Any]

KINDS = ("goals", "tasks", "services")
NO_CHANGE = gettext_lazy("No change")
KIND_LABELS = {
    "goals": gettext_lazy("Goal"),
    "tasks": gettext_lazy("Task"),
    "services": gettext_lazy("Service"),
}
# The fields compared, and how each is named to a person.
FIELD_LABELS = {
    "words": gettext_lazy("In their words"),
    "category": gettext_lazy("Kind of data"),
    "status": gettext_lazy("Status"),
    "needs": gettext_lazy("Needs it meets"),
    "goal": gettext_lazy("Goal"),
    "title": gettext_lazy("What to do"),
    "owner": gettext_lazy("Who"),
    "due_on": gettext_lazy("By"),
    "description": gettext_lazy("Service"),
    "provider": gettext_lazy("Provider"),
}
COMPARED = {
    "goals": ("words", "category", "status", "needs"),
    "tasks": ("title", "goal", "owner", "due_on", "status"),
    "services": ("description", "goal", "provider", "status"),
}


def empty() -> Snapshot:
    return {"goals": {}, "tasks": {}, "services": {}}


def build(plan: CarePlan) -> Snapshot:
    """The plan as it is in the database now (4 queries)."""
    goals = list(Goal.objects.filter(plan=plan).prefetch_related("needs__domain"))
    tasks = list(PlanTask.objects.filter(plan=plan).select_related("owner_agency", "owner_user"))
    services = list(PlannedService.objects.filter(plan=plan).select_related("provider"))
    return {
        "goals": {str(g.pk): goal_data(g) for g in goals},
        "tasks": {str(t.pk): task_data(t) for t in tasks},
        "services": {str(s.pk): service_data(s) for s in services},
    }


def goal_data(goal: Goal) -> dict[str, Any]:
    return {
        "words": goal.words,
        "category": goal.category,
        "status": goal.status,
        "position": goal.position,
        # Each need with its domain's category: a reader sees only the needs they may.
        "needs": sorted(
            ([str(n.pk), n.domain.name, n.domain.category] for n in goal.needs.all()),
            key=lambda row: row[1],
        ),
    }


def task_data(task: PlanTask) -> dict[str, Any]:
    return {
        "title": task.title,
        "goal": str(task.goal_id) if task.goal_id else None,
        "category": task.category,
        "owner": [task.owner_agency_id, task.owner_user_id, owner_label(task)],
        "due_on": task.due_on.isoformat() if task.due_on else None,
        "status": task.status,
        "position": task.position,
    }


def service_data(service: PlannedService) -> dict[str, Any]:
    return {
        "description": service.description,
        "goal": str(service.goal_id) if service.goal_id else None,
        "category": service.category,
        "provider": [service.provider_id, service.provider.name if service.provider else ""],
        "status": service.status,
        "position": service.position,
    }


def owner_label(task: PlanTask) -> str:
    if task.owner_user is not None:
        name = task.owner_user.get_full_name() or task.owner_user.username
        return f"{name}, {task.owner_agency.name}"
    return task.owner_agency.name


def dumps(snapshot: Snapshot) -> str:
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False)


def loads(text: str) -> Snapshot:
    data = json.loads(text or "{}")
    return {kind: dict(data.get(kind, {})) for kind in KINDS}


# --- comparing ----------------------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    before: str
    after: str

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.name, self.name))


@dataclass
class ItemChange:
    kind: str  # goals, tasks, services
    id: str
    change: str  # added, removed, changed
    title: str  # the item's words now (or before, when removed)
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def change_label(self) -> str:
        return {
            "added": _("added"),
            "removed": _("removed"),
            "changed": _("changed"),
        }[self.change]


def _shown(item: dict[str, Any] | None, readable: frozenset[str]) -> bool:
    return item is not None and item.get("category") in readable


def display(
    kind: str, name: str, item: dict[str, Any], goals: dict[str, Any], readable: frozenset[str]
) -> str:
    """One field of an item as words a person reads."""
    value = item.get(name)
    if name == "needs":
        return ", ".join(row[1] for row in value or [] if row[2] in readable) or "—"
    if name == "owner":
        return str(value[2]) if value else "—"
    if name == "provider":
        return str(value[1]) if value and value[1] else "—"
    if name == "goal":
        goal = goals.get(value) if value else None
        return str(goal["words"]) if goal is not None and _shown(goal, readable) else "—"
    if name == "status":
        choices = {"goals": GoalStatus, "tasks": TaskStatus, "services": ServiceStatus}[kind]
        return str(choices(value).label) if value in choices.values else str(value)
    if name == "category":
        from continuum.access.categories import DataCategory

        return DataCategory(str(value)).label if value in DataCategory._value2member_map_ else ""
    return str(value) if value not in (None, "") else "—"


def _title(kind: str, item: dict[str, Any]) -> str:
    return str(item.get({"goals": "words", "tasks": "title", "services": "description"}[kind]))


def compare(before: Snapshot, after: Snapshot, readable: frozenset[str]) -> list[ItemChange]:
    """What changed from `before` to `after`, item by item, as far as the reader may see:
    an item of a category they may not see is left out, and so is a need they may not see
    from a goal's list."""
    changes: list[ItemChange] = []
    for kind in KINDS:
        old, new = before.get(kind, {}), after.get(kind, {})
        for item_id in list(new) + [i for i in old if i not in new]:
            a, b = old.get(item_id), new.get(item_id)
            if not (_shown(a, readable) or _shown(b, readable)):
                continue
            if a is None or not _shown(a, readable):
                assert b is not None
                changes.append(ItemChange(kind, item_id, "added", _title(kind, b)))
                continue
            if b is None or not _shown(b, readable):
                changes.append(ItemChange(kind, item_id, "removed", _title(kind, a)))
                continue
            # Changed means the value changed, not its words: a task stays the same task
            # when its goal is reworded, an owner when their agency is renamed.
            differ = [
                FieldChange(
                    name,
                    display(kind, name, a, before.get("goals", {}), readable),
                    display(kind, name, b, after.get("goals", {}), readable),
                )
                for name in COMPARED[kind]
                if _shown_value(name, a.get(name), readable)
                != _shown_value(name, b.get(name), readable)
            ]
            if differ:
                changes.append(ItemChange(kind, item_id, "changed", _title(kind, b), differ))
    return changes


def summary_of(changes: list[ItemChange]) -> str:
    """Labels only, for the timeline and the version list: "Goal added; task changed"."""
    parts = [f"{c.kind_label} {c.change_label}" for c in changes]
    counted: dict[str, int] = {}
    for part in parts:
        counted[part] = counted.get(part, 0) + 1
    text = "; ".join(f"{part} (x{n})" if n > 1 else part for part, n in counted.items())
    return (text or str(NO_CHANGE))[:300]


# --- clashes ------------------------------------------------------------------------------


def clashes(
    kind: str,
    item_id: str | None,
    base: Snapshot,
    current: Snapshot,
    mine: dict[str, Any],
) -> list[str]:
    """The fields of one item that someone else changed since `base` and that the editor
    also set to something else. An added item never clashes; a removed one always does."""
    if item_id is None:
        return []
    then = base.get(kind, {}).get(item_id)
    now = current.get(kind, {}).get(item_id)
    if now is None:
        return ["removed"]
    if then is None:
        return []
    return [
        name
        for name in COMPARED[kind]
        if name in mine
        and _norm(name, then.get(name)) != _norm(name, now.get(name))
        and _norm(name, mine[name]) != _norm(name, now.get(name))
    ]


def _shown_value(name: str, value: Any, readable: frozenset[str]) -> Any:
    """What a reader could see change of a field: the needs they may see, by id."""
    if name == "needs":
        return sorted(row[0] for row in value or [] if row[2] in readable)
    return _norm(name, value)


def _norm(name: str, value: Any) -> Any:
    """A field's value without its display names (an agency renamed is not a change)."""
    if name == "owner":
        return list(value[:2]) if value else None
    if name == "provider":
        return value[0] if value else None
    if name == "needs":
        return sorted(row[0] for row in value or [])
    return value
