"""Settings shared by every environment; each value can be overridden from the environment."""
import ipaddress
from pathlib import Path

import environ
from kombu import Queue

from core.sentry import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
# Encrypts secrets the database holds for a while (codes and reset links queued in the outbox; core.encryption).
# Comma-separated: the first encrypts, all decrypt (rotation). Empty: derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, not a CDN
    "anymail",
    "django_celery_beat",
    "simple_history",
    "core",
    "customers",
    "events",
    "loyalty",
    "segments",
    "lifecycle",
    "messaging",
    "campaigns",
    "journeys",
    "analytics",
    "dashboards",
    "portal",
    "monitoring",
]

MIDDLEWARE = [
    "monitoring.middleware.RequestMetricsMiddleware",  # first, so it times everything below
    "core.request_id.RequestIdMiddleware",
    "core.api_input.ApiInputMiddleware",  # /api/: size and character limits, JSON errors only
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Configuration history records the signed-in staff user who made each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.timezones.ShopTimeZoneMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

def postgres_options() -> dict:
    """Server-side binding, and statements prepared once a connection has run them N times.

    PostgreSQL then stops parsing and planning the same statements of every order. N is
    DATABASE_PREPARE_THRESHOLD; 0 turns both off (a transaction-pooling PgBouncer before 1.21 cannot
    keep prepared statements).
    """
    threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    return {"server_side_binding": True, "prepare_threshold": threshold} if threshold else {}


def database_config(url: str) -> dict:
    """The database of a URL, with our connection options under the URL's own.

    Options in the URL's query (`?sslmode=verify-full&sslrootcert=...`) are kept and win over ours, so a
    certificate check asked for in DATABASE_URL is never silently dropped.
    """
    database = env.db_url_config(url)
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["OPTIONS"] = {**postgres_options(), **database.get("OPTIONS", {})}
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server, the worker and beat read while one of them writes.
        database["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20,
            **database.get("OPTIONS", {}),
        }
    return database


# SQLite by default so that `make run` needs no server; production requires DATABASE_URL (PostgreSQL).
DATABASES = {"default": database_config(env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are for PostgreSQL; SQLite builds the same index without the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# The shop's own zone: naive timestamps in imports are read in it, and calendar days
# (days since the last purchase, birthdays) are counted in it.
SHOP_TIME_ZONE = env("SHOP_TIME_ZONE", default="Europe/Moscow")
SHOP_CURRENCY = env("SHOP_CURRENCY", default="RUB")
# The shop's look in campaign emails (campaigns.services.email_layout): name, logo (an https URL mail clients can
# load), the brand colour of the header and buttons and the text on it, the page background; and utm_source.
SHOP_NAME = env("SHOP_NAME", default="Клуб лояльности")
SHOP_LOGO_URL = env("SHOP_LOGO_URL", default="")
SHOP_BRAND_COLOR = env("SHOP_BRAND_COLOR", default="#0b6e4f")
SHOP_BRAND_TEXT_COLOR = env("SHOP_BRAND_TEXT_COLOR", default="#ffffff")
SHOP_EMAIL_BACKGROUND = env("SHOP_EMAIL_BACKGROUND", default="#f4f4f5")
EMAIL_UTM_SOURCE = env("EMAIL_UTM_SOURCE", default="loyalty")
# Delivery dashboard: staff are warned (admin home, the Message delivery page) when a channel's bounce or
# complaint rate over the last DELIVERY_WARNING_DAYS passes these percentages, once that many messages went out.
DELIVERY_BOUNCE_WARNING_PERCENT = env.float("DELIVERY_BOUNCE_WARNING_PERCENT", default=2.0)
DELIVERY_COMPLAINT_WARNING_PERCENT = env.float("DELIVERY_COMPLAINT_WARNING_PERCENT", default=0.1)
DELIVERY_WARNING_DAYS = env.int("DELIVERY_WARNING_DAYS", default=7)
DELIVERY_WARNING_MIN_SENT = env.int("DELIVERY_WARNING_MIN_SENT", default=100)
# Where members reach the site: links that leave it (messages, referral links) start with this.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Mail: EMAIL_URL (smtp://, smtp+tls://user:password@host:587, smtp+ssl://, consolemail://) sets the back end and
# its server; the console by default. Production may choose an Anymail provider instead (ANYMAIL_PROVIDER).
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="loyalty@example.com")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.schema.ApiAutoSchema",
    "DEFAULT_PARSER_CLASSES": ["core.parsers.ApiJSONParser"],  # the APIs take JSON only
    # and answer JSON only: DRF's browsable API would answer a browser's Accept: text/html with an HTML page
    # (forms included) instead of the JSON body and error shape the schema promises; /api/docs/ is the browser's way in.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.ApiPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Loyalty platform API",
    "DESCRIPTION": "Integration API for the POS and web shop, and the members' API for the mobile app.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: the docs need no other host (nor its uptime).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise send the schema to validator.swagger.io for a badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: the embedded default is kombu's filesystem transport, which needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / "var" / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(BROKER_DIR / "processed"),
        # kombu's default is "control" in the current directory: a command run from the checkout left
        # control/celery.exchange in the repository.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # Any process may publish (the web server nudges the outbox worker), not only `make run`'s worker.
    (BROKER_DIR / "processed").mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = SHOP_TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The schedule lives in the database (django-celery-beat); a second beat started by mistake stands by
# instead of sending everything twice (core.beat).
CELERY_BEAT_SCHEDULER = "core.beat:SingleBeatScheduler"
BEAT_LOCK_URL = env("BEAT_LOCK_URL", default="")  # Redis for the beat lock; the broker's Redis when empty
BEAT_LOCK_NAME = "loyalty:beat-lock"
BEAT_LOCK_SECONDS = 60  # a beat that stops refreshing its lock (killed, frozen) is replaced after this
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# Queues: a member's sign-in code must never wait behind a nightly pass over every member.
#   messages - the outbox (transactional messages, campaign sends, webhooks): small, latency-sensitive;
#   bulk     - the nightly passes and their fan-outs: long, CPU- and database-heavy;
#   celery   - everything else (per-minute sweeps, housekeeping).
CELERY_TASK_DEFAULT_QUEUE = "celery"
# A worker started without -Q consumes all three (as `make run`'s single worker does); the Procfile splits them.
CELERY_TASK_QUEUES = [Queue("celery"), Queue("messages"), Queue("bulk")]
MESSAGES_TASKS = ["campaigns.tasks.outbox_send_due_task"]
BULK_TASKS = [
    "segments.tasks.member_stats_refresh_task",
    "segments.tasks.segments_refresh_all",
    "segments.tasks.segment_refresh_task",
    "lifecycle.tasks.lifecycle_recompute_all",
    "lifecycle.tasks.lifecycle_recompute_range_task",
    "analytics.tasks.clv_fit_nightly",
    "analytics.tasks.member_scores_refresh_task",  # after an import: may cover every member
    "customers.tasks.import_job_run_task",  # an import started from the admin
    "customers.tasks.import_files_purge_task",  # nightly, as every crontab entry
    "loyalty.tasks.points_daily_task",
    "loyalty.tasks.tiers_review_task",
    "campaigns.tasks.campaigns_plan_due_task",
    "events.tasks.event_partitions_task",  # DDL on the events table: with the other nightly passes
]
CELERY_TASK_ROUTES = {
    **{name: {"queue": "messages"} for name in MESSAGES_TASKS},
    **{name: {"queue": "bulk"} for name in BULK_TASKS},
}
# Time limits: the soft one raises SoftTimeLimitExceeded in the task (its transaction rolls back), the hard one
# kills the worker process. Defaults for every task; the bulk passes get longer ones, the outbox tighter ones.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_BULK_SOFT_TIME_LIMIT = env.int("CELERY_BULK_SOFT_TIME_LIMIT", default=3 * 3600)
CELERY_BULK_TIME_LIMIT = env.int("CELERY_BULK_TIME_LIMIT", default=3 * 3600 + 300)
CELERY_TASK_ANNOTATIONS = {
    **{name: {"soft_time_limit": CELERY_BULK_SOFT_TIME_LIMIT, "time_limit": CELERY_BULK_TIME_LIMIT}
       for name in BULK_TASKS},
    "core.tasks.ping": {"soft_time_limit": 10, "time_limit": 15},
    # The outbox task's own limits are set beside its time budget (campaigns section below).
}
REDIS_VISIBILITY_TIMEOUT = CELERY_BULK_TIME_LIMIT + 3600
if not CELERY_BROKER_URL.startswith("filesystem://"):
    # Redis hands an unacknowledged task (acks_late) to another worker after this: it must outlast the longest
    # hard limit, or a long nightly pass would start a second time while the first still runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}

# LOG_FORMAT=json: one JSON object per line (core.log_format); plain text otherwise. Celery workers keep
# this configuration too (config/celery.py), so their lines carry the task id as request_id.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.log_format.JsonLogFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# Sentry only when SENTRY_DSN is set (core.sentry); environment and release name the deployment.
SENTRY_DSN = env("SENTRY_DSN", default="")
sentry_init(
    dsn=SENTRY_DSN,
    environment=env("SENTRY_ENVIRONMENT", default="production"),
    release=env("SENTRY_RELEASE", default=""),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)
# /health/ready (monitoring.readiness) fails when beat's heartbeat task (scheduled every minute) last ran more
# than HEALTH_BEAT_MAX_AGE_SECONDS ago, or the oldest due outbox message has waited longer than
# HEALTH_OUTBOX_MAX_AGE_SECONDS (the outbox worker runs every 10 s).
HEALTH_BEAT_MAX_AGE_SECONDS = env.int("HEALTH_BEAT_MAX_AGE_SECONDS", default=180)
HEALTH_OUTBOX_MAX_AGE_SECONDS = env.int("HEALTH_OUTBOX_MAX_AGE_SECONDS", default=600)
HEALTH_BROKER_TIMEOUT_SECONDS = env.float("HEALTH_BROKER_TIMEOUT_SECONDS", default=2.0)
# /metrics answers a bearer token, or direct peers in these addresses/networks (e.g. 10.0.0.5,10.1.0.0/16);
# with neither set nobody may read it.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(item, strict=False) for item in env.list("METRICS_ALLOWED_IPS", default=[])
]
# Member ids per lifecycle recompute task: on few cores one pass beats many; more workers want smaller ranges.
LIFECYCLE_RANGE_SIZE = env.int("LIFECYCLE_RANGE_SIZE", default=1_000_000)

# --- loyaltyapi: cache, API rate limits and idempotency keys -------------------------------------
# Redis in production (CACHE_URL, e.g. redis://host:6379/1; required there); per-process memory otherwise,
# which is fine for one `make run` process but makes rate limits per process.
_CACHE_URL = env("CACHE_URL", default="")
CACHES = {
    "default": env.cache_url_config(_CACHE_URL)
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "loyalty"}
}
API_KEY_RATE_LIMIT = env.int("API_KEY_RATE_LIMIT", default=20)  # requests per second, unless the key sets its own
API_RATE_LIMIT_CACHE = "default"
# Input limits of every API (core.api_input): bigger bodies are a 413, longer URLs a 414; the POS refuses
# orders and returns with more lines than API_MAX_ORDER_LINES.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=256 * 1024)
API_MAX_URL_BYTES = env.int("API_MAX_URL_BYTES", default=4096)
API_MAX_ORDER_LINES = env.int("API_MAX_ORDER_LINES", default=500)

