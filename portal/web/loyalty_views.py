"""Dashboard, points history, coupons and the rewards catalogue: loyalty's selectors and services."""
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from campaigns import selectors as campaign_selectors
from core.exceptions import DomainError
from loyalty import selectors as loyalty_selectors
from loyalty import services as loyalty_services
from loyalty.models import LedgerEntryKind, Reward

from .common import member_required

COUPON_STATES = ("active", "used", "expired")


@member_required
def dashboard(request, member):
    return render(request, "portal/dashboard.html", {
        "member": member,
        "balance": loyalty_selectors.member_balance(member=member),
        "progress": loyalty_selectors.tier_progress(member=member),
        "coupons": loyalty_selectors.member_coupons(member=member, state="active")[:3],
        "entries": loyalty_selectors.member_ledger(member=member)[:5],
        "offers": campaign_selectors.member_offers(member=member)[:3],
    })


@member_required
def history(request, member):
    kind = request.GET.get("kind") if request.GET.get("kind") in LedgerEntryKind.values else None
    page = Paginator(loyalty_selectors.member_ledger(member=member, kind=kind), 25).get_page(request.GET.get("page"))
    return render(request, "portal/history.html", {"page": page, "kind": kind, "kinds": LedgerEntryKind.choices})


@member_required
def coupons(request, member):
    state = request.GET.get("state") if request.GET.get("state") in COUPON_STATES else "active"
    return render(request, "portal/coupons.html", {
        "coupons": loyalty_selectors.member_coupons(member=member, state=state)[:100], "state": state,
        "states": COUPON_STATES,
    })


@member_required
def rewards(request, member):
    balance = loyalty_selectors.member_balance(member=member)
    return render(request, "portal/rewards.html", {"rewards": loyalty_selectors.rewards_available(), "balance": balance})


@member_required
def reward_redeem(request, member, reward_id):
    """Spending points is confirmed on a page of its own (what it costs, what is left), then done by its POST.

    A POST without the confirmation (an old form, a crafted request) shows the confirmation instead of buying.
    """
    reward = get_object_or_404(Reward.objects.select_related("template"), pk=reward_id, active=True)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        balance = loyalty_selectors.member_balance(member=member)
        return render(request, "portal/reward_confirm.html", {
            "reward": reward, "balance": balance, "left": balance.available - reward.points_cost,
            # One key per rendered page: a double-click or a resubmitted form buys once.
            "idempotency_key": uuid.uuid4().hex,
        })
    key = (request.POST.get("idempotency_key") or "")[:64] or uuid.uuid4().hex
    try:
        coupon = loyalty_services.reward_redeem(member=member, reward=reward, cause_key=f"member:{member.pk}:{key}")
    except DomainError as exc:
        messages.error(request, _("Could not redeem: %(reason)s") % {"reason": exc.message})
        return redirect("portal:rewards")
    messages.success(request, _("Done! Your coupon code is %(code)s.") % {"code": coupon.code})
    return redirect("portal:coupons")
