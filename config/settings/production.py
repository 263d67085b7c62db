"""Production: everything from the environment (.env.example lists it); refuses to start without its services.

`manage.py check --deploy` is clean with the environment .env.example documents (CI runs it).
"""
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .base import *  # noqa: F401,F403
from .base import database_config, env


def required(name: str) -> str:
    """The variable's value; ImproperlyConfigured naming it when it is unset or empty."""
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable: production does not start without it (see .env.example)."
        )
    return value


DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")
# No default: a host list of localhost would answer 400 to every real request, or worse, hide a typo.
ALLOWED_HOSTS = [host.strip() for host in required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {"default": database_config(required("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
CELERY_BROKER_URL = required("CELERY_BROKER_URL")
# Rate limits, idempotency locks and sign-in throttles must be shared by every process: Redis, not memory.
CACHES = {"default": env.cache_url_config(required("CACHE_URL"))}

# --- static files: whitenoise serves them from STATIC_ROOT (`manage.py collectstatic`, the release step) ---
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cached for a year by browsers and proxies) and gzip/brotli copies made once at collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))  # noqa: F405
# Right after SecurityMiddleware (its redirect to https first), before anything that reads the session.
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")
# Source maps are read by browsers' developer tools only: not worth compressing at every release.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# --- mail: an Anymail provider (ANYMAIL_PROVIDER and its keys), or EMAIL_URL (SMTP) ---
# provider: (back end, required variables, optional variables); each variable becomes the ANYMAIL setting
# of the same name. The *_API_URL variables point a provider at another region (or a fake server in tests).
# Tracking webhooks (/hooks/email/<provider>/tracking/) are checked with the provider's signature where it signs
# (Mailgun: MAILGUN_WEBHOOK_SIGNING_KEY; Unisender Go: its API key) and with ANYMAIL_WEBHOOK_SECRET (basic auth
# "user:password" in the webhook URL) where it does not (Postmark, SendGrid, Mailjet, Brevo).
ANYMAIL_PROVIDERS = {
    # Unisender Go: the API URL names the account's data centre (go1 or go2.unisender.ru/ru/transactional/api/v1/);
    # Anymail's back end, sending the outbox key as the provider's idempotence_key
    "unisender_go": ("messaging.email.unisender_go.EmailBackend", ["UNISENDER_GO_API_KEY", "UNISENDER_GO_API_URL"], []),
    "mailgun": ("anymail.backends.mailgun.EmailBackend", ["MAILGUN_API_KEY"],
                ["MAILGUN_SENDER_DOMAIN", "MAILGUN_API_URL", "MAILGUN_WEBHOOK_SIGNING_KEY"]),
    "sendgrid": ("anymail.backends.sendgrid.EmailBackend", ["SENDGRID_API_KEY"], ["SENDGRID_API_URL"]),
    "postmark": ("anymail.backends.postmark.EmailBackend", ["POSTMARK_SERVER_TOKEN"], ["POSTMARK_API_URL"]),
    "mailjet": ("anymail.backends.mailjet.EmailBackend", ["MAILJET_API_KEY", "MAILJET_SECRET_KEY"],
                ["MAILJET_API_URL"]),
    "brevo": ("anymail.backends.brevo.EmailBackend", ["BREVO_API_KEY"], ["BREVO_API_URL"]),
    "resend": ("anymail.backends.resend.EmailBackend", ["RESEND_API_KEY"], ["RESEND_API_URL"]),
}
ANYMAIL_PROVIDER = env.str("ANYMAIL_PROVIDER", default="").strip().lower()
if ANYMAIL_PROVIDER:
    if ANYMAIL_PROVIDER not in ANYMAIL_PROVIDERS:
        raise ImproperlyConfigured(
            f"ANYMAIL_PROVIDER={ANYMAIL_PROVIDER!r} is not one of {', '.join(sorted(ANYMAIL_PROVIDERS))}."
        )
    EMAIL_BACKEND, _required_keys, _optional_keys = ANYMAIL_PROVIDERS[ANYMAIL_PROVIDER]
    ANYMAIL = {name: required(name) for name in _required_keys}
    ANYMAIL.update({name: env.str(name) for name in _optional_keys if env.str(name, default="")})
    if env.str("ANYMAIL_WEBHOOK_SECRET", default=""):
        ANYMAIL["WEBHOOK_SECRET"] = env.list("ANYMAIL_WEBHOOK_SECRET")  # several while rotating
elif not env.str("EMAIL_URL", default=""):
    # Sign-in codes go by mail: printing them to a log in production would lose them without a word.
    raise ImproperlyConfigured(
        "Set EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587) or ANYMAIL_PROVIDER and its keys: "
        "production does not start without a way to send mail (EMAIL_URL=consolemail:// prints it to the log)."
    )
# else: base.py has read EMAIL_URL.

# --- HTTPS: TLS ends at the proxy in front, which says so in a header ---
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="X-Forwarded-Proto").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and the metrics scraper call the processes directly over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics/?$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
# Subdomains of the site's own host (the site usually has a host of its own, e.g. club.shop.ru).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
# Preloading is a commitment for the whole registered domain, which only its owner can make; it stays opt-in.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405