# Events (events app): months of events kept (older monthly partitions are dropped by the daily beat task),
# partitions created ahead, and the most events one POST /api/v1/events may carry.
EVENTS_RETENTION_MONTHS = env.int("EVENTS_RETENTION_MONTHS", default=13)
EVENTS_PARTITIONS_AHEAD = env.int("EVENTS_PARTITIONS_AHEAD", default=3)
EVENTS_MAX_BATCH = 1000
# Who may POST /api/v1/events: POS / web-shop API keys, and the members' app by its token (portal's class,
# named here because events sits below portal).
EVENTS_API_AUTHENTICATION = ["core.api_keys.ApiKeyAuthentication", "portal.auth.MemberTokenAuthentication"]
# The cookie in which the web shop keeps a visitor's anonymous id (what its events send as `anonymous_id`): when
# the visitor signs in to the portal on the shop's domain, that id's events become the member's.
EVENTS_ANONYMOUS_ID_COOKIE = env.str("EVENTS_ANONYMOUS_ID_COOKIE", default="anonymous_id")
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
IDEMPOTENCY_LOCK_SECONDS = 60  # a claimed key whose request died is free again after this
# The region whose national phone forms members type (ISO 3166 code): with RU, "8 (999) 000-11-22" is
# +79990001122. Every phone is stored in E.164 (customers.phones.phone_normalise).
SHOP_PHONE_REGION = env("SHOP_PHONE_REGION", default="RU").upper()
# After each import a Celery task refreshes the touched members' statistics, RFM, stages and CLV.
ANALYTICS_REFRESH_AFTER_IMPORT = env.bool("ANALYTICS_REFRESH_AFTER_IMPORT", default=True)
# Files staff upload on the admin's import pages, and their bad-rows reports: personal data, so kept outside
# anything a web server serves (downloads go through a view that checks permission) and deleted after the retention.
IMPORT_FILES_DIR = env.path("IMPORT_FILES_DIR", default=str(BASE_DIR / "var" / "imports"))
IMPORT_FILES_RETENTION_DAYS = env.int("IMPORT_FILES_RETENTION_DAYS", default=30)
# On PostgreSQL an import batch of at least this many rows is COPY'd into a staging table and written set-based
# (customers.importing.staging); smaller ones take the ORM path.
IMPORT_COPY_MIN_ROWS = env.int("IMPORT_COPY_MIN_ROWS", default=2000)
IMPORT_JOB_BATCH_SIZE = 5000  # rows per transaction, as the commands' default; the progress bar moves per batch

