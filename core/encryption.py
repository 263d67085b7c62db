"""Encryption of the few secrets the database must hold (a sign-in code or a reset link waiting in the outbox
until the worker sends it; a webhook subscription's signing secret, through EncryptedTextField).

Fernet (AES-128-CBC with HMAC-SHA256: a changed or forged value is refused, not decrypted to garbage).
The keys come from settings.FIELD_ENCRYPTION_KEY, the environment variable of the same name: one or
more comma-separated secrets, the first encrypts and every one decrypts, so a key can be replaced
without losing what is queued. Unset, the key is derived from SECRET_KEY (documented fallback: then
changing SECRET_KEY makes queued secrets unreadable, and those messages fail instead of being sent).
Each secret is stretched with HKDF-SHA256 under a label of its own, so the stored key material is never
the secret itself and never equals any other key derived from SECRET_KEY.
"""
import base64
import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

LABEL = b"loyalty.core.encryption.field"
logger = logging.getLogger(__name__)


class FieldDecryptError(ValueError):
    """The value was not encrypted with any of the configured keys, or was altered."""


def _key(material: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@cache
def _keys(materials: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_key(material) for material in materials])


def _configured() -> MultiFernet:
    materials = tuple(k.strip() for k in (settings.FIELD_ENCRYPTION_KEY or "").split(",") if k.strip())
    return _keys(materials or (settings.SECRET_KEY,))


def field_encrypt(text: str) -> str:
    """`text` encrypted with the current key, as URL-safe ASCII (a fresh random IV each call)."""
    return _configured().encrypt(text.encode()).decode()


def field_decrypt(token: str) -> str:
    """The text `field_encrypt` was given; raises FieldDecryptError if no configured key opens it."""
    try:
        return _configured().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise FieldDecryptError("cannot decrypt: unknown key or altered value") from error


class EncryptedTextField(models.TextField):
    """Text kept encrypted at rest (`field_encrypt`), plain in Python: for a secret the platform must use again,
    such as a webhook's signing key (what only has to be checked is hashed instead, like API keys).

    Not searchable: every save writes a fresh ciphertext, so a lookup by value could only match nothing, and
    every lookup but `isnull` is refused (FieldError) rather than quietly finding no row. A value no configured
    key opens (FIELD_ENCRYPTION_KEY lost or replaced without keeping the old key) loads as "" and is logged, so
    the row still opens in the admin and whoever uses the secret fails for that reason, not at random.
    """

    def get_db_prep_save(self, value, connection):
        value = super().get_db_prep_save(value, connection)
        return field_encrypt(value) if value else value

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return field_decrypt(value)
        except FieldDecryptError:
            logger.error("encrypted_field_unreadable model=%s field=%s", self.model._meta.label, self.name)
            return ""
