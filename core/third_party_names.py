"""Russian names for the admin sections of the third-party apps staff see: django-axes (sign-in lockouts) and
django-otp's TOTP devices (the second factor).

django-axes marks its names for translation but its Russian catalogue misses a few; django-otp has no Russian
catalogue and most of its names are plain strings. Their words are given here, translated in our own
locale/ru catalogue, and set at start-up (CoreConfig.ready) on the app configs and the models' `_meta` and fields.
Only what the admin reads changes: a field's `_verbose_name` (what migrations record) is left alone and help
texts keep their English text as msgid, so `makemigrations` sees nothing new in these apps.
"""
from django.apps import apps
from django.utils.translation import gettext_lazy as _, override

APP_NAMES = {
    "axes": _("Sign-in protection"),
    "otp_totp": _("Two-factor sign-in (TOTP)"),
}

MODEL_NAMES = {
    "otp_totp.TOTPDevice": (_("TOTP device"), _("TOTP devices")),
}

FIELD_NAMES = {
    # django-axes: the names its Russian catalogue lacks
    "axes.AccessAttempt": {"user_agent": _("User Agent"), "http_accept": _("HTTP Accept")},
    "axes.AccessLog": {"user_agent": _("User Agent"), "http_accept": _("HTTP Accept"),
                       "session_hash": _("Session key hash (sha256)")},
    "axes.AccessFailureLog": {"user_agent": _("User Agent"), "http_accept": _("HTTP Accept")},
    # django-otp: plain strings, the field names themselves
    "otp_totp.TOTPDevice": {
        "user": _("user"), "name": _("name"), "confirmed": _("confirmed"),
        "throttling_failure_timestamp": _("last failed attempt"), "throttling_failure_count": _("failed attempts"),
        "created_at": _("created at"), "last_used_at": _("last used at"), "key": _("key"), "step": _("time step"),
        "t0": _("start time (t0)"), "digits": _("digits"), "tolerance": _("tolerance"), "drift": _("drift"),
        "last_t": _("last time step"),
    },
}

# django-otp's help texts, as msgids (the same English text, so migrations see no change).
HELP_TEXTS = {
    "otp_totp.TOTPDevice": {
        "user": _("The user that this device belongs to."),
        "name": _("The human-readable name of this device."),
        "confirmed": _("Is this device ready for use?"),
        "throttling_failure_timestamp": _(
            "A timestamp of the last failed verification attempt. Null if last attempt succeeded."),
        "throttling_failure_count": _("Number of successive failed attempts."),
        "created_at": _("The date and time when this device was initially created in the system."),
        "last_used_at": _("The most recent date and time this device was used."),
        "key": _("A hex-encoded secret key of up to 40 bytes."),
        "step": _("The time step in seconds."),
        "t0": _("The Unix time at which to begin counting steps."),
        "digits": _("The number of digits to expect in a token."),
        "tolerance": _("The number of time steps in the past or future to allow."),
        "drift": _("The number of time steps the prover is known to deviate from our clock."),
        "last_t": _("The t value of the latest verified token. The next token must be at a higher time step."),
    },
}


def third_party_names_install() -> None:
    """Put the names above on the installed apps and models (idempotent; apps not installed are skipped)."""
    for label, name in APP_NAMES.items():
        if label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name
    for model_label, (singular, plural) in MODEL_NAMES.items():
        if (model := _model(model_label)) is not None:
            model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural
    for model_label, names in FIELD_NAMES.items():
        if (model := _model(model_label)) is not None:
            for field_name, verbose_name in names.items():
                model._meta.get_field(field_name).verbose_name = verbose_name
    for model_label, texts in HELP_TEXTS.items():
        if (model := _model(model_label)) is not None:
            for field_name, text in texts.items():
                field = model._meta.get_field(field_name)
                with override(None):  # only while the app's own English text is the msgid
                    same = str(field.help_text) == str(text)
                if same:
                    field.help_text = text


def _model(label: str):
    app_label, model_name = label.split(".")
    if app_label not in apps.app_configs:
        return None
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None
