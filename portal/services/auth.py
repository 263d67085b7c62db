"""Members' accounts and sign-in: password, one-time code, app tokens, password reset.

Guarantees:
- secrets (tokens, codes) are stored only as hashes and compared in constant time;
- a one-time code works once, until it expires, for at most PORTAL_CODE_MAX_ATTEMPTS wrong guesses;
- messages with codes and reset links are queued in the same transaction as the code itself;
- requesting a code or a reset for an unknown login looks the same as for a known one;
- failed sign-ins, and codes and reset links sent, are limited per login (`login_limits`): backoff, then a
  temporary lock (TooManyAttempts, 429), for unknown logins exactly as for known ones;
- a password sign-in runs the password hasher once whether or not the login exists, so its time does not
  tell which logins are registered.
"""
import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.links import public_url_for
from customers.models import ConsentRecord, Member, RegistrationChannel
from customers.phones import PhoneInvalid, phone_normalise
from customers.services import consent_set
from events.services import events_attach_anonymous

from ..models import MemberToken, SignInCode
from .login_limits import CODE, SIGN_IN, login_attempt_admit, login_attempts_reset
from .notify import SECRET_PLACEHOLDER, member_transactional_send

User = get_user_model()


def _setting(name, default):
    return getattr(settings, name, default)


def _digest(secret: str, salt: str = "") -> str:
    return hashlib.sha256(f"{salt}{secret}".encode()).hexdigest()


def _code_digest(code: str, salt: str) -> str:
    """A sign-in code's digest, keyed by the server's SECRET_KEY: a six-digit code hashed without a key is
    found in a million tries by anyone who reads the row (tokens are long and random; a plain hash is enough)."""
    return salted_hmac("portal.sign-in-code", f"{salt}{code}", algorithm="sha256").hexdigest()


