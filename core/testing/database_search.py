"""Search every text column of every table for a string: proof that a secret (or erased personal data)
is held nowhere in clear, whichever app's table it might have leaked into."""
from django.db import connection

TEXT_FIELDS = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "URLField", "GenericIPAddressField"}


def _text_columns(cursor):
    introspection = connection.introspection
    for table in introspection.table_names(cursor):
        for column in introspection.get_table_description(cursor, table):
            try:
                field = introspection.get_field_type(column.type_code, column)
            except KeyError:  # a type Django has no field for: not text
                continue
            if field in TEXT_FIELDS:
                yield table, column.name


def text_columns_containing(needle: str) -> list[str]:
    """`table.column` for every text or JSON column where some row contains `needle` (case-sensitive)."""
    quote = connection.ops.quote_name
    find = "strpos({}, %s) > 0" if connection.vendor == "postgresql" else "instr({}, %s) > 0"
    found = []
    with connection.cursor() as cursor:
        for table, column in list(_text_columns(cursor)):
            cursor.execute(f"SELECT 1 FROM {quote(table)} WHERE {find.format(f'CAST({quote(column)} AS TEXT)')} LIMIT 1",
                           [needle])
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found
