"""Reads about members that the API and the portal share."""
import re

from django.db import connection
from django.db.models import QuerySet

from core.exceptions import DomainError, NotFound
from core.rows import model_rows, model_rows_with_one

from .models import Member
from .phones import PhoneInvalid, phone_normalise


def card_normalise(value: str) -> str:
    return re.sub(r"[\s\-]", "", value)


def _lookup_condition(*, phone: str, email: str, card: str) -> tuple[str, list[str]]:
    """(field, values): members matching exactly one given identifier, normalised; each an indexed equality."""
    given = [name for name, value in (("phone", phone), ("email", email), ("card", card)) if value and value.strip()]
    if len(given) != 1:
        raise DomainError(
            "Give exactly one of phone, email or card.",
            code="invalid_lookup",
            fields={"non_field_errors": ["Give exactly one of phone, email or card."]},
        )
    if phone:
        try:
            normalised = phone_normalise(phone)
        except PhoneInvalid as exc:
            raise DomainError(str(exc), code="invalid", fields={"phone": [str(exc)]}) from None
        # Every stored phone is E.164 (customers.phones; migration 0004 normalised the older rows).
        return "phone", [normalised]
    if email:
        email = email.strip()
        return "email", sorted({email, email.lower()})
    return "card_number", sorted({card_normalise(card), card.strip()})


def member_lookup_queryset(*, phone: str = "", email: str = "", card: str = "") -> QuerySet[Member]:
    """Members matching exactly one given identifier, normalised; each variant is an indexed equality."""
    field, values = _lookup_condition(phone=phone, email=email, card=card)
    return Member.objects.filter(**{f"{field}__in": values})


def member_lookup(*, phone: str = "", email: str = "", card: str = "", with_one: str | None = None) -> Member:
    """The one member with this phone, email or card. NotFound if none; `member_ambiguous` (409) if several.

    Every till lookup: one hand-written SELECT (core.rows), not a compiled queryset. `with_one`: a reverse
    one-to-one of Member that a floor above keeps (loyalty's "account"), read in the same statement and cached.
    """
    field, values = _lookup_condition(phone=phone, email=email, card=card)
    where = f"{connection.ops.quote_name(Member._meta.db_table)}.{field} IN ({', '.join(['%s'] * len(values))})"
    found = (model_rows_with_one(Member, with_one, where, values, limit=2) if with_one
             else model_rows(Member, where, values, limit=2))
    if not found:
        raise NotFound("No member has this identifier.", code="member_not_found")
    if len(found) > 1:
        raise DomainError(
            "Several members share this identifier; look up by another one.", code="member_ambiguous", http_status=409
        )
    return found[0]


def member_time_zones() -> list[str]:
    """Each time zone some member lives in, once (for SQL that converts times per zone)."""
    # order_by() drops Member's default ordering, which DISTINCT would otherwise include: one row per member.
    return list(Member.objects.order_by().values_list("timezone", flat=True).distinct())


def member_regions_unknown(*, limit: int = 5) -> tuple[int, list[tuple[str, int]]]:
    """Members whose `region` the reference of Russia's regions does not recognise (customers.regions): how many,
    and the most common such values with their counts. One grouped query; empty regions are not counted."""
    from django.db.models import Count

    from .regions import all_spellings

    unknown = (Member.objects.order_by().exclude(region="").exclude(region__in=sorted(all_spellings()))
               .values("region").annotate(n=Count("id")).order_by("-n", "region"))
    rows = [(row["region"], row["n"]) for row in unknown]
    return sum(n for _region, n in rows), rows[:limit]
