"""Test settings for a real worker in end-to-end tests: mail goes to the SMTP server EMAIL_URL names (a local
one the test started) instead of memory the test cannot see."""
from .test import *  # noqa: F401,F403
from .test import env

globals().update(env.email_url("EMAIL_URL"))
