"""Hand-written SELECTs on a hot path, with the columns converted as the ORM would.

Building a query through the ORM costs about a millisecond of processor time per
statement (joins, aliases, compiling); a survey answer POST ran two of them. A hand-written
statement names its columns with ``Columns`` and gets back what the ORM would have given:
the database converters (a SQLite date-time string, a UUID, a boolean) run on each value.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Field, Model


class Columns:
    """The fields a hand-written SELECT reads, in order: (table alias, field) pairs."""

    def __init__(self, fields: Sequence[tuple[str, Field]]):
        self.fields = list(fields)
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(field.column)}" for alias, field in self.fields)
        self._converters: dict[str, list] = {}  # per database vendor

    @classmethod
    def of(cls, alias: str, model: type[Model], names: Sequence[str] | None = None) -> "Columns":
        """A model's concrete fields (``names``: only these, by field name)."""
        meta = model._meta
        fields = meta.concrete_fields if names is None else [meta.get_field(n) for n in names]
        return cls([(alias, field) for field in fields])

    def __add__(self, other: "Columns") -> "Columns":
        return Columns(self.fields + other.fields)

    def convert(self, row: Sequence) -> list:
        """The row's values as the ORM returns them."""
        converters = self._converters.get(connection.vendor)
        if converters is None:
            converters = []
            for alias, field in self.fields:
                col = field.get_col(alias)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                converters.append((col, found))
            self._converters[connection.vendor] = converters
        values = list(row)
        for position, (col, found) in enumerate(converters):
            for converter in found:
                values[position] = converter(values[position], col, connection)
        return values


def table(model: type[Model]) -> str:
    """The model's table name, quoted for hand-written SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    """The column of the model's field ``name``, quoted for hand-written SQL."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def instance(model: type[Model], values: Sequence, attnames: Sequence[str] = ()) -> Model:
    """A model instance from its concrete fields' converted values, as a query loads it:
    all of them, or those of ``attnames`` (the others load when first used)."""
    return model.from_db(connection.alias, attnames, values)
