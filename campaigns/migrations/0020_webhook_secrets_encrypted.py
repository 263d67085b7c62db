"""Webhook signing secrets encrypted at rest: the column type first, then every stored plain secret encrypted.

The rows are read and written with plain SQL, since the model's field would try to decrypt what is still
plain. A value some configured key already opens is left as it is, so running this again changes nothing.
"""
import campaigns.models.webhooks
import core.encryption
from django.db import migrations

from core.encryption import FieldDecryptError, field_decrypt, field_encrypt



def _is_encrypted(value: str) -> bool:
    try:
        field_decrypt(value)
    except FieldDecryptError:
        return False
    return True


def _rewrite(schema_editor, convert):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, secret, previous_secret FROM campaigns_webhooksubscription")
        for pk, *values in cursor.fetchall():
            new = [convert(value) if value else value for value in values]
            if new != values:
                cursor.execute("UPDATE campaigns_webhooksubscription SET secret = %s, previous_secret = %s "
                               "WHERE id = %s", [*new, pk])


def encrypt_secrets(apps, schema_editor):
    _rewrite(schema_editor, lambda value: value if _is_encrypted(value) else field_encrypt(value))


def decrypt_secrets(apps, schema_editor):
    _rewrite(schema_editor, lambda value: field_decrypt(value) if _is_encrypted(value) else value)


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0019_event_campaigns'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhooksubscription',
            name='previous_secret',
            field=core.encryption.EncryptedTextField(blank=True, help_text='The secret replaced by the last rotation; still signs until it ends.', verbose_name='previous secret'),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='secret',
            field=core.encryption.EncryptedTextField(default=campaigns.models.webhooks.new_webhook_secret, help_text='Signs each delivery (Standard Webhooks: webhook-signature v1, HMAC-SHA256); give it to the receiver.', validators=[campaigns.models.webhooks.validate_webhook_secret], verbose_name='secret'),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
