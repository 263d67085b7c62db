"""Campaign email in the shop's layout: brand from settings, product cards with UTM links, a plain-text part."""
import base64
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail, signing
from django.utils import timezone

from campaigns.services import outbox_send_due
from campaigns.services.tracking import TRACK_SALT
from customers.tests.factories import MemberFactory
from lifecycle.models import LifecycleStage
from loyalty.tests.factories import OrderFactory, OrderLineFactory, ProductFactory

from .factories import CampaignFactory, CampaignMessageFactory, EntryFactory, StepFactory

pytestmark = pytest.mark.django_db

SWATCH = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160"><rect width="240" height="160" fill="#9bc5b5"/>'
    b'<circle cx="120" cy="80" r="44" fill="#0b6e4f"/></svg>').decode()


def shop_with_a_selection(settings, cards=2):
    """A member who bought milk, a shop where others buy cheese and honey with it, and a step showing `cards`."""
    settings.SHOP_NAME, settings.SHOP_BRAND_COLOR = "Лавка у дома", "#8a1c7c"
    settings.SHOP_LOGO_URL = "https://cdn.shop.example.com/logo.png"
    member = MemberFactory(email_consent=True, first_name="Анна")
    milk = ProductFactory(name="Молоко 1 л", url="https://shop.example.com/p/milk")
    cheese = ProductFactory(name="Сыр Гауда", price="459.90", image_url=SWATCH, url="https://shop.example.com/p/cheese")
    honey = ProductFactory(name="Мёд липовый", price="612.00", image_url=SWATCH,
                           url="https://shop.example.com/p/honey?size=500")
    OrderLineFactory(order=OrderFactory(member=member, created_at=timezone.now() - dt.timedelta(days=90)), product=milk)
    for product in (cheese, cheese, honey):
        order = OrderFactory(created_at=timezone.now() - dt.timedelta(days=5))
        OrderLineFactory(order=order, product=milk)
        OrderLineFactory(order=order, product=product)
    # a stage of its own: transactional (browser) tests flush the seeded stages
    stage = LifecycleStage.objects.create(slug="layout-test", name="Layout", min_orders=1, entry_day=30)
    entry = EntryFactory(member=member, campaign=CampaignFactory(stage=stage))
    step = StepFactory(campaign=entry.campaign, subject_template="{{ first_name }}, мы подобрали для вас",
                       body_template="Здравствуйте, {{ first_name }}!\n\nЗагляните в каталог: https://shop.example.com/sale",
                       email_product_cards=cards)
    CampaignMessageFactory(entry=entry, campaign_step=step)
    return entry.campaign


def clicked_target(href: str) -> str:
    token = urlsplit(href).path.rstrip("/").rsplit("/", 1)[1]
    return signing.Signer(salt=TRACK_SALT).unsign_object(token)[3]


def test_email_has_the_shops_look_product_cards_with_utm_links_and_a_text_part(settings):
    # given a step that shows two product cards, and the shop's name, logo and colour in settings
    campaign = shop_with_a_selection(settings)
    # when it is sent
    outbox_send_due()
    # then the HTML part is the shop's layout: name as the logo's alt text, the brand colour, the text
    [sent] = mail.outbox
    html, kind = sent.alternatives[0]
    assert kind == "text/html"
    assert 'alt="Лавка у дома"' in html and "https://cdn.shop.example.com/logo.png" in html and "#8a1c7c" in html
    assert "Здравствуйте, Анна!" in html
    # and each card links (through the click redirect) to the product with utm_source/medium/campaign
    hrefs = {clicked_target(h) for h in __import__("re").findall(r'href="([^"]*/m/c/[^"]+)"', html)}
    cheese = next(h for h in hrefs if "/p/cheese" in h)
    honey = next(h for h in hrefs if "/p/honey" in h)
    assert parse_qs(urlsplit(cheese).query) == {"utm_source": ["loyalty"], "utm_medium": ["email"],
                                                "utm_campaign": [campaign.slug]}
    assert parse_qs(urlsplit(honey).query)["size"] == ["500"]  # the product's own parameters stay
    assert "459,90" in html and "Сыр Гауда" in html and SWATCH in html
    # and the plain-text part has the text, the products with their links and the unsubscribe link
    assert sent.body.startswith("Здравствуйте, Анна!")
    assert f"Сыр Гауда — 459,90\xa0₽ — {cheese}" in sent.body
    assert "Подобрали для вас:" in sent.body
    assert "/m/u/" in sent.body


def test_a_step_without_cards_shows_no_products(settings):
    shop_with_a_selection(settings, cards=0)
    outbox_send_due()
    [sent] = mail.outbox
    html = sent.alternatives[0][0]
    assert "Сыр Гауда" not in html and "Сыр Гауда" not in sent.body
    assert "Здравствуйте, Анна!" in html


def test_a_sign_in_code_email_has_the_shops_look_and_no_tracking(settings):
    # given a transactional email with a secret code and a link
    from campaigns.models import SECRET_PLACEHOLDER
    from campaigns.services.outbox import transactional_enqueue

    settings.SHOP_NAME = "Лавка у дома"
    member = MemberFactory()
    message = transactional_enqueue(member=member, channel="email", subject="Код входа", dedupe_key="code:t1",
                                    body=f"Ваш код: {SECRET_PLACEHOLDER}\n\nВойти: https://club.example.com/login",
                                    secret="482913")
    # when it is sent
    outbox_send_due()
    # then its HTML part is the shop's layout with the code, the link goes straight to its target, no pixel,
    # no unsubscribe link; the text part is the text
    [sent] = mail.outbox
    html = sent.alternatives[0][0]
    assert "Лавка у дома" in html and "Ваш код: 482913" in html
    assert 'href="https://club.example.com/login"' in html
    assert "/m/o/" not in html and "/m/c/" not in html and "/m/u/" not in html
    assert sent.body == "Ваш код: 482913\n\nВойти: https://club.example.com/login"
    # and the stored row never held the code
    message.refresh_from_db()
    assert "482913" not in message.body + message.subject and message.encrypted_secret == ""
