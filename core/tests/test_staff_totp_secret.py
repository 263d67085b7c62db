"""Staff authenticator secrets are encrypted at rest (core.StaffTOTPDevice), and the migration that moved
django-otp's plain-hex devices kept every app working and left no plain secret behind."""
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django_otp.oath import TOTP

from core.encryption import field_decrypt
from core.models import StaffTOTPDevice
from core.testing.database_search import text_columns_containing

pytestmark = pytest.mark.django_db
OLD_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, as django-otp stored it


def _execute(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_an_enrolled_secret_is_nowhere_in_clear_and_its_codes_work(admin_client, django_user_model):
    # when a staff user starts adding an authenticator app
    admin_client.post("/admin/two-factor/", {"action": "start"})
    device = StaffTOTPDevice.objects.get(user__username="admin")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM core_stafftotpdevice WHERE id = %s", [device.pk])
        (stored,) = cursor.fetchone()
    # then the secret (hex, and as the base32 the page shows) is in no text column, the stored value opens to it
    assert len(device.key) == 40 and text_columns_containing(device.key) == []
    assert field_decrypt(stored) == device.key
    # and the app set up from it confirms the device with its current code, once
    response = admin_client.post("/admin/two-factor/", {"action": "confirm", "otp_token": _code(device)})
    device.refresh_from_db()
    assert response.status_code == 302 and device.confirmed
    assert not device.verify_token(_code(device))  # the same code a second time


def test_the_migration_moves_plain_devices_and_drops_their_table(django_user_model):
    staff = django_user_model.objects.create_user("clerk", is_staff=True)
    timestamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(f"""CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, user_id integer, name varchar(64),
            confirmed boolean, throttling_failure_timestamp {timestamp} NULL, throttling_failure_count integer,
            created_at {timestamp} NULL, last_used_at {timestamp} NULL, key varchar(80), step smallint, t0 bigint,
            digits smallint, tolerance smallint, drift smallint, last_t bigint)""")
        cursor.execute("""INSERT INTO otp_totp_totpdevice VALUES (7, %s, 'phone', true, NULL, 2,
            '2026-01-02 03:04:05+00', NULL, %s, 30, 0, 6, 1, 0, -1)""", [staff.pk, OLD_KEY])
    migration = importlib.import_module("core.migrations.0006_staff_totp_device_encrypted")
    # when the data migration runs
    # (the editor's two methods it uses: SQLite refuses a real schema editor inside the test's transaction)
    migration.devices_move(apps, SimpleNamespace(connection=connection, execute=_execute))
    # then the device is ours with the same secret (its app's codes still work), created when it was
    device = StaffTOTPDevice.objects.get(user=staff)
    assert (device.name, device.confirmed, device.throttling_failure_count) == ("phone", True, 2)
    assert device.key == OLD_KEY and device.created_at.isoformat().startswith("2026-01-02T03:04:05")
    assert device.verify_token(_code(device))
    # and the plain secret is gone with django-otp's table
    assert "otp_totp_totpdevice" not in connection.introspection.table_names()
    assert text_columns_containing(OLD_KEY) == []
