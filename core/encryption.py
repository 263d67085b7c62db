"""Encryption of the few secrets the database must hold for a while (a sign-in code or a reset link
waiting in the outbox until the worker sends it).

Fernet (AES-128-CBC with HMAC-SHA256: a changed or forged value is refused, not decrypted to garbage).
The keys come from settings.FIELD_ENCRYPTION_KEY, the environment variable of the same name: one or
more comma-separated secrets, the first encrypts and every one decrypts, so a key can be replaced
without losing what is queued. Unset, the key is derived from SECRET_KEY (documented fallback: then
changing SECRET_KEY makes queued secrets unreadable, and those messages fail instead of being sent).
Each secret is stretched with HKDF-SHA256 under a label of its own, so the stored key material is never
the secret itself and never equals any other key derived from SECRET_KEY.
"""
import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

LABEL = b"loyalty.core.encryption.field"


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