# --- campaigns: outbox and channel back ends -------------------------------------------------------
CAMPAIGNS_CHANNEL_BACKENDS = {
    "email": env("CAMPAIGNS_EMAIL_CHANNEL", default="campaigns.channels.email.DjangoEmailChannel"),
    "sms": env("CAMPAIGNS_SMS_CHANNEL", default="campaigns.channels.sms.GatewaySmsChannel"
               if env("MESSAGING_SMS_PROVIDER", default="") else "campaigns.channels.simple.LoggingChannel"),
    "push": env("CAMPAIGNS_PUSH_CHANNEL", default="campaigns.channels.push.ProviderPushChannel"
                if env("MESSAGING_PUSH_ANDROID", default="") or env("MESSAGING_PUSH_IOS", default="")
                or env("MESSAGING_PUSH_WEB", default="") else "campaigns.channels.simple.LoggingChannel"),
    "webhook": env("CAMPAIGNS_WEBHOOK_CHANNEL", default="campaigns.channels.webhook.HttpWebhookChannel"),
}
# SMS gateways (messaging.sms): "smsru" or "twilio"; set, it becomes the SMS channel's back end.
MESSAGING_SMS_PROVIDER = env("MESSAGING_SMS_PROVIDER", default="")
MESSAGING_SMS_SENDER = env("MESSAGING_SMS_SENDER", default="")  # sender name (SMS.ru) or number (Twilio)
SMSRU_API_ID = env("SMSRU_API_ID", default="")
SMSRU_API_URL = env("SMSRU_API_URL", default="https://sms.ru")
SMSRU_CALLBACK_SECRET = env("SMSRU_CALLBACK_SECRET", default="")  # callback URL: /hooks/sms/smsru/<secret>/
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_URL = env("TWILIO_API_URL", default="https://api.twilio.com")
# Push (messaging.push): the provider per device platform, "fcm" or "apns" (FCM reaches iOS too, through the
# APNs key uploaded to Firebase); any set makes it the push channel's back end. FCM: the service account JSON
# (or its file's path), the project (default: the account's). APNs: the .p8 key (or its path), its key id,
# the team id, the app's bundle id; api.sandbox.push.apple.com for development builds.
MESSAGING_PUSH_PROVIDERS = {
    "android": env("MESSAGING_PUSH_ANDROID", default=""),
    "ios": env("MESSAGING_PUSH_IOS", default=""),
    "web": env("MESSAGING_PUSH_WEB", default=""),
}
FCM_CREDENTIALS = env("FCM_CREDENTIALS", default="")
FCM_PROJECT_ID = env("FCM_PROJECT_ID", default="")
FCM_API_URL = env("FCM_API_URL", default="https://fcm.googleapis.com")
APNS_KEY = env("APNS_KEY", default="")
APNS_KEY_ID = env("APNS_KEY_ID", default="")
APNS_TEAM_ID = env("APNS_TEAM_ID", default="")
APNS_TOPIC = env("APNS_TOPIC", default="")
APNS_API_URL = env("APNS_API_URL", default="https://api.push.apple.com")
# The pooled provider HTTP client (messaging.http): timeouts in seconds, retries of temporary failures.
MESSAGING_HTTP_TIMEOUT = env.float("MESSAGING_HTTP_TIMEOUT", default=10.0)
MESSAGING_HTTP_CONNECT_TIMEOUT = env.float("MESSAGING_HTTP_CONNECT_TIMEOUT", default=3.0)
MESSAGING_HTTP_RETRIES = env.int("MESSAGING_HTTP_RETRIES", default=2)
MESSAGING_HTTP_BACKOFF = env.float("MESSAGING_HTTP_BACKOFF", default=0.5)
MESSAGING_HTTP_MAX_BACKOFF = env.float("MESSAGING_HTTP_MAX_BACKOFF", default=5.0)
CAMPAIGNS_OUTBOX_BATCH = env.int("CAMPAIGNS_OUTBOX_BATCH", default=200)
CAMPAIGNS_OUTBOX_LEASE_SECONDS = env.int("CAMPAIGNS_OUTBOX_LEASE_SECONDS", default=300)
CAMPAIGNS_OUTBOX_TIME_BUDGET = env.float("CAMPAIGNS_OUTBOX_TIME_BUDGET", default=50.0)
# A send pass takes no new rows after its time budget; the limits stop one stuck in a send. Both stay under the
# lease on its rows: a pass still sending after its lease ended could send rows another worker claimed again.
CELERY_TASK_ANNOTATIONS["campaigns.tasks.outbox_send_due_task"] = {
    "soft_time_limit": CAMPAIGNS_OUTBOX_TIME_BUDGET + 60,
    "time_limit": CAMPAIGNS_OUTBOX_TIME_BUDGET + 90,
}
CAMPAIGNS_OUTBOX_MAX_ATTEMPTS = env.int("CAMPAIGNS_OUTBOX_MAX_ATTEMPTS", default=8)
CAMPAIGNS_OUTBOX_BACKOFF_SECONDS = env.int("CAMPAIGNS_OUTBOX_BACKOFF_SECONDS", default=60)
CAMPAIGNS_OUTBOX_KICK = env.bool("CAMPAIGNS_OUTBOX_KICK", default=True)  # nudge a worker after each commit
CAMPAIGNS_REVIEW_PATH = "/reviews/{token}/"  # the portal's review form
CAMPAIGNS_SURVEY_URL = env("CAMPAIGNS_SURVEY_URL", default="")  # {{ survey_url }} in campaign messages
# Marketing subjects and bodies are wiped this many days after sending (campaigns.tasks.outbox_purge_task).
CAMPAIGNS_MESSAGE_BODY_RETENTION_DAYS = env.int("CAMPAIGNS_MESSAGE_BODY_RETENTION_DAYS", default=90)
# Webhook secret rotation: the replaced secret keeps signing (a second signature) for this many hours.
CAMPAIGNS_WEBHOOK_SECRET_OVERLAP_HOURS = env.int("CAMPAIGNS_WEBHOOK_SECRET_OVERLAP_HOURS", default=24)
# Sent messages recorded per UPDATE; a worker crash re-sends at most this many (same idempotency keys).
CAMPAIGNS_OUTBOX_RECORD_EVERY = env.int("CAMPAIGNS_OUTBOX_RECORD_EVERY", default=50)
# Threads of a worker that send a batch's messages side by side, each with its own provider and database
# connections: a crash re-sends at most one message per thread (campaigns.services.send_lanes). PostgreSQL only.
CAMPAIGNS_OUTBOX_SEND_THREADS = env.int("CAMPAIGNS_OUTBOX_SEND_THREADS", default=4)

