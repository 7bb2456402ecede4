"""Loading administrative units in bulk: from a CSV of our own columns, from the official list in
force since 1 July 2025 shipped by the `vietnam-provinces` package, and the former units of 30
June 2025 with where each went, from the `vietnamadminunits` package."""

import csv
import importlib.util
import json
import math
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from households import services
from households.models import Area, FormerUnit, FormerUnitSuccessor
from households.search import fold
from povertycase.access import actor

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


# Former units (30 June 2025) ------------------------------------------------------------------

# vietnamadminunits maps old communes to new ones by name; where names repeat inside a merged
# province, a split commune picks up a namesake's successors tens of kilometres away (Phường 4
# of Tây Ninh "into" Phường Long An). A split commune's successors further than this from its
# centre are dropped; the nearest is always kept.
SPLIT_SUCCESSOR_MAX_KM = 30


def _vietnamadminunits_file(name: str):
    # Located without importing the package, whose __init__ loads geocoding libraries.
    spec = importlib.util.find_spec("vietnamadminunits")
    return Path(spec.submodule_search_locations[0]) / "data" / name


def _km(a: tuple, b: tuple) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    return math.hypot((lat1 - lat2) * 111.2, (lon1 - lon2) * 111.2 * math.cos(math.radians(lat1)))


def former_unit_rows(province: str | None = None) -> list[dict]:
    """The 63 provinces, 696 districts and 10,035 communes of 30 June 2025, parents first, each
    with `successors`: the (code, name) of today's communes its territory went into (communes,
    and the five island districts that had none). With `province` (today's code), only the
    units that went (in part) into it."""
    with sqlite3.connect(_vietnamadminunits_file("dataset.db")) as db:
        legacy = db.execute(
            "SELECT provinceCode, province, provinceKey, districtCode, district, districtKey, wardCode, ward, "
            "wardKey, wardLat, wardLon, districtLat, districtLon FROM admin_units_legacy "
            "ORDER BY provinceCode, districtCode, wardCode").fetchall()
        current = {(p_key, w_key): (code, name, p_code, (lat, lon)) for p_key, w_key, code, name, p_code, lat, lon in
                   db.execute("SELECT provinceKey, wardKey, wardCode, ward, provinceCode, wardLat, wardLon "
                              "FROM admin_units")}
    conversion = json.loads(_vietnamadminunits_file("converter_2025.json").read_text(encoding="utf-8"))
    units, by_key = {}, {}
    for (p, p_name, p_key, d, d_name, d_key, w, w_name, w_key, w_lat, w_lon, d_lat, d_lon) in legacy:
        units.setdefault(p, {"code": p, "name": p_name, "level": "province", "parent": None})
        units.setdefault(d, {"code": d, "name": d_name, "level": "district", "parent": p})
        if w:
            units[w] = {"code": w, "name": w_name, "level": "commune", "parent": d}
        # An island district without communes is keyed by itself, its commune part empty.
        by_key[f"{p_key}_{d_key}_{w_key or ''}"] = (w or d, (w_lat, w_lon) if w else (d_lat, d_lon))
    successors: dict = {}
    for new_province, wards in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_key, old_keys in wards.items():
            for old_key in old_keys:
                successors.setdefault(by_key[old_key][0], []).append(current[(new_province, new_key)])
    for new_province, olds in conversion["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, news in olds.items():
            code, where = by_key[old_key]
            found = sorted((current[(new_province, n["newWardKey"])] for n in news), key=lambda c: _km(where, c[3]))
            successors.setdefault(code, []).extend(
                [found[0]] + [c for c in found[1:] if _km(where, c[3]) <= SPLIT_SUCCESSOR_MAX_KM])
    for code, found in successors.items():
        units[code]["successors"] = sorted({(c[0], c[1]) for c in found})
    rows = list(units.values())
    if province is not None:
        into = {code for code, found in successors.items() if any(c[2] == province for c in found)}
        keep = set(into) | {units[c]["parent"] for c in into} - {None}
        keep |= {units[c]["parent"] for c in keep} - {None}
        rows = [r for r in rows if r["code"] in keep]
    return rows


@transaction.atomic
def former_units_load(rows: Iterable[Mapping], *, by) -> LoadResult:
    """Creates the former units, or corrects their names, parents and successors (a newer
    release of the dataset); nothing is deleted, so households keep their former communes.
    Parents come before children in `rows`."""
    existing = {u.code: u for u in FormerUnit.objects.all()}
    result = LoadResult()
    for row in rows:
        parent = existing[row["parent"]] if row["parent"] else None
        fields = {"name": row["name"], "level": row["level"], "parent": parent,
                  "path": f"{parent.path if parent else ''}{row['code']}/", "search_text": fold(row["name"])}
        unit = existing.get(row["code"])
        successors = [tuple(s) for s in row.get("successors", [])]
        stored = sorted(unit.successors.values_list("code", "name")) if unit else []
        if unit is None:
            unit = existing[row["code"]] = FormerUnit(code=row["code"], **fields)
            result.created += 1
        elif any(getattr(unit, k) != v for k, v in fields.items()) or stored != successors:
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        for field, value in fields.items():
            setattr(unit, field, value)
        unit._history_user = actor(by)
        unit.save()
        if stored != successors:
            unit.successors.all().delete()
            FormerUnitSuccessor.objects.bulk_create(
                [FormerUnitSuccessor(former_unit=unit, code=code, name=name) for code, name in successors])
    return result
