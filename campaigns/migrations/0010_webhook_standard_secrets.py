"""Webhook subscriptions move to Standard Webhooks `whsec_` secrets, with room for a rotated one.

An existing secret becomes `whsec_` + base64(its bytes): the HMAC key stays the very same bytes, so a
receiver keeps its key and changes only how it reads the headers."""
import base64

import campaigns.models.webhooks
from django.db import migrations, models


def to_standard_secrets(apps, schema_editor):
    WebhookSubscription = apps.get_model("campaigns", "WebhookSubscription")
    for subscription in WebhookSubscription.objects.exclude(secret__startswith="whsec_"):
        subscription.secret = "whsec_" + base64.b64encode(subscription.secret.encode()).decode()
        subscription.save(update_fields=["secret"])


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0009_outbox_encrypted_secret'),
    ]

    operations = [
        migrations.AddField(
            model_name='webhooksubscription',
            name='previous_secret',
            field=models.CharField(blank=True, help_text='The secret replaced by the last rotation; still signs until it ends.', max_length=255),
        ),
        migrations.AddField(
            model_name='webhooksubscription',
            name='previous_secret_expires_at',
            field=models.DateTimeField(blank=True, help_text='Until then each delivery carries a second signature, by the previous secret.', null=True),
        ),
        migrations.AlterField(
            model_name='webhooksubscription',
            name='secret',
            field=models.CharField(default=campaigns.models.webhooks.new_webhook_secret, help_text='Signs each delivery (Standard Webhooks: webhook-signature v1, HMAC-SHA256); give it to the receiver.', max_length=255, validators=[campaigns.models.webhooks.validate_webhook_secret]),
        ),
        migrations.RunPython(to_standard_secrets, migrations.RunPython.noop),
    ]
