"""The change log of one household and its members, read from django-simple-history's
tables: who changed what, when, with old and new values."""

from households.models import Area, Household, Member

HIDDEN = {"id", "household", "search_text", "version", "created_at", "updated_at"}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _tracked_fields(model):
    return [f for f in model.history.model.tracked_fields if f.name not in HIDDEN]


def _entries(records, *, kind, fields, label):
    previous = {}
    entries = []
    for record in records:
        before = previous.get(record.id)
        if before is None:
            changes = [
                (name, None, getattr(record, attname))
                for name, attname in fields
                if getattr(record, attname) not in (None, "", [], False)
            ]
        else:
            delta = record.diff_against(before, excluded_fields=HIDDEN)
            changes = [(c.field, c.old, c.new) for c in delta.changes]
        previous[record.id] = record
        if before is not None and not changes and not record.history_change_reason:
            continue
        entries.append(
            {
                "at": record.history_date,
                "user": record.history_user.username if record.history_user else None,
                "action": ACTIONS[record.history_type],
                "object": kind,
                "object_id": record.id,
                "label": label(record),
                "reason": record.history_change_reason,
                "changes": [{"field": f, "old": o, "new": n} for f, o, n in changes],
            }
        )
    return entries


def _field_attnames(model):
    return [(f.name, f.attname) for f in _tracked_fields(model)]


def household_history(household: Household) -> list[dict]:
    """Every change to the household and its members, newest first."""
    household_records = (
        Household.history.filter(id=household.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    member_records = (
        Member.history.filter(household_id=household.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    entries = _entries(
        household_records,
        kind="household",
        fields=_field_attnames(Household),
        label=lambda r: r.code,
    ) + _entries(
        member_records,
        kind="member",
        fields=_field_attnames(Member),
        label=lambda r: r.full_name,
    )
    # Area references are stored as ids; people read codes.
    area_ids = {
        value
        for entry in entries
        for change in entry["changes"]
        if change["field"] in ("area", "area_id")
        for value in (change["old"], change["new"])
        if value is not None
    }
    codes = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "code"))
    for entry in entries:
        for change in entry["changes"]:
            if change["field"] in ("area", "area_id"):
                change["field"] = "area"
                change["old"] = codes.get(change["old"], change["old"])
                change["new"] = codes.get(change["new"], change["new"])
    entries.sort(key=lambda e: (e["at"], e["object"] == "member"), reverse=True)
    return entries
