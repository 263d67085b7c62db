"""Idempotency-Key handling for API writes (IETF httpapi idempotency-key draft, Stripe's semantics).

- The same key with the same request returns the first response (status and body), marked
  `Idempotent-Replayed: true`; the write does not run again.
- The same key with a different request (method, path or body) is a 422 `idempotency_key_reused`.
- A retry while the first request still runs is a 409 `idempotency_request_in_progress`.
- Keys live IDEMPOTENCY_KEY_TTL_HOURS (24 h) and are scoped to their owner (the API key, or the
  signed-in user for the portal); `core.tasks.idempotency_keys_purge` deletes expired ones.

How: a short transaction claims the key (a unique row, so exactly one request wins, on PostgreSQL and
SQLite alike); the view then runs inside a transaction that also stores its response, so a stored
response always matches a committed write. A request that fails with a 5xx releases the key (nothing
was committed, so the client may retry); a request whose process died leaves a claim that expires
after IDEMPOTENCY_LOCK_SECONDS. The completion checks the claim's token, so a request that outlived
its claim rolls back instead of writing twice.

Use `@idempotent` on a DRF view method (`post`, `put`, ...).
"""
import datetime as dt
import functools
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from .exceptions import Conflict, DomainError
from .models import ApiKey, IdempotencyKey
from .rows import rows_update

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    http_status = status.HTTP_422_UNPROCESSABLE_ENTITY


class IdempotencyInProgress(Conflict):
    code = "idempotency_request_in_progress"


class LostClaim(Exception):
    """Our claim expired and another request took the key over; roll back rather than write twice."""


@dataclass(frozen=True)
class Claim:
    record: IdempotencyKey
    token: uuid.UUID | None  # None: the record is completed and is to be replayed

    @property
    def is_replay(self) -> bool:
        return self.token is None


def request_fingerprint(*, method: str, path: str, body) -> str:
    """SHA-256 of the method, the path and the body as canonical JSON (key order and spacing do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def _insert_if_absent(row: dict) -> bool:
    """One INSERT … ON CONFLICT DO NOTHING in autocommit (PostgreSQL and SQLite ≥ 3.24): True if ours.

    A single statement, so the claim costs one round trip and one commit; a parallel insert of the same
    (owner, key) waits for ours to commit and then does nothing.
    """
    table = IdempotencyKey._meta.db_table
    fields = [IdempotencyKey._meta.get_field(name) for name in row]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [field.get_db_prep_save(row[field.name], connection) for field in fields]
    placeholders = ", ".join(["%s"] * len(values))
    # On PostgreSQL the claim's commit need not wait for its WAL flush (~2.5 ms of fsync on a busy disk): the
    # write it guards commits synchronously later in the WAL, so a crash can lose the claim only together
    # with a write that never committed, and then the client's retry must run anyway. Only in autocommit:
    # a transaction-local setting in an outer transaction would make that whole transaction's commit
    # asynchronous. set_config inside the statement (not a separate SET) keeps it one statement, which
    # server-side binding requires, and one round trip.
    if connection.vendor == "postgresql" and connection.get_autocommit():
        source = (f"SELECT {placeholders} FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit")
    else:
        source = f"VALUES ({placeholders})"
    sql = (f"INSERT INTO {connection.ops.quote_name(table)} ({columns}) {source} "
           f"ON CONFLICT (owner, {connection.ops.quote_name('key')}) DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.rowcount == 1


def idempotency_claim(*, owner: str, key: str, fingerprint: str, method: str = "POST", path: str = "") -> Claim:
    """Claim `key` for one request, or find the completed first request to replay.

    Raises IdempotencyKeyReused (422) when the key was used for a different request and
    IdempotencyInProgress (409) while another request holds it. Exactly one of any number of
    parallel callers gets the claim: the (owner, key) row is unique.
    """
    now = timezone.now()
    token = uuid.uuid4()
    lock_until = now + dt.timedelta(seconds=settings.IDEMPOTENCY_LOCK_SECONDS)
    row = {
        "owner": owner, "key": key, "fingerprint": fingerprint, "method": method[:8], "path": path[:255],
        "lock_token": token, "locked_until": lock_until, "created_at": now,
        "expires_at": now + dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS),
    }
    for _attempt in range(2):  # a second pass only after deleting an expired record
        if _insert_if_absent(row):
            return Claim(IdempotencyKey(**row), token)
        record = IdempotencyKey.objects.filter(owner=owner, key=key).first()
        if record is None:  # expired and purged between the two statements
            continue
        if record.expires_at <= now and record.is_completed:
            IdempotencyKey.objects.filter(pk=record.pk, expires_at__lte=now).delete()
            continue
        break
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request.", fields={"Idempotency-Key": [key]}
        )
    if record.is_completed:
        return Claim(record, None)
    # Still claimed. Take it over only if the claim expired (its request died and its transaction rolled back).
    taken = IdempotencyKey.objects.filter(
        pk=record.pk, response_status__isnull=True, locked_until__lt=now
    ).update(lock_token=token, locked_until=lock_until)
    if taken:
        return Claim(record, token)
    raise IdempotencyInProgress("A request with this Idempotency-Key is still being processed; retry later.")


def idempotency_complete(*, claim: Claim, response_status: int, response_body) -> None:
    """Store the response of a claimed request. Call inside the write's transaction; raises LostClaim."""
    # Every idempotent write ends here: a hand-written UPDATE (core.rows), not the ORM's compiled one.
    stored = rows_update(
        IdempotencyKey,
        {"response_status": response_status, "response_body": response_body, "lock_token": None, "locked_until": None},
        f"owner = %s AND {connection.ops.quote_name('key')} = %s AND lock_token = %s",
        [claim.record.owner, claim.record.key, IdempotencyKey._meta.get_field("lock_token").get_db_prep_value(
            claim.token, connection)],
    )
    if not stored:
        raise LostClaim(claim.record.key)


