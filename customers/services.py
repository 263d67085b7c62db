"""Writes to members: consent changes (with their proof) and zero-party attributes."""
import datetime as dt
import decimal

from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError

from .models import AttributeDefinition, ConsentPurpose, ConsentRecord, Member


def attributes_clean(values: dict, *, definitions=None, member_editable_only=False) -> dict:
    """Validate zero-party attribute values against their definitions and return them JSON-ready.

    Raises DomainError with one message per bad key; unknown keys are errors, not silently dropped.
    """
    if not isinstance(values, dict):
        raise DomainError("Attributes must be an object.", fields={"attributes": ["Expected an object."]})
    if definitions is None:
        definitions = {d.key: d for d in AttributeDefinition.objects.all()}
    cleaned, errors = {}, {}
    for key, raw in values.items():
        definition = definitions.get(key)
        if definition is None or (member_editable_only and not definition.member_editable):
            errors[key] = ["Unknown attribute."]
            continue
        try:
            cleaned[key] = attribute_value_clean(definition, raw)
        except ValueError as exc:
            errors[key] = [str(exc)]
    if errors:
        raise DomainError("Invalid attributes.", fields={"attributes": errors})
    return cleaned


_TRUE = {"1", "true", "yes", "y", "да", "t"}
_FALSE = {"0", "false", "no", "n", "нет", "f"}


def attribute_value_clean(definition: AttributeDefinition, raw):
    """One value, converted to its JSON form; None clears it. Raises ValueError with a reason."""
    if raw is None or raw == "":
        return None
    kind = definition.type
    if kind == AttributeDefinition.Type.BOOL:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError("Expected yes or no.")
    if kind == AttributeDefinition.Type.INT:
        if isinstance(raw, bool):
            raise ValueError("Expected a whole number.")
        try:
            number = decimal.Decimal(str(raw).strip())
        except decimal.InvalidOperation:
            raise ValueError("Expected a whole number.") from None
        if number != number.to_integral_value():
            raise ValueError("Expected a whole number.")
        return int(number)
    if kind == AttributeDefinition.Type.DECIMAL:
        if isinstance(raw, bool):
            raise ValueError("Expected a number.")
        try:
            number = decimal.Decimal(str(raw).strip())
        except decimal.InvalidOperation:
            raise ValueError("Expected a number.") from None
        if not number.is_finite():
            raise ValueError("Expected a number.")
        return str(number)
    if kind == AttributeDefinition.Type.TEXT:
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            raise ValueError("Expected text.")
        text = str(raw).strip()
        if len(text) > 500:
            raise ValueError("At most 500 characters.")
        return text
    if kind == AttributeDefinition.Type.DATE:
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError("Expected a date, YYYY-MM-DD.") from None
    if kind == AttributeDefinition.Type.CHOICE:
        allowed = [str(c) for c in definition.choices]
        if definition.multiple:
            items = raw if isinstance(raw, list) else [part.strip() for part in str(raw).split("|") if part.strip()]
            bad = [str(item) for item in items if str(item) not in allowed]
            if bad:
                raise ValueError(f"Not among the choices: {', '.join(bad)}.")
            return sorted({str(item) for item in items})
        if isinstance(raw, (list, dict)) or str(raw) not in allowed:
            raise ValueError(f"Expected one of: {', '.join(allowed)}.")
        return str(raw)
    raise ValueError("Unknown attribute type.")


@transaction.atomic
def member_attributes_update(*, member: Member, values: dict, member_editable_only=False) -> Member:
    """Merge validated attribute values into the member; a None value removes the key."""
    cleaned = attributes_clean(values, member_editable_only=member_editable_only)
    member = Member.objects.select_for_update().get(pk=member.pk)
    for key, value in cleaned.items():
        if value is None:
            member.attributes.pop(key, None)
        else:
            member.attributes[key] = value
    member.save(update_fields=["attributes", "updated_at"])
    return member


@transaction.atomic
def consent_set(
    *, member: Member, purpose: str, granted: bool, method: str, source: str = "", evidence: str = "", at=None
) -> ConsentRecord:
    """Record a grant or withdrawal and update the member's current flag in the same transaction.

    Every call appends proof, even when the state does not change (a re-confirmation is evidence too).
    """
    if purpose not in ConsentPurpose.values:
        raise DomainError("Unknown consent purpose.", fields={"purpose": [f"Expected one of {ConsentPurpose.values}."]})
    record = ConsentRecord.objects.create(
        member=member,
        purpose=purpose,
        granted=granted,
        occurred_at=at or timezone.now(),
        method=method,
        source=source,
        evidence=evidence,
    )
    Member.objects.filter(pk=member.pk).update(**{f"{purpose}_consent": granted, "updated_at": timezone.now()})
    setattr(member, f"{purpose}_consent", granted)
    return record
