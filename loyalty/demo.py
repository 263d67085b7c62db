"""Demo programme: default tiers, earning rules, coupon templates and rewards, plus points for the demo shop's
completed orders written set-based (one INSERT … SELECT per table), so the portal shows real balances."""
import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from core.sql import is_postgres, shop_date, timestamp_param
from core.timezones import shop_today

from .models import (
    CouponTemplate,
    EarningRule,
    LedgerEntry,
    MemberAccount,
    Order,
    PointsLot,
    ProgrammeSettings,
    Reward,
    Tier,
)

# The shop's own language (Russian) in the columns, English in `translations` (core.translated_content).
TIERS = [
    # slug, name, rank, threshold (spend in 12 months), multiplier, perks, English name and perks
    ("bronze", "Бронза", 1, "0", "1", "Бонус в день рождения\nЦены для участников",
     "Bronze", "Birthday bonus\nMember prices"),
    ("silver", "Серебро", 2, "15000", "1.25", "Бесплатная доставка от 2 000 ₽\nРанний доступ к распродажам",
     "Silver", "Free delivery from 2,000 ₽\nEarly access to sales"),
    ("gold", "Золото", 3, "50000", "1.5", "Бесплатная доставка\nПерсональный менеджер\nПриглашения на дегустации",
     "Gold", "Free delivery\nPersonal manager\nInvitations to tastings"),
]
COUPON_TEMPLATES = [
    # name, kind, value, minimum order, validity days, English name
    ("500 ₽ при заказе от 3 000 ₽", "fixed", "500", "3000", 30, "500 ₽ off from 3,000 ₽"),
    ("Скидка 10 %", "percent", "10", "0", 30, "10% off"),
    ("1 500 ₽ при заказе от 7 000 ₽", "fixed", "1500", "7000", 60, "1,500 ₽ off from 7,000 ₽"),
]
REWARDS = [
    # name, cost in points, template, English name
    ("Сертификат на 500 ₽", 500, "500 ₽ при заказе от 3 000 ₽", "500 ₽ voucher"),
    ("Скидка 10 % на следующий заказ", 800, "Скидка 10 %", "10% off your next order"),
    ("Сертификат на 1 500 ₽", 1500, "1 500 ₽ при заказе от 7 000 ₽", "1,500 ₽ voucher"),
]
BASE_RATE = Decimal("0.05")  # 5 points per 100 ₽


def programme_seed() -> dict:
    """Create the default programme once (by natural keys); running it again changes nothing."""
    ProgrammeSettings.load()
    for slug, name, rank, threshold, multiplier, perks, name_en, perks_en in TIERS:
        Tier.objects.get_or_create(slug=slug, defaults={"name": name, "rank": rank, "threshold": Decimal(threshold),
                                                        "multiplier": Decimal(multiplier), "perks": perks,
                                                        "translations": {"en": {"name": name_en, "perks": perks_en}}})
    rules = [("Base rate", "base", {"points_per_unit": BASE_RATE}),
             ("First purchase", "first_purchase", {"bonus_points": 200}),
             ("Birthday month", "birthday", {"bonus_points": 300}),
             ("Bring a friend", "referral", {"bonus_points": 500, "referral_beneficiary": "both"})]
    for name, kind, fields in rules:
        EarningRule.objects.get_or_create(name=name, kind=kind, defaults=fields)
    templates = {}
    for name, kind, value, minimum, days, name_en in COUPON_TEMPLATES:
        templates[name], _ = CouponTemplate.objects.get_or_create(
            name=name, defaults={"discount_kind": kind, "discount_value": Decimal(value),
                                 "min_order_total": Decimal(minimum), "validity_days": days,
                                 "translations": {"en": {"name": name_en}}})
    for name, cost, template, name_en in REWARDS:
        Reward.objects.get_or_create(name=name, defaults={"points_cost": cost, "template": templates[template],
                                                          "translations": {"en": {"name": name_en}}})
    return {"tiers": Tier.objects.count(), "rules": EarningRule.objects.count(), "rewards": Reward.objects.count()}


def _plus_days(date_sql: str, days: int) -> str:
    return f"({date_sql} + {int(days)})" if is_postgres() else f"date({date_sql}, '+{int(days)} days')"


@transaction.atomic
def demo_points_backfill() -> int:
    """Earn entries, lots and balances for completed orders that have none yet (base rate only). Set-based."""
    programme = ProgrammeSettings.load()
    today = shop_today()
    cutoff = timezone.now() - dt.timedelta(days=programme.return_period_days)
    entry, lot, order, account = (LedgerEntry._meta.db_table, PointsLot._meta.db_table, Order._meta.db_table,
                                  MemberAccount._meta.db_table)
    day_sql, day_params = shop_date("o.created_at", today)
    points_sql = "CAST(FLOOR(o.total * %s) AS BIGINT)" if is_postgres() else "CAST(o.total * %s AS INTEGER)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entry} (member_id, kind, bucket, points, created_at, order_id, reason, cause_key, details) "
            f"SELECT o.member_id, 'earn', CASE WHEN o.created_at < %s THEN 'available' ELSE 'pending' END, "
            f"{points_sql}, o.created_at, o.id, 'Order ' || o.external_id, 'order:' || o.id || ':earn', %s "
            f"FROM {order} o WHERE o.status = 'completed' AND {points_sql} > 0 "
            f"AND NOT EXISTS (SELECT 1 FROM {entry} e WHERE e.cause_key = 'order:' || o.id || ':earn')",
            [timestamp_param(cutoff), str(BASE_RATE), "{}", str(BASE_RATE)],
        )
        written = cursor.rowcount
        expires = _plus_days(day_sql, programme.validity_days) if programme.validity_kind != "never" else "NULL"
        cursor.execute(
            f"INSERT INTO {lot} (member_id, entry_id, order_id, points, remaining, state, available_on, expires_on) "
            f"SELECT e.member_id, e.id, e.order_id, e.points, e.points, e.bucket, "
            f"{_plus_days(day_sql, programme.return_period_days)}, {expires} "
            f"FROM {entry} e JOIN {order} o ON o.id = e.order_id "
            f"WHERE e.kind = 'earn' AND e.cause_key LIKE 'order:%%:earn' "
            f"AND NOT EXISTS (SELECT 1 FROM {lot} l WHERE l.entry_id = e.id)",
            [*day_params, *(day_params if expires != "NULL" else [])],
        )
        cursor.execute(
            f"INSERT INTO {account} (member_id, available_points, pending_points, debt_points, updated_at) "
            f"SELECT DISTINCT e.member_id, 0, 0, 0, %s FROM {entry} e "
            f"WHERE NOT EXISTS (SELECT 1 FROM {account} a WHERE a.member_id = e.member_id)",
            [timestamp_param(timezone.now())],
        )
        # Recompute every cache from the ledger: the same sums check_ledger proves.
        for bucket in ("available", "pending", "debt"):
            cursor.execute(
                f"UPDATE {account} SET {bucket}_points = COALESCE((SELECT SUM(points) FROM {entry} e "
                f"WHERE e.member_id = {account}.member_id AND e.bucket = %s), 0)", [bucket],
            )
    return written
