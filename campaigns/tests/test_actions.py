"""Each campaign action: message content, coupon, points, review request (once), manager task, offer."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from campaigns.models import ManagerTask, MemberOffer, PlannedAction, Review
from campaigns.selectors import member_offers, review_request_from_token
from campaigns.services import outbox_send_due
from campaigns.services import actions
from campaigns.services.actions import planned_actions_run
from campaigns.services.reviews import review_submit
from core.exceptions import DomainError
from customers.tests.factories import MemberFactory
from loyalty.models import Coupon, LedgerEntry
from loyalty.tests.factories import CouponTemplateFactory, OrderFactory, OrderLineFactory, ProductFactory

from .factories import CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = pytest.mark.django_db


def planned(step, entry):
    return PlannedAction.objects.create(step=step, entry=entry, due_at=entry.triggered_at)


def test_email_shows_the_usual_basket_and_a_personal_selection():
    # given a member who buys milk and bread every time, and a shop where others also buy cheese with them
    member = MemberFactory(email_consent=True, first_name="Anna")
    milk, bread, cheese = ProductFactory(name="Milk 1L"), ProductFactory(name="Bread"), ProductFactory(name="Cheese")
    for days in (30, 20, 10):
        order = OrderFactory(member=member, created_at=timezone.now() - dt.timedelta(days=days))
        OrderLineFactory(order=order, product=milk)
        OrderLineFactory(order=order, product=bread)
    for _ in range(3):
        other = OrderFactory(created_at=timezone.now() - dt.timedelta(days=5))
        OrderLineFactory(order=other, product=milk)
        OrderLineFactory(order=other, product=cheese)
    entry = EntryFactory(member=member)
    step = StepFactory(campaign=entry.campaign, subject_template="For you, {{ first_name }}", body_template=(
        "Usual:{% for p in usual_basket %} {{ p.name }};{% endfor %}\n"
        "Picked:{% for p in personal_selection %} {{ p.name }};{% endfor %}"))
    CampaignMessageFactory(entry=entry, campaign_step=step)
    # when it is sent
    outbox_send_due()
    # then the mail lists the usual basket and the selection
    [sent] = mail.outbox
    assert sent.subject == "For you, Anna"
    assert "Usual: Milk 1L; Bread;" in sent.body or "Usual: Bread; Milk 1L;" in sent.body
    assert "Picked:" in sent.body and "Cheese;" in sent.body.split("Picked:")[1]


def test_coupon_step_issues_one_coupon_whose_code_the_message_shows(monkeypatch):
    monkeypatch.setattr(actions, "planned_actions_awaited_run", lambda **kwargs: None)  # another worker holds it
    member = MemberFactory(email_consent=True)
    entry = EntryFactory(member=member)
    coupon_step = StepFactory(campaign=entry.campaign, action="coupon", channel="", body_template="Use {{ coupon_code }}",
                              coupon_template=CouponTemplateFactory(), offer_title="300 off")
    message_step = StepFactory(campaign=entry.campaign, body_template="Your code: {{ coupon_code }}")
    planned(coupon_step, entry)
    next_week = StepFactory(campaign=entry.campaign, action="manager_task", channel="", day_offset=7)
    PlannedAction.objects.create(step=next_week, entry=entry, due_at=entry.triggered_at + dt.timedelta(days=7))
    message = CampaignMessageFactory(entry=entry, campaign_step=message_step)
    # when the worker sends before the action ran, then after
    outbox_send_due()
    message.refresh_from_db()
    waited = message.reason
    planned_actions_run()
    planned_actions_run()  # a second run issues nothing more
    message.refresh_from_db()
    outbox_send_due(now=message.due_at)
    # then one coupon exists, the mail shows its code (next week's task does not hold it back),
    # and the member sees the coupon as an offer
    coupon = Coupon.objects.get(member=member)
    assert waited == "waiting for the campaign's actions"
    assert mail.outbox[0].body.startswith(f"Your code: {coupon.code}")
    [offer] = member_offers(member=member)
    assert (offer.title, offer.coupon, offer.body) == ("300 off", coupon, f"Use {coupon.code}")


def test_a_same_moment_coupon_is_issued_before_the_message_naming_it_renders_in_the_same_pass():
    # given a campaign entry with a coupon and a message showing its code, both due now, and a task next week
    member = MemberFactory(email_consent=True)
    entry = EntryFactory(member=member)
    coupon_step = StepFactory(campaign=entry.campaign, action="coupon", channel="", coupon_template=CouponTemplateFactory())
    planned(coupon_step, entry)
    next_week = StepFactory(campaign=entry.campaign, action="manager_task", channel="", day_offset=7)
    later = PlannedAction.objects.create(step=next_week, entry=entry, due_at=entry.triggered_at + dt.timedelta(days=7))
    CampaignMessageFactory(entry=entry, campaign_step=StepFactory(campaign=entry.campaign,
                                                                  body_template="Your code: {{ coupon_code }}"))
    # when the outbox worker runs once, before the actions' own beat
    outbox_send_due()
    # then the coupon exists and the mail went out in that pass with its code; next week's task still waits
    coupon = Coupon.objects.get(member=member)
    [sent] = mail.outbox
    assert sent.body.startswith(f"Your code: {coupon.code}")
    later.refresh_from_db()
    assert later.status == "pending"


def test_bonus_points_are_awarded_once_with_their_expiry():
    member = MemberFactory()
    entry = EntryFactory(member=member)
    step = StepFactory(campaign=entry.campaign, action="bonus_points", channel="", bonus_points=150, bonus_valid_days=30)
    action = planned(step, entry)
    planned_actions_run()
    PlannedAction.objects.filter(pk=action.pk).update(status="pending")  # as if a crash lost the status
    planned_actions_run()
    [entry_row] = LedgerEntry.objects.filter(member=member, kind="bonus")
    assert entry_row.points == 150
    assert member.account.available_points == 150
    action.refresh_from_db()
    assert action.status == "done" and action.result_ref == str(entry_row.pk)


def test_review_link_works_once():
    # given a member with a completed order of two products and a review-request step
    member = MemberFactory(email_consent=True)
    order = OrderFactory(member=member)
    tea, cup = OrderLineFactory(order=order).product, OrderLineFactory(order=order).product
    entry = EntryFactory(member=member)
    request_step = StepFactory(campaign=entry.campaign, action="review_request", channel="")
    planned(request_step, entry)
    message = CampaignMessageFactory(entry=entry, campaign_step=StepFactory(campaign=entry.campaign,
                                                                           body_template="Rate: {{ review_url }}"))
    planned_actions_run()
    outbox_send_due(now=message.due_at)
    # when the member follows the link and submits
    token = mail.outbox[0].body.split("/reviews/")[1].split("/")[0]
    request = review_request_from_token(token=token)
    reviews = review_submit(review_request=request, member=member, items=[
        {"product_id": tea.pk, "rating": 5, "text": "Lovely"}, {"product_id": cup.pk, "rating": 3, "text": ""}])
    # then the reviews are stored, and the link no longer works
    assert request.order == order and len(reviews) == 2
    assert sorted(Review.objects.values_list("rating", flat=True)) == [3, 5]
    with pytest.raises(DomainError) as used:
        review_request_from_token(token=token)
    with pytest.raises(DomainError) as again:
        review_submit(review_request=request, member=member, items=[{"product_id": None, "rating": 4}])
    assert used.value.code == again.value.code == "invalid_token"
    assert Review.objects.count() == 2


def test_forged_review_token_and_bad_ratings_are_refused():
    member = MemberFactory()
    order = OrderFactory(member=member)
    product = OrderLineFactory(order=order).product
    planned(StepFactory(action="review_request", channel="", campaign=(entry := EntryFactory(member=member)).campaign), entry)
    planned_actions_run()
    request = entry.planned_actions.get().review_request
    with pytest.raises(DomainError) as forged:
        review_request_from_token(token=request.token[:-2] + "xx")
    with pytest.raises(DomainError) as bad:
        review_submit(review_request=request, member=member, items=[{"product_id": product.pk, "rating": 6},
                                                                     {"product_id": 999999, "rating": 4}])
    with pytest.raises(DomainError) as foreign:
        review_submit(review_request=request, member=MemberFactory(), items=[{"product_id": None, "rating": 4}])
    assert forged.value.code == "invalid_token" and foreign.value.code == "invalid_token"
    assert set(bad.value.fields) == {"items[0].rating", "items[1].product_id"}
    assert not Review.objects.exists()


def test_manager_task_is_created_once_with_assignee_and_due_date_and_listed_in_the_admin_queue(admin_client):
    manager = get_user_model().objects.create_user("olga", password="x", is_staff=True)
    member = MemberFactory()
    entry = EntryFactory(member=member)
    step = StepFactory(campaign=entry.campaign, action="manager_task", channel="", task_assignee=manager,
                       task_due_days=2, task_text="Call about the lost order")
    planned(step, entry)
    planned_actions_run()
    [task] = ManagerTask.objects.all()
    assert (task.assignee, task.member, task.status, task.title) == (manager, member, "open", "Call about the lost order")
    assert task.due_on > timezone.localdate()
    response = admin_client.get("/admin/campaigns/managertask/?status__exact=open")
    assert response.status_code == 200 and "Call about the lost order" in response.content.decode()


def test_an_action_past_its_window_is_skipped():
    entry = EntryFactory(triggered_at=timezone.now() - dt.timedelta(days=30))
    step = StepFactory(campaign=entry.campaign, action="bonus_points", channel="", bonus_points=10)
    action = planned(step, entry)
    planned_actions_run()
    action.refresh_from_db()
    assert (action.status, action.reason) == ("skipped", "window_expired")
    assert not LedgerEntry.objects.exists()
    assert not MemberOffer.objects.exists()


def test_an_offer_with_a_coupon_ends_when_its_coupon_does():
    # given a coupon step whose coupon lasts 30 days while the step's offers last 14
    member = MemberFactory()
    entry = EntryFactory(member=member)
    step = StepFactory(campaign=entry.campaign, action="coupon", channel="", offer_title="300 off", offer_valid_days=14,
                       coupon_template=CouponTemplateFactory(validity_days=30))
    planned(step, entry)
    # when the action runs
    planned_actions_run()
    # then the offer shows the coupon's own expiry, not a second date two weeks earlier
    coupon, offer = Coupon.objects.get(member=member), MemberOffer.objects.get(member=member)
    assert offer.valid_until == coupon.expires_at
