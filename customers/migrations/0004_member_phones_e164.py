"""Stored phones to E.164 (customers.phones.phone_normalise), as every new phone is written since.

Each distinct stored value is parsed once; the changes are written set-based, one UPDATE per batch of
distinct values through a temporary old → new table. A value that is not a valid number is left as it is
and counted in the output, for staff to correct by hand (the admin's member search finds it as typed).
"""
import sys

from django.db import migrations
from django.db.models import Count

BATCH = 5000


def _write(cursor, pairs):
    cursor.execute("DELETE FROM customers_phone_map")
    cursor.executemany("INSERT INTO customers_phone_map (old, new) VALUES (%s, %s)", pairs)
    cursor.execute(
        """UPDATE customers_member
              SET phone = (SELECT m.new FROM customers_phone_map m WHERE m.old = customers_member.phone)
            WHERE phone IN (SELECT old FROM customers_phone_map)"""
    )
    return cursor.rowcount


def normalise_phones(apps, schema_editor):
    from customers.phones import PhoneInvalid, phone_normalise

    Member = apps.get_model("customers", "Member")
    stored = (Member.objects.using(schema_editor.connection.alias).exclude(phone="").order_by()
              .values_list("phone").annotate(members=Count("id")))
    changed = unparseable = 0
    examples = []
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE customers_phone_map (old VARCHAR(32) PRIMARY KEY, new VARCHAR(32) NOT NULL)")
        pairs = []
        for phone, members in stored.iterator(chunk_size=BATCH):
            try:
                new = phone_normalise(phone)
            except PhoneInvalid:
                unparseable += members
                examples.append(phone)
                continue
            if new != phone:
                pairs.append((phone, new))
            if len(pairs) >= BATCH:
                changed += _write(cursor, pairs)
                pairs = []
        if pairs:
            changed += _write(cursor, pairs)
        cursor.execute("DROP TABLE customers_phone_map")
    if changed or unparseable:
        shown = ", ".join(repr(phone) for phone in examples[:5])
        sys.stdout.write(f"\n  Phones: {changed} members' phones rewritten in E.164; {unparseable} members keep a phone "
                         f"that is not a valid number{f' (e.g. {shown})' if shown else ''}.\n")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_engagement_import_fields"),
    ]

    operations = [
        migrations.RunPython(normalise_phones, migrations.RunPython.noop, elidable=True),
    ]
