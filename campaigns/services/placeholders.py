"""The placeholders a campaign message may use: what each gives, a real member's value for the editor, and
the check that a template names only these (a typo is a form error on save, not an empty gap at send time)."""
from django.template import Template
from django.template.base import FilterExpression, NodeList, VariableNode
from django.template.defaulttags import ForNode, IfNode, WithNode
from django.utils.translation import gettext_lazy as _

# name -> what it gives; message_content.message_context provides each of them (a test keeps the two equal)
PLACEHOLDERS = {
    "first_name": _("The member's first name"),
    "member": _("The member: member.last_name, member.email, member.phone…"),
    "points": _("Points available now"),
    "tier": _("The member's tier"),
    "coupon_code": _("The code of the coupon an earlier step of this campaign issued"),
    "usual_basket": _("Products the member usually buys (a list: {% for product in usual_basket %})"),
    "personal_selection": _("A personal selection of products (a list)"),
    "review_url": _("The link to review the last order (after a review-request step)"),
    "offer": _("This campaign's personal offer: offer.title, offer.valid_until"),
    "survey_url": _("The feedback survey's link (CAMPAIGNS_SURVEY_URL; empty when none is set)"),
    "channel": _("The channel the message goes out on: email, sms or push"),
    "event": _("Event campaigns: the triggering event's properties (event.items, event.points…) and event.time"),
}
# Placeholders that are objects: their first attribute is checked too (member.frist_name is a typo).
OBJECT_PLACEHOLDERS = {"member": ("customers", "Member"), "offer": ("campaigns", "MemberOffer")}


def placeholder_samples(*, member) -> list[tuple[str, str, str]]:
    """(name, what it gives, its value for `member`) for each placeholder, as the editor lists them; a coupon
    code and review link stand in for the ones the campaign would make."""
    from .message_content import message_context

    context = {**message_context(member=member), "channel": "email",
               "coupon_code": "SAMPLECODE42", "review_url": "https://…/reviews/…/"}
    return [(name, str(description), _sample(context.get(name))) for name, description in PLACEHOLDERS.items()]


def _sample(value) -> str:
    value = value() if callable(value) else value
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    return "—" if value in (None, "") else str(value)


def template_unknown_names(text: str) -> list[str]:
    """Names the template uses that are no placeholder (nor a loop or {% with %} variable), e.g.
    "frist_name" or "member.frist_name", in order of appearance. Raises TemplateSyntaxError for a template
    that does not parse."""
    unknown = []
    _walk(Template(text).nodelist, set(), unknown)
    return list(dict.fromkeys(unknown))


def _walk(nodelist: NodeList, bound: set[str], unknown: list[str]) -> None:
    for node in nodelist:
        if isinstance(node, VariableNode):
            _check(node.filter_expression, bound, unknown)
        elif isinstance(node, ForNode):
            _check(node.sequence, bound, unknown)
            inner = bound | set(node.loopvars) | {"forloop"}
            _walk(node.nodelist_loop, inner, unknown)
            _walk(node.nodelist_empty, bound, unknown)
        elif isinstance(node, WithNode):
            for expression in node.extra_context.values():
                _check(expression, bound, unknown)
            _walk(node.nodelist, bound | set(node.extra_context), unknown)
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                _condition(condition, bound, unknown)
                _walk(branch, bound, unknown)
        else:
            for attribute in getattr(node, "child_nodelists", ()):
                _walk(getattr(node, attribute, None) or NodeList(), bound, unknown)


def _condition(condition, bound, unknown) -> None:
    """An {% if %} condition: a literal (with its FilterExpression) or an operator over one or two."""
    if condition is None:
        return
    if isinstance(getattr(condition, "value", None), FilterExpression):
        _check(condition.value, bound, unknown)
    for part in ("first", "second"):
        if getattr(condition, part, None) is not None:
            _condition(getattr(condition, part), bound, unknown)


def _check(expression: FilterExpression, bound: set[str], unknown: list[str]) -> None:
    variables = [expression.var] + [arg for _, args in expression.filters for is_var, arg in args if is_var]
    for variable in variables:
        lookups = getattr(variable, "lookups", None)
        if not lookups:
            continue  # a literal: "text", 5
        root = lookups[0]
        if root in bound:
            continue
        if root not in PLACEHOLDERS:
            unknown.append(".".join(lookups))
        elif root in OBJECT_PLACEHOLDERS and len(lookups) > 1 and not _has_attribute(root, lookups[1]):
            unknown.append(".".join(lookups[:2]))


def _has_attribute(root: str, attribute: str) -> bool:
    from django.apps import apps

    model = apps.get_model(*OBJECT_PLACEHOLDERS[root])
    return hasattr(model, attribute) and not attribute.startswith("_")

