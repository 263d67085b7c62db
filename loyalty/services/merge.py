"""Merging duplicate members (a web account and a store card of one person) into the surviving member."""
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import DomainError

from ..models import MemberAccount, MemberMerge, Tier
from .ledger import account_lock

COPY_IF_BLANK = ["email", "phone", "card_number", "first_name", "last_name", "birth_date", "region", "city"]
CONSENT_FLAGS = {"personal_data": "personal_data_consent", "email": "email_consent", "sms": "sms_consent",
                 "push": "push_consent"}


def _move_rows(model, field_name, duplicate, survivor) -> tuple[int, int]:
    """Point the duplicate's rows at the survivor; returns (moved, dropped). Set-based, unless a unique
    constraint makes some rows clash with the survivor's (e.g. two stage moves on one day): then row by row,
    dropping only the clashing duplicate rows, whose fact the survivor already records."""
    rows = model._default_manager.filter(**{field_name: duplicate})
    try:
        with transaction.atomic():
            return rows.update(**{field_name: survivor}), 0
    except IntegrityError:
        moved = dropped = 0
        for pk in rows.values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**{field_name: survivor})
                moved += 1
            except IntegrityError:
                model._default_manager.filter(pk=pk).delete()
                dropped += 1
        return moved, dropped


def _merge_accounts(survivor, duplicate):
    account = account_lock(member=survivor)
    other = account_lock(member=duplicate)
    tiers = {t.pk: t.rank for t in Tier.objects.all()}
    if other.tier_id and tiers.get(other.tier_id, -1) > tiers.get(account.tier_id, -1):
        account.tier_id = other.tier_id
    MemberAccount.objects.filter(pk=account.pk).update(
        available_points=F("available_points") + other.available_points,
        pending_points=F("pending_points") + other.pending_points,
        debt_points=F("debt_points") + other.debt_points, tier=account.tier_id, tier_below_since=None,
    )
    other.delete()


@transaction.atomic
def member_merge(*, survivor, duplicate, staff_user=None) -> MemberMerge:
    """Move everything of `duplicate` to `survivor` and delete the duplicate, with an audit row.

    Orders, ledger entries, points lots, coupons, consents, engagement, tier and stage history, referrals and
    any other app's member rows move; balances are added (the ledger moves with them, so check_ledger still
    holds); the better tier is kept. Computed one-to-one rows (stats, lifecycle) are recomputed for the
    survivor, not summed. Raises DomainError `same_member`.
    """
    from customers.models import ConsentRecord, Member

    if survivor.pk == duplicate.pk:
        raise DomainError("A member cannot be merged into itself.", code="same_member")
    first, second = sorted([survivor.pk, duplicate.pk])
    list(Member.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk").values_list("pk"))
    survivor = Member.objects.get(pk=survivor.pk)
    duplicate = Member.objects.get(pk=duplicate.pk)
    _merge_accounts(survivor, duplicate)
    snapshot = {field: str(getattr(duplicate, field) or "") for field in ["external_id", *COPY_IF_BLANK, "referral_code"]}
    moved = {}
    for relation in Member._meta.related_objects:
        model, field = relation.related_model, relation.field
        if relation.many_to_many or model is MemberAccount:
            continue
        if relation.one_to_one:
            continue  # stats, lifecycle, dirty flags: derived, recomputed for the survivor below
        if model is Member:  # referrals
            model.objects.filter(referred_by=duplicate).exclude(pk=survivor.pk).update(referred_by=survivor)
            continue
        count, dropped = _move_rows(model, field.name, duplicate, survivor)
        if count or dropped:
            moved[model._meta.label] = count if not dropped else {"moved": count, "dropped_as_duplicates": dropped}
    for name in COPY_IF_BLANK:
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
    if survivor.referred_by_id == duplicate.pk:
        survivor.referred_by = None
    if survivor.user_id is None and duplicate.user_id is not None:
        survivor.user_id, duplicate.user_id = duplicate.user_id, None
        duplicate.save(update_fields=["user"])
    # Current consent follows the newest proof of either member.
    for purpose, flag in CONSENT_FLAGS.items():
        latest = ConsentRecord.objects.filter(member=survivor, purpose=purpose).order_by("-occurred_at", "-id").first()
        if latest is not None:
            setattr(survivor, flag, latest.granted)
    survivor.save()
    merge = MemberMerge.objects.create(
        survivor=survivor, duplicate_external_id=duplicate.external_id, duplicate_snapshot=snapshot, moved=moved,
        merged_by=staff_user, merged_at=timezone.now(),
    )
    duplicate.delete()  # the survivor's save above queued it for segment re-evaluation (segments' receiver)
    return merge
