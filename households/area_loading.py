"""Loading administrative units in bulk: from a CSV of our own columns, or from the official
list in force since 1 July 2025 shipped by the `vietnam-provinces` package."""

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from households import services
from households.models import Area

AREA_COLUMNS = ["code", "name", "level", "parent", "residence"]
LEVEL_ORDER = {level: rank for rank, level in enumerate(Area.PARENT_LEVELS)}


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class AreaLoadError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def read_area_csv(stream) -> list[dict]:
    reader = csv.DictReader(stream)
    missing = [c for c in AREA_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AreaLoadError([_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}])
    return [{c: (row.get(c) or "").strip() for c in AREA_COLUMNS} for row in reader]


@transaction.atomic
def areas_load(rows: Iterable[Mapping], *, by) -> LoadResult:
    """Creates or corrects every unit; parents are loaded before their children whatever the
    order of the rows. Any bad row: nothing is written and every error is reported."""
    numbered = list(enumerate(rows, start=2))  # row 1 is the CSV header
    errors = []
    for line, row in numbered:
        if row.get("level") not in LEVEL_ORDER:
            errors.append(_("Row %(line)d: level: unknown level %(level)r.") % {"line": line, "level": row.get("level")})
    if errors:
        raise AreaLoadError(errors)
    numbered.sort(key=lambda item: LEVEL_ORDER[item[1]["level"]])
    existing = {area.code: area for area in Area.objects.select_related("parent")}
    result = LoadResult()
    for line, row in numbered:
        parent = existing.get(row["parent"]) if row["parent"] else None
        if row["parent"] and parent is None:
            errors.append(_("Row %(line)d: parent: no unit with code %(code)s.") % {"line": line, "code": row["parent"]})
            continue
        residence = row["residence"]
        if row["level"] == Area.Level.VILLAGE and not residence and parent is not None:
            residence = parent.residence
        fields = {"name": row["name"], "level": row["level"], "parent": parent, "residence": residence}
        try:
            with transaction.atomic():
                area = existing.get(row["code"])
                if area is None:
                    existing[row["code"]] = services.area_create(by=by, code=row["code"], **fields)
                    result.created += 1
                elif any(getattr(area, k) != v for k, v in fields.items()):
                    existing[row["code"]] = services.area_update(area=area, by=by, changes=fields)
                    result.updated += 1
                else:
                    result.unchanged += 1
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.extend(f"Row {line}: {field}: {m}" for m in messages)
    if errors:
        raise AreaLoadError(errors)
    return result


def official_area_rows(province: str | None = None) -> list[dict]:
    """Provinces and communes in force since 1 July 2025 (Decision 19/2025/QĐ-TTg). The package
    keeps codes as integers; ours are strings padded to 2 and 5 digits."""
    from vietnam_provinces import Province, VietNamDivisionType, Ward

    rows = []
    for p in Province.iter_all():
        code = f"{int(p.code):02d}"
        if province in (None, code):
            rows.append({"code": code, "name": p.name, "level": "province", "parent": "", "residence": ""})
    for w in Ward.iter_all():
        parent = f"{int(w.province_code):02d}"
        if province in (None, parent):
            # Wards (phường) are urban; communes (xã) and special zones (đặc khu) rural.
            residence = "urban" if w.division_type == VietNamDivisionType.PHUONG else "rural"
            rows.append({"code": f"{int(w.code):05d}", "name": w.name, "level": "commune",
                         "parent": parent, "residence": residence})
    return rows