def login_normalise(login: str) -> tuple[str, str]:
    """Return ("email", address) or ("phone", "+digits"); raise DomainError for anything else."""
    text = (login or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise DomainError(_("Enter a valid email or phone."), code="invalid_login",
                              fields={"login": [_("Enter a valid email or phone.")]}) from None
        return "email", text.lower()
    try:
        phone = phone_normalise(text)  # as the POS lookup reads it: "8 999…" is "+7999…"
    except PhoneInvalid:
        phone = ""
    if phone:
        return "phone", phone
    raise DomainError(_("Enter a valid email or phone."), code="invalid_login",
                      fields={"login": [_("Enter a valid email or phone.")]})


def _member_by_login(kind: str, value: str) -> Member | None:
    lookup = {"email__iexact": value} if kind == "email" else {"phone": value}
    return Member.objects.filter(**lookup).select_related("user").order_by("id").first()


def _user_for(member: Member) -> User:
    """The member's Django user, created (without a usable password) the first time it is needed."""
    if member.user_id:
        return member.user
    user = User.objects.create(username=f"member-{member.external_id}"[:150], email=member.email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Member.objects.filter(pk=member.pk, user__isnull=True).update(user=user)
    member.user = user
    return user


@transaction.atomic
def member_sign_up(*, login: str, password: str, first_name: str = "", personal_data_consent: bool,
                   email_consent: bool = False, sms_consent: bool = False, source: str = "app",
                   evidence: str = "", referral_code: str = "") -> Member:
    """Create a member with a user and a password; consent to personal data processing is required.

    A known `referral_code` records who invited the member; an unknown one is ignored.

    A login that already belongs to a member is refused (an imported member signs in by code first).
    """
    kind, value = login_normalise(login)
    if not personal_data_consent:
        raise DomainError(_("Consent to personal data processing is required."), code="consent_required",
                          fields={"personal_data_consent": [_("Required.")]})
    try:
        validate_password(password)
    except ValidationError as exc:
        raise DomainError(_("Choose a stronger password."), code="weak_password", fields={"password": exc.messages}) from None
    if _member_by_login(kind, value) is not None:
        raise DomainError(_("This login is taken. Sign in with a one-time code instead."), code="login_taken",
                          fields={"login": [_("Already registered.")]}, http_status=409)
    channel = RegistrationChannel.APP if source == "app" else RegistrationChannel.WEB
    referrer = Member.objects.filter(referral_code=referral_code.strip().upper()).first() if referral_code else None
    member = Member.objects.create(
        external_id=f"P{secrets.token_hex(8).upper()}", first_name=first_name.strip()[:100],
        registered_at=timezone.now(), registration_channel=channel, referred_by=referrer, **{kind: value},
    )
    user = User.objects.create_user(username=f"member-{member.external_id}", email=member.email, password=password)
    Member.objects.filter(pk=member.pk).update(user=user)
    member.user = user
    for purpose, granted in (("personal_data", True), ("email", email_consent), ("sms", sms_consent)):
        if granted:
            consent_set(member=member, purpose=purpose, granted=True, method=ConsentRecord.Method.CHECKBOX,
                        source=source, evidence=evidence)
    return member


def _login_key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def member_sign_in_password(*, login: str, password: str) -> Member:
    """The member whose login and password match; DomainError `invalid_credentials` otherwise.

    Raises TooManyAttempts (`login_locked`) when the login has failed too often. The hasher runs once on
    every path (Django's ModelBackend does the same for unknown users).
    """
    kind, value = login_normalise(login)
    login_attempt_admit(purpose=SIGN_IN, login_key=_login_key(kind, value))
    member = _member_by_login(kind, value)
    user = member.user if member is not None else None
    if user is None:
        User().set_password(password)  # the same hashing work as checking a real password
        matched = False
    else:
        matched = user.check_password(password) and user.is_active
    if not matched:
        raise DomainError(_("Wrong login or password."), code="invalid_credentials", http_status=400)
    login_attempts_reset(purpose=SIGN_IN, login_key=_login_key(kind, value))
    return member


@transaction.atomic
def sign_in_code_request(*, login: str) -> SignInCode | None:
    """Send a fresh code to the login's email or phone; earlier unused codes stop working.

    Returns None (and sends nothing) for an unknown login; callers answer the same either way. Raises
    TooManyAttempts (`too_many_code_requests`) when codes were sent to the login too often.
    """
    kind, value = login_normalise(login)
    login_attempt_admit(purpose=CODE, login_key=_login_key(kind, value))
    member = _member_by_login(kind, value)
    if member is None:
        return None
    SignInCode.objects.filter(member=member, used_at__isnull=True).update(used_at=timezone.now())
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    ttl = _setting("PORTAL_CODE_TTL", dt.timedelta(minutes=10))
    channel = "email" if kind == "email" else "sms"
    row = SignInCode.objects.create(member=member, channel=channel, code_hash=_code_digest(code, salt), salt=salt,
                                    expires_at=timezone.now() + ttl)
    minutes = int(ttl.total_seconds() // 60)
    member_transactional_send(
        member=member, channel=channel, to=value,
        subject=_("Your sign-in code"),
        body=_("Your sign-in code is %(code)s. It is valid for %(minutes)s minutes.") % {
            "code": SECRET_PLACEHOLDER, "minutes": minutes},
        secret=code, expires_at=row.expires_at, dedupe_key=f"portal:sign-in-code:{row.pk}",
    )
    return row


def sign_in_code_verify(*, login: str, code: str) -> Member:
    """The member, if `code` is their latest live code; burns an attempt on a wrong guess.

    Raises DomainError `invalid_code` (wrong, expired, used or out of attempts; one message for all), or
    TooManyAttempts (`login_locked`): wrong codes count as failed sign-ins of the login.
    """
    kind, value = login_normalise(login)
    login_attempt_admit(purpose=SIGN_IN, login_key=_login_key(kind, value))
    member = _member_by_login(kind, value)
    refused = DomainError(_("The code is wrong or expired. Request a new one."), code="invalid_code",
                          fields={"code": [_("Wrong or expired code.")]})
    if member is None:
        raise refused
    max_attempts = _setting("PORTAL_CODE_MAX_ATTEMPTS", 5)
    with transaction.atomic():
        row = (SignInCode.objects.select_for_update()
               .filter(member=member, used_at__isnull=True, expires_at__gt=timezone.now(), attempts__lt=max_attempts)
               .order_by("-created_at").first())
        if row is None:
            raise refused
        if not hmac.compare_digest(row.code_hash, _code_digest(str(code).strip(), row.salt)):
            SignInCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
            wrong = True
        else:
            SignInCode.objects.filter(pk=row.pk).update(used_at=timezone.now())
            _user_for(member)
            wrong = False
    # Raised outside the atomic block so the burnt attempt is committed.
    if wrong:
        raise refused
    login_attempts_reset(purpose=SIGN_IN, login_key=_login_key(kind, value))
    return member


ANONYMOUS_ID_MAX = 64  # as events store it


def member_identified(*, member: Member, anonymous_id: str) -> int:
    """The visitor who browsed as `anonymous_id` (the id their events carry) turned out to be `member`: that id's
    events that belong to nobody become the member's (events.services.events_attach_anonymous: idempotent, never
    taking events another member already has). A blank or malformed id attaches nothing. Returns how many."""
    anonymous_id = (anonymous_id or "").strip()
    if not anonymous_id or len(anonymous_id) > ANONYMOUS_ID_MAX or not anonymous_id.isprintable():
        return 0
    return events_attach_anonymous(anonymous_id=anonymous_id, member_id=member.pk)


@transaction.atomic
def member_token_create(*, member: Member, client: str = "", anonymous_id: str = "") -> tuple[MemberToken, str]:
    """A new app token for the member's user; the raw value `<prefix>.<secret>` is returned only here.
    With `anonymous_id` (the app's id for the visitor before sign-in), that id's events become the member's
    (`member_identified`) in the same transaction."""
    user = _user_for(member)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    ttl = _setting("PORTAL_TOKEN_TTL", dt.timedelta(days=30))
    token = MemberToken.objects.create(user=user, prefix=prefix, key_hash=_digest(secret),
                                       expires_at=timezone.now() + ttl, client=client[:100])
    member_identified(member=member, anonymous_id=anonymous_id)
    return token, f"{prefix}.{secret}"


def member_token_find(*, raw: str) -> MemberToken | None:
    """The live token (not revoked, not expired) for a raw value, or None."""
    prefix, _sep, secret = (raw or "").partition(".")
    if not prefix or not secret:
        return None
    token = (MemberToken.objects.select_related("user", "user__member")
             .filter(prefix=prefix, revoked_at__isnull=True, expires_at__gt=timezone.now()).first())
    if token is None or not hmac.compare_digest(token.key_hash, _digest(secret)):
        return None
    return token


def member_token_revoke(*, token: MemberToken) -> None:
    """Revoke one token (sign-out). Revoking twice is harmless."""
    MemberToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def password_reset_request(*, login: str) -> bool:
    """Send a reset link `<PUBLIC_BASE_URL>/password-reset/?uid=…&token=…` (the token dies once the password
    changes); the link is stored only encrypted, and the request's Host plays no part in it.

    Raises TooManyAttempts (`too_many_code_requests`): reset links count with codes sent to the login.
    """
    kind, value = login_normalise(login)
    login_attempt_admit(purpose=CODE, login_key=_login_key(kind, value))
    member = _member_by_login(kind, value)
    if member is None or member.user is None:
        return False
    user = member.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{public_url_for('portal:password_reset_confirm')}?uid={uid}&token={token}"
    channel = "email" if kind == "email" else "sms"
    member_transactional_send(
        member=member, channel=channel, to=value, subject=_("Password reset"),
        body=_("Follow this link to set a new password: %(link)s") % {"link": SECRET_PLACEHOLDER},
        secret=link, expires_at=timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
        dedupe_key=f"portal:password-reset:{user.pk}:{_digest(token)[:40]}",  # the key is stored in clear
    )
    return True


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, password: str) -> Member:
    """Set a new password when the reset token is valid; revokes every app token of the user."""
    refused = DomainError(_("The reset link is invalid or expired."), code="invalid_token",
                          fields={"token": [_("Invalid or expired.")]})
    try:
        user = User.objects.select_related("member").get(pk=int(force_str(urlsafe_base64_decode(uid))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        raise refused from None
    if not default_token_generator.check_token(user, token) or not hasattr(user, "member"):
        raise refused
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(_("Choose a stronger password."), code="weak_password", fields={"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    MemberToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return user.member


