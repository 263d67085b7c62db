import datetime as dt
import re
from decimal import Decimal

import pytest
from axes.models import AccessLog
from django.test import Client
from django.utils import timezone

from core.timezones import zone_or_shop

from customers.models import ConsentRecord
from customers.tests.factories import AttributeDefinitionFactory
from loyalty import services as loyalty_services
from loyalty.models import Coupon, MemberAccount
from loyalty.tests.factories import RewardFactory, TierFactory

from .factories import PASSWORD

pytestmark = pytest.mark.django_db

PAGES = ["/", "/history/", "/coupons/", "/rewards/", "/profile/", "/referral/"]


@pytest.fixture
def web(member):
    client = Client()
    client.force_login(member.user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_member_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_sign_in_with_password_shows_the_dashboard_with_balance_and_tier(client, member):
    gold = TierFactory(slug="silver", name="Silver", rank=1)
    TierFactory(slug="gold", name="Gold", rank=2, threshold=5000)
    loyalty_services.points_award_bonus(member=member, points=1234, reason="Welcome", cause_key="w")
    MemberAccount.objects.filter(member=member).update(tier=gold)
    response = client.post("/sign-in/", {"login": member.email, "password": PASSWORD}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == "/"
    assert 'data-testid="balance">1\xa0234<' in body  # grouped as Russian readers expect
    assert "Silver" in body and 'role="progressbar"' in body


def test_wrong_password_shows_a_message_and_stays_signed_out(client, member):
    response = client.post("/sign-in/", {"login": member.email, "password": "nope"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors()


def test_sign_in_by_code(client, member, sent):
    client.post("/sign-in/code/", {"login": member.email})
    code = re.search(r"\b(\d{6})\b", sent()[0]["body"]).group(1)
    response = client.post("/sign-in/code/", {"login": member.email, "code": code})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(member.user.pk)


def test_sign_up_with_a_referral_link(client, member):
    response = client.post(f"/join/{member.referral_code}/", {
        "login": "+7 (901) 555-12-34", "password": "a-long-pass-phrase", "personal_data_consent": "on"})
    assert response.status_code == 302
    assert member.referrals.get().phone == "+79015551234"


def test_redeeming_a_reward_asks_for_confirmation_then_shows_the_coupon(web, member):
    # given a member with 500 points and a reward for 300
    reward = RewardFactory(name="Coffee", points_cost=300)
    loyalty_services.points_award_bonus(member=member, points=500, reason="Welcome", cause_key="w")
    # when they choose it, a confirmation says what it costs and what is left, and nothing is spent yet
    assert f'href="/rewards/{reward.pk}/redeem/"' in web.get("/rewards/").content.decode()
    page = web.get(f"/rewards/{reward.pk}/redeem/").content.decode()
    assert 'data-testid="cost">300' in page and 'data-testid="left">200' in page
    assert not Coupon.objects.exists()
    # and a POST without the confirmation (an old form, a crafted request) shows it again and spends nothing
    unconfirmed = web.post(f"/rewards/{reward.pk}/redeem/", {"idempotency_key": "k"})
    assert unconfirmed.status_code == 200 and 'name="confirm"' in unconfirmed.content.decode()
    assert not Coupon.objects.exists()
    # when they confirm (twice: a double submit), then one coupon is issued and shown
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    response = web.post(f"/rewards/{reward.pk}/redeem/", {"idempotency_key": key, "confirm": "yes"}, follow=True)
    web.post(f"/rewards/{reward.pk}/redeem/", {"idempotency_key": key, "confirm": "yes"})
    coupon = Coupon.objects.get(member=member)
    assert coupon.code in response.content.decode()
    assert MemberAccount.objects.get(member=member).available_points == 200


def test_a_reward_beyond_the_balance_is_not_offered_for_confirmation(web, member):
    reward = RewardFactory(name="Coffee", points_cost=300)
    page = web.get(f"/rewards/{reward.pk}/redeem/").content.decode()
    assert 'name="confirm"' not in page and 'data-testid="left"' not in page


def test_an_offer_and_its_coupon_show_the_same_expiry(web, member):
    # given an offer made before offers were tied to their coupon's expiry: the offer says one day, the coupon another
    from campaigns.models import MemberOffer
    from loyalty.tests.factories import CouponTemplateFactory

    template = CouponTemplateFactory(validity_days=30)
    coupon = loyalty_services.coupon_issue(template=template, member=member, source="campaign", cause_key="c")
    MemberOffer.objects.create(member=member, title="300 off", coupon=coupon,
                               valid_until=coupon.expires_at - dt.timedelta(days=16))
    # then the offers page and the coupons page show the coupon's day
    day = timezone.localtime(coupon.expires_at, zone_or_shop(member.timezone)).strftime("%d.%m.%Y")
    assert day in web.get("/offers/").content.decode()
    assert day in web.get("/coupons/").content.decode()


def test_changing_consents_and_unsubscribing_record_proof(web, member):
    web.post("/profile/", {"form": "consents", "email": "on", "sms": "on"})
    web.post("/profile/unsubscribe/sms/")
    member.refresh_from_db()
    assert member.email_consent and not member.sms_consent
    assert list(ConsentRecord.objects.filter(member=member).order_by("id").values_list("purpose", "granted", "method")) == [
        ("email", True, "checkbox"), ("sms", True, "checkbox"), ("sms", False, "unsubscribe_link")]


def test_survey_answers_are_saved_and_bad_ones_shown(web, member):
    AttributeDefinitionFactory(key="size", label="Size", type="choice", choices=["S", "M"])
    AttributeDefinitionFactory(key="staff_note", type="text", member_editable=False)
    page = web.get("/profile/").content.decode()
    assert "Size" in page and "staff_note" not in page
    web.post("/profile/", {"form": "survey", "survey-size": "M"})
    bad = web.post("/profile/", {"form": "survey", "survey-size": "XXL"})
    member.refresh_from_db()
    assert member.attributes == {"size": "M"}
    assert bad.status_code == 200 and bad.context["survey_form"].errors


def test_pages_render_in_russian_by_default_and_in_english_on_request(web, member):
    loyalty_services.points_award_bonus(member=member, points=10, reason="Welcome", cause_key="w")
    assert "Мои купоны" in web.get("/coupons/").content.decode()
    assert "Бонус" in web.get("/history/").content.decode()
    web.post("/i18n/setlang/", {"language": "en", "next": "/coupons/"})
    assert "My coupons" in web.get("/coupons/").content.decode()


def test_sign_out_needs_post_and_ends_the_session(web):
    assert web.get("/sign-out/").status_code == 405
    web.post("/sign-out/")
    assert web.get("/").status_code == 302


def test_web_sign_in_is_throttled_like_the_api(client, member):
    codes = [client.post("/sign-in/", {"login": f"someone-{n}@example.com", "password": "x"},
                         HTTP_X_FORWARDED_FOR=f"10.3.0.{n}").status_code for n in range(11)]
    assert codes == [200] * 10 + [429]
    blocked = client.post("/sign-in/", {"login": member.email, "password": PASSWORD})
    assert blocked.status_code == 429 and "_auth_user_id" not in client.session


def test_password_reset_through_the_portal(client, member, sent):
    # given a reset link sent to the member's email
    client.post("/password-reset/request/", {"login": member.email})
    link = re.search(r"(/password-reset/\?uid=\S+)", sent()[0]["body"]).group(1)
    assert sent()[0]["to"] == member.email
    # when they open it and choose a new password
    assert client.get(link).status_code == 200
    response = client.post(link, {"password": "fresh-long-secret-7"})
    # then they are signed in and the new password works
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(member.user.pk)
    member.user.refresh_from_db()
    assert member.user.check_password("fresh-long-secret-7")
    assert client.post(link, {"password": "another-long-secret-7"}).status_code == 200  # used link refused
    member.user.refresh_from_db()
    assert member.user.check_password("fresh-long-secret-7")


def test_saving_the_profile_in_russian_keeps_the_birth_date(web, member):
    # given a member with a birth date, reading the portal in Russian
    member.birth_date = dt.date(1978, 7, 23)
    member.save(update_fields=["birth_date"])
    web.cookies["django_language"] = "ru"

    # when the profile page is read and its form sent back as the browser would send it
    page = web.get("/profile/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    shown = re.search(r'<input type="date" name="birth_date" value="([^"]*)"', page)
    response = web.post("/profile/", {"form": "profile", "first_name": member.first_name or "Анна",
                                      "birth_date": shown.group(1) if shown else ""})

    # then the date input holds an ISO date the browser can show, and the birth date survives the save
    assert shown and shown.group(1) == "1978-07-23"
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.birth_date == dt.date(1978, 7, 23)


def test_consent_times_show_on_the_members_own_clock(web, member):
    # given a member in Vladivostok (UTC+10) who gave email consent at 20:30 UTC
    from customers.services import consent_set

    member.timezone = "Asia/Vladivostok"
    member.save(update_fields=["timezone"])
    consent_set(member=member, purpose="email", granted=True, method="web",
                at=dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC))

    # when they open their profile
    page = web.get("/profile/").content.decode()

    # then the time is theirs: 06:30 the next morning
    assert "02.03.2026 06:30" in page


def test_portal_sign_ins_stay_out_of_the_admins_access_log(client, member, django_user_model):
    # given a clerk of the admin
    django_user_model.objects.create_user("clerk", password="staff-long-secret-1", is_staff=True)
    # when the member signs in to the portal and the clerk to the admin
    assert client.post("/sign-in/", {"login": member.email, "password": PASSWORD}).status_code == 302
    assert Client().post("/admin/login/", {"username": "clerk", "password": "staff-long-secret-1"}).status_code == 302
    # then only the clerk's sign-in is in django-axes' access log (members have their own limits, no IP log)
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["clerk"]


def test_profile_form_stores_the_phone_in_e164(web, member):
    response = web.post("/profile/", {"form": "profile", "first_name": member.first_name, "phone": "8 (999) 000-11-22"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "+79990001122"


def test_profile_form_shows_an_invalid_phone_as_a_field_error(web, member):
    before = member.phone
    response = web.post("/profile/", {"form": "profile", "first_name": member.first_name, "phone": "12345"})
    assert response.status_code == 200
    assert response.context["profile_form"].errors["phone"]
    member.refresh_from_db()
    assert member.phone == before


def test_sign_in_by_code_with_a_phone_typed_the_national_way(client, member, sent):
    client.post("/sign-in/code/", {"login": "8" + member.phone[2:]})
    code = re.search(r"\b(\d{6})\b", sent()[0]["body"]).group(1)
    response = client.post("/sign-in/code/", {"login": "+7 " + member.phone[2:], "code": code})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(member.user.pk)


def test_sign_up_form_with_an_invalid_phone_shows_an_error(client):
    response = client.post("/sign-up/", {"login": "8 (999) 000-11", "password": "a-long-pass-phrase",
                                         "personal_data_consent": "on"})
    assert response.status_code == 200 and response.context["form"].errors


def test_money_on_the_dashboard_and_coupons_is_in_the_shops_currency(web, member, settings):
    # given a shop that trades in tenge, a member on the base level and a fixed-sum coupon
    from loyalty.tests.factories import CouponTemplateFactory

    settings.SHOP_CURRENCY = "KZT"
    base = TierFactory(slug="base", rank=1, threshold=Decimal("2000"))
    TierFactory(slug="gold", name="Gold", rank=2, threshold=Decimal("15000"))
    MemberAccount.objects.update_or_create(member=member, defaults={"tier": base})
    template = CouponTemplateFactory(discount_value=Decimal("1500"), min_order_total=Decimal("7000.50"))
    loyalty_services.coupon_issue(template=template, member=member, source="staff", cause_key="c")
    # when the member opens the dashboard and their coupons in Russian
    dashboard = web.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    coupons = web.get("/coupons/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then every amount is grouped the Russian way and carries the shop's sign, not a rouble sign
    assert "15\xa0000\xa0₸" in dashboard and "2\xa0000\xa0₸" in dashboard
    assert "1\xa0500\xa0₸" in coupons and "7\xa0000,50\xa0₸" in coupons
    assert "₽" not in dashboard and "₽" not in coupons


def test_profile_wraps_contacts_and_hides_unsubscribe_when_nothing_is_subscribed(web, member):
    # given a member who has agreed to no messages
    page = web.get("/profile/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then the unsubscribe heading has no buttons to stand over, and the phone reads as people dial it
    from customers.phones import phone_display

    assert "Отписаться" not in page
    assert f"<span>{member.email}</span>" in page and f"<span>{phone_display(member.phone)}</span>" in page
    assert phone_display(member.phone) != member.phone


def test_rewards_say_points_in_the_right_russian_form_and_grouped(web, member):
    # given a member with 1 point and a reward for 1 000
    RewardFactory(name="Кофе", points_cost=1000)
    loyalty_services.points_award_bonus(member=member, points=1, reason="Welcome", cause_key="w")
    # then the rewards page says «1 балл» and «1 000 баллов» (was «1 баллов», «1000 баллов»)
    page = web.get("/rewards/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "У вас 1 балл." in page and "1\xa0000 баллов" in page


def test_points_to_the_next_level_take_the_right_russian_form(web, member):
    # given a points tier 22 points away and the member's own points tier needing 1 more to keep
    base = TierFactory(slug="base", rank=1, qualify_by="points", threshold=Decimal("1"))
    TierFactory(slug="gold", name="Золото", rank=2, qualify_by="points", threshold=Decimal("22"))
    MemberAccount.objects.update_or_create(member=member, defaults={"tier": base})
    # when the member opens the dashboard in Russian
    page = web.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then «22 балла» and «1 балл», not «баллов» for every number
    assert "Накопите ещё 22 балла, чтобы получить уровень Золото" in page
    assert "Чтобы сохранить уровень, накопите ещё 1 балл." in page
