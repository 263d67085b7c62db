from django.dispatch import Signal

# Sent for each delivery report a provider called back with (a messaging.sms.DeliveryStatus as `status`).
# The outbox's owner (campaigns) answers True once the report is tied to its message and recorded; a report
# nobody could place yet (the send is not recorded yet) is answered "try again" to the provider.
delivery_reported = Signal()
