"""Writing many rows with their history. Inserts: on PostgreSQL, COPY (an order of magnitude
faster than INSERT for 100,000 rows); elsewhere django-simple-history's bulk_create_with_history.
Both write the same rows: the import tests run on SQLite and on PostgreSQL. Updates are
set-based querysets; `history_of` then copies the changed rows into their history table."""

import json
import operator

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from povertycase.access import actor


def insert_with_history(model: type[models.Model], objs: list, *, by, batch_size: int = 2000) -> None:
    if not objs:
        return
    if connection.vendor != "postgresql":
        bulk_create_with_history(objs, model, batch_size=batch_size, default_user=actor(by))
        return
    now = timezone.now()
    stamped = [f.attname for f in model._meta.concrete_fields
               if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for attname in stamped:
            setattr(obj, attname, now)
    _copy(model, [f for f in model._meta.concrete_fields], objs, {})
    history = model.history.model
    extra = {"history_date": now, "history_change_reason": None, "history_type": "+",
             "history_user_id": getattr(actor(by), "pk", None)}
    fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    _copy(history, fields, objs, extra)


def any_of(values) -> list | RawSQL:
    """For `filter(pk__in=any_of(ids))` with thousands of ids: on PostgreSQL one array
    parameter instead of a placeholder per id, whose building and planning cost more than
    finding the rows."""
    values = list(values)
    if connection.vendor != "postgresql" or len(values) < 100:
        return values
    return RawSQL("SELECT unnest(%s)", (values,))


def history_of(queryset, *, by, when, reason: str | None = None) -> None:
    """A history row ("~", by `by` at `when`) for each row of `queryset` as it stands now, in one
    INSERT ... SELECT: for rows changed by set-based UPDATEs, which build no model instances."""
    history = queryset.model.history.model
    fields = history.tracked_fields
    stamps = {"history_date": Value(when, output_field=models.DateTimeField()),
              "history_type": Value("~", output_field=models.CharField()),
              "history_user_id": Value(getattr(actor(by), "pk", None), output_field=models.BigIntegerField()),
              "history_change_reason": Value(reason, output_field=models.CharField())}
    rows = (queryset.order_by().annotate(**{f"stamp_{name}": value for name, value in stamps.items()})
            .values_list(*(f.attname for f in fields), *(f"stamp_{name}" for name in stamps)))
    try:
        select, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return
    columns = ", ".join(connection.ops.quote_name(name) for name in [*(f.column for f in fields), *stamps])
    table = connection.ops.quote_name(history._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


def insert_rows(model: type[models.Model], rows: list[dict], *, batch_size: int = 5000) -> None:
    """Insert derived rows given as dicts of field attnames (no history: they are recomputed,
    never edited). COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=batch_size)
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    _copy(model, fields, rows, {}, get=operator.itemgetter)


def _copy(model, fields, objs, extra: dict, get=operator.attrgetter) -> None:
    # psycopg adapts dates, UUIDs and numbers itself; only JSON is serialised here. Going
    # through each field's get_db_prep_save costs more than the COPY.
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    getters = []
    for f in fields:
        if f.attname in extra:
            getters.append(lambda obj, value=extra[f.attname]: value)
        elif isinstance(f, models.JSONField):
            getters.append(lambda obj, read=get(f.attname): json.dumps(read(obj)))
        else:
            getters.append(get(f.attname))
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([get(obj) for get in getters])
