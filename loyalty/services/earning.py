"""How many points an order earns: base rate × tier multiplier × category/product/promotion multipliers,
capped per order and per member per day/week/month; plus first-purchase, birthday and referral bonuses.

The programme's configuration (settings row, active earning rules, tiers) is read on every order but
changes rarely, so each process keeps it for CONFIG_CACHE_SECONDS (`earning_config()`): a save
or delete in admin clears it at once in the saving process (and again when that transaction commits);
other processes (gunicorn workers, Celery) see the change within that many seconds.
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Sum

from core.process_cache import ProcessCache
from core.timezones import shop_day_start, shop_zone

from ..models import Category, EarningRule, EarningRuleKind, LedgerEntry, LedgerEntryKind, ProgrammeSettings, Tier
from ..selectors.catalogue import path_within

@dataclass(frozen=True)
class EarningConfig:
    programme: ProgrammeSettings
    rules: tuple[EarningRule, ...]  # every active rule, whatever its dates
    tiers: tuple[Tier, ...]  # by rank, lowest first

    def rules_on(self, day: dt.date) -> list[EarningRule]:
        return [rule for rule in self.rules if (rule.starts_on is None or rule.starts_on <= day)
                and (rule.ends_on is None or rule.ends_on >= day)]


def _config_load() -> EarningConfig:
    return EarningConfig(programme=ProgrammeSettings.load(), rules=tuple(EarningRule.objects.filter(active=True)),
                         tiers=tuple(Tier.objects.order_by("rank")))


_config = ProcessCache("earning_config", _config_load, models=(ProgrammeSettings, EarningRule, Tier))


def earning_config() -> EarningConfig:
    """The programme settings, active earning rules and tiers, cached per process (see the module doc)."""
    return _config.get()


def earning_config_clear() -> None:
    _config.clear()



@dataclass
class Earning:
    line_points: dict[str, int] = field(default_factory=dict)  # product id (str, JSON key) → points
    bonuses: list[tuple[str, int]] = field(default_factory=list)  # (bonus kind, points) for the member
    referrer_bonus: int = 0

    @property
    def line_total(self) -> int:
        return sum(self.line_points.values())


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_DOWN))


def order_day(order) -> dt.date:
    return order.created_at.astimezone(shop_zone()).date()


def _scale(line_points: dict[str, int], limit: int) -> dict[str, int]:
    """Scale lines down so they add up to at most `limit`, keeping each line's share (floored)."""
    total = sum(line_points.values())
    if total <= limit:
        return line_points
    if limit <= 0:
        return {key: 0 for key in line_points}
    return {key: points * limit // total for key, points in line_points.items()}


def _periods(day: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    week = day - dt.timedelta(days=day.weekday())
    month = day.replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    return {"daily": (day, day + dt.timedelta(days=1)), "weekly": (week, week + dt.timedelta(days=7)),
            "monthly": (month, next_month)}


def _member_cap_room(*, member, order, day: dt.date, programme) -> int | None:
    """Points the member may still earn from orders of `day`'s day/week/month, or None if uncapped."""
    room = None
    for period, (start, end) in _periods(day).items():
        cap = getattr(programme, f"{period}_cap")
        if cap is None:
            continue
        # Line points only: bonuses are not capped.
        earned = LedgerEntry.objects.filter(
            member=member, kind=LedgerEntryKind.EARN, cause_key__endswith=":earn",
            order__created_at__gte=shop_day_start(start), order__created_at__lt=shop_day_start(end),
        ).exclude(order=order).aggregate(s=Sum("points"))["s"] or 0
        room = max(0, cap - earned) if room is None else min(room, max(0, cap - earned))
    return room


def _category_paths(lines, rules) -> dict[int, str]:
    """The paths of the lines' and the category rules' categories, in one query, only when such a rule applies.

    Read per order rather than cached with the rules: a category moved in the tree counts at once.
    """
    rule_ids = {rule.category_id for rule in rules if rule.kind == EarningRuleKind.CATEGORY and rule.category_id}
    if not rule_ids:
        return {}
    ids = rule_ids | {line.product.category_id for line in lines if line.product.category_id}
    return dict(Category.objects.filter(pk__in=ids).values_list("id", "path"))


def needs_first_purchase(*, rules) -> bool:
    """Whether any of `rules` depends on the order being the member's first (else the check is skipped)."""
    return any(rule.bonus_points and rule.kind in (EarningRuleKind.FIRST_PURCHASE, EarningRuleKind.REFERRAL)
               for rule in rules)


def order_earning(*, order, lines, member, tier, is_first_purchase: bool,
                  config: EarningConfig | None = None) -> Earning:
    """Compute (not write) what a completed order earns. `lines` are saved OrderLine rows with products."""
    config = config or earning_config()
    programme = config.programme
    day = order_day(order)
    rules = config.rules_on(day)
    rate = sum((rule.points_per_unit for rule in rules if rule.kind == EarningRuleKind.BASE), Decimal(0))
    order_multiplier = tier.multiplier if tier else Decimal(1)
    for rule in rules:
        if rule.kind == EarningRuleKind.PROMOTION:
            order_multiplier *= rule.multiplier
    earning = Earning()
    category_paths = _category_paths(lines, rules)
    for line in lines:
        multiplier = order_multiplier
        for rule in rules:
            # A category's rule covers its subcategories: the product's category path starts with the rule's.
            if (rule.kind == EarningRuleKind.CATEGORY and rule.category_id
                    and path_within(category_paths.get(line.product.category_id), category_paths[rule.category_id])) or (
                rule.kind == EarningRuleKind.PRODUCT and rule.product_id == line.product_id
            ):
                multiplier *= rule.multiplier
        points = _floor(line.quantity * line.unit_price * rate * multiplier)
        if points > 0:
            earning.line_points[str(line.product_id)] = points
    if not lines:  # a till that sends only the total still earns the base rate on it
        points = _floor(order.total * rate * order_multiplier)
        if points > 0:
            earning.line_points["order"] = points
    if programme.per_order_cap is not None:
        earning.line_points = _scale(earning.line_points, programme.per_order_cap)
    room = _member_cap_room(member=member, order=order, day=day, programme=programme)
    if room is not None:
        earning.line_points = _scale(earning.line_points, room)
    earning.line_points = {key: points for key, points in earning.line_points.items() if points > 0}

    for rule in rules:
        if not rule.bonus_points:
            continue
        if rule.kind == EarningRuleKind.FIRST_PURCHASE and is_first_purchase:
            earning.bonuses.append(("first_purchase", rule.bonus_points))
        elif rule.kind == EarningRuleKind.BIRTHDAY and member.birth_date and member.birth_date.month == day.month:
            earning.bonuses.append((f"birthday:{day.year}", rule.bonus_points))
        elif rule.kind == EarningRuleKind.REFERRAL and is_first_purchase and member.referred_by_id:
            if rule.referral_beneficiary in ("referred", "both"):
                earning.bonuses.append(("referral", rule.bonus_points))
            if rule.referral_beneficiary in ("referrer", "both"):
                earning.referrer_bonus += rule.bonus_points
    return earning