def idempotency_release(*, claim: Claim) -> None:
    """Forget a claim whose request failed without a result worth replaying (a 5xx): the client may retry."""
    IdempotencyKey.objects.filter(owner=claim.record.owner, key=claim.record.key, lock_token=claim.token).delete()


def idempotency_keys_purge(*, now=None, batch_size: int = 10_000) -> int:
    """Delete expired keys in batches, and claims left by dead requests; a live claim is kept. Returns the count."""
    now = now or timezone.now()
    expired = IdempotencyKey.objects.filter(expires_at__lte=now).filter(
        Q(lock_token__isnull=True) | Q(locked_until__lt=now)
    )
    deleted = 0
    while True:
        ids = list(expired.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]


def idempotency_owner(request) -> str | None:
    """Whose key space a request's key lives in: its API key, else its signed-in user."""
    if isinstance(request.auth, ApiKey):
        return f"api-key:{request.auth.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _replay(record: IdempotencyKey) -> Response:
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


def idempotent(handler):
    """Make a DRF view method honour the Idempotency-Key header.

    The method runs inside one transaction with the storing of its response; a DomainError or
    validation error rolls back its writes and its 4xx response is stored (and replayed) too.
    Requests without the header, or without an owner, run unchanged (still in a transaction).
    """

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        owner = getattr(view, "idempotency_owner", idempotency_owner)(request)
        if key is None or owner is None:
            with transaction.atomic():
                return handler(view, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise DomainError(
                f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} characters.",
                code="invalid_idempotency_key",
                fields={"Idempotency-Key": ["Invalid value."]},
            )
        fingerprint = request_fingerprint(method=request.method, path=request.path, body=request.data)
        claim = idempotency_claim(owner=owner, key=key, fingerprint=fingerprint, method=request.method, path=request.path)
        if claim.is_replay:
            return _replay(claim.record)
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if response.status_code < 500:
                    idempotency_complete(claim=claim, response_status=response.status_code, response_body=response.data)
            if response.status_code >= 500:
                idempotency_release(claim=claim)
            return response
        except LostClaim:
            raise IdempotencyInProgress("This Idempotency-Key was taken over by a retry; its result is the one kept.") from None
        except Exception as exc:
            # The write rolled back; turn the error into its response and keep 4xx answers for replay.
            try:
                response = view.handle_exception(exc)
            except Exception:
                idempotency_release(claim=claim)
                raise
            if response.status_code >= 500:
                idempotency_release(claim=claim)
                return response
            try:
                with transaction.atomic():
                    idempotency_complete(claim=claim, response_status=response.status_code, response_body=response.data)
            except LostClaim:
                return view.handle_exception(IdempotencyInProgress("This Idempotency-Key was taken over by a retry."))
            return response

    return wrapper