# --- portal (members' app API and web portal) ---
import datetime as _dt  # noqa: E402

PORTAL_TOKEN_TTL = _dt.timedelta(days=env.int("PORTAL_TOKEN_TTL_DAYS", default=30))
PORTAL_CODE_TTL = _dt.timedelta(minutes=10)
PORTAL_CODE_MAX_ATTEMPTS = 5
PORTAL_MAX_BODY_BYTES = 32 * 1024
REST_FRAMEWORK.setdefault("DEFAULT_THROTTLE_RATES", {}).update(
    {"member_sign_in": env("PORTAL_SIGN_IN_RATE", default="10/min"), "member_code": env("PORTAL_CODE_RATE", default="5/min")}
)
LOGIN_URL = "portal:sign_in"

# --- configuration read on hot paths (core.process_cache) ---
# Seconds each process keeps programme settings, earning rules, tiers and webhook subscriptions (saves clear
# it at once in the saving process; other processes follow within this time). 0 reads them every time.
CONFIG_CACHE_SECONDS = env.int("CONFIG_CACHE_SECONDS", default=10)

# Connections the nightly member statistics refresh computes on at once (PostgreSQL; 1 = one statement).
# Each holds one CPU of the database server for the length of the refresh.
STATS_REFRESH_CONNECTIONS = env.int("STATS_REFRESH_CONNECTIONS", default=2)

