"""Error reporting to Sentry, on only when SENTRY_DSN is set (settings call `sentry_init`).

Django and Celery integrations report unhandled errors of requests and tasks; personal data (user ids,
cookies, request bodies, client addresses) is never sent (`send_default_pii=False`).
"""


def sentry_init(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> bool:
    """Start the Sentry client when `dsn` is set; returns whether it did. Nothing happens without a DSN."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
    return True
