"""Test settings: whatever DATABASE_URL names (SQLite by default), fast hashing, in-memory mail."""
from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
# No worker listens to most tests: queued messages stay in the outbox for the test to read.
CAMPAIGNS_OUTBOX_KICK = False

# Tests roll back their transactions, which no cache invalidation sees; tests of the cache enable it.
CONFIG_CACHE_SECONDS = 0
# Parallel connections cannot see a test's uncommitted rows; the tests of that path commit theirs.
STATS_REFRESH_CONNECTIONS = 1
# Imports queue a refresh of the members' scores; the tests of that receiver turn it on.
ANALYTICS_REFRESH_AFTER_IMPORT = False