# --- sec-auth: client addresses, limits per login, staff sign-in lockout and two-factor ---------------
# Proxies of our own in front of Django (load balancer, nginx). X-Forwarded-For is read only that far
# (core.client_ip); 0 = the header is ignored and REMOTE_ADDR is the client. Every throttle uses it.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT  # DRF's own get_ident agrees, should anything use it
# Per login (email or phone), whatever the address (portal.services.login_limits): from the `free`-th
# attempt each next one waits base_seconds, then twice as long…; the attempt after `lock_after` locks it.
PORTAL_LOGIN_LIMITS = {
    "sign_in": {"free": 3, "lock_after": env.int("PORTAL_SIGN_IN_LOCK_AFTER", default=10), "base_seconds": 1,
                "lock_minutes": env.int("PORTAL_LOGIN_LOCK_MINUTES", default=15)},
    "code": {"free": 3, "lock_after": env.int("PORTAL_CODE_LOCK_AFTER", default=6), "base_seconds": 30,
             "lock_minutes": env.int("PORTAL_LOGIN_LOCK_MINUTES", default=15)},
}
# Staff sign-in to the admin. django-axes locks a username, and separately a client address, after
# STAFF_LOGIN_FAILURE_LIMIT failures (wrong passwords or wrong authenticator codes) for
# STAFF_LOGIN_COOLOFF_MINUTES; a success clears the count. Unlock early by deleting the access attempts
# in the admin (or `manage.py axes_reset`).
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "core.apps.StaffAdminConfig"
INSTALLED_APPS += ["axes", "django_otp"]  # the TOTP device is core.StaffTOTPDevice (its secret encrypted)
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "django_otp.middleware.OTPMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes asks
AUTHENTICATION_BACKENDS = ["core.staff_auth.StaffLockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = _dt.timedelta(minutes=env.int("STAFF_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one over the limit locks
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "core.admin_site.staff_lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ONLY_ADMIN_SITE = True  # the portal has its own limits per login (PORTAL_LOGIN_LIMITS)
AXES_HANDLER = "core.staff_auth.StaffAxesHandler"  # and its sign-ins are not written to the access log
# TOTP two-factor (django-otp): staff add an authenticator app at /admin/two-factor/; the admin then asks
# for its code. With STAFF_REQUIRE_2FA, superusers reach nothing but that page until they have one.
STAFF_REQUIRE_2FA = env.bool("STAFF_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Loyalty platform")
