"""Operations: readiness checks, Prometheus metrics and beat's heartbeat.

The top floor (beside portal and dashboards): it reads loyalty's signals and campaigns' outbox backlog,
and nothing below imports it.
"""
