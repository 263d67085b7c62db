"""Email provider side: suppression of addresses that hard-bounced, and the ESPs' tracking webhooks
(through Anymail) turned into delivery reports for the outbox's owner."""
