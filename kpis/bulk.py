"""Bulk writes of many rows: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

The CSV import writes 100,000 tickets and the rollup refresh thousands of rows at once.
Through ``bulk_create`` Django prepares every value of every row in Python (about 15
function calls per value) and builds model instances first; on PostgreSQL ``COPY`` takes
the row tuples as they are, several times faster. Values must be what the model field
stores (ids for foreign keys, aware datetimes, dates, booleans, integers, text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def _use_copy() -> bool:
    return connection.vendor == "postgresql"


def _columns(model, fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in fields]


def insert(model, fields: Sequence[str], rows: Iterable[Sequence], batch_size: int = 2000) -> int:
    """Insert ``rows`` (tuples of the ``fields`` values, in that order); returns the
    number of rows. No signals, no save(), as with bulk_create."""
    rows = list(rows)
    if not rows:
        return 0
    if _use_copy():
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in _columns(model, fields))
        with connection.cursor() as cursor:
            _copy(cursor, f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", rows)
    else:
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=batch_size
        )
    return len(rows)


def upsert(
    model,
    fields: Sequence[str],
    rows: Sequence[Sequence],
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    batch_size: int = 2000,
) -> None:
    """Insert ``rows``, or update ``update_fields`` of the stored row with the same
    ``unique_fields`` values (a unique constraint; as ``bulk_create(update_conflicts=True)``).
    ``rows`` must not hold the same values twice. On PostgreSQL: COPY into a temporary
    table, then one ``INSERT … SELECT … ON CONFLICT DO UPDATE``."""
    if not rows:
        return
    if not _use_copy():
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows],
            update_conflicts=True,
            unique_fields=list(unique_fields),
            update_fields=list(update_fields),
            batch_size=batch_size,
        )
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in _columns(model, fields))
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in _columns(model, update_fields))
    conflict = ", ".join(quote(c) for c in _columns(model, unique_fields))
    staging = quote(f"{model._meta.db_table}_upsert")
    with connection.cursor() as cursor:
        # Dropped when the transaction ends; reused (emptied) by later batches.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {staging}")
        _copy(cursor, f"COPY {staging} ({columns}) FROM STDIN", rows)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )


def _copy(cursor, statement: str, rows: Iterable[Sequence]) -> None:
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
