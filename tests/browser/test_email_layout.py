"""The campaign email's HTML as a mail client shows it, wide and narrow (cards stack on a phone)."""
import pytest
from django.core import mail

from campaigns.services import outbox_send_due
from campaigns.tests.factories import permissive_send_rules
from campaigns.tests.test_email_layout import shop_with_a_selection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_campaign_email_renders_with_brand_and_product_cards(page_factory, settings, artifacts):
    # given a sent campaign email with four product cards
    shop_with_a_selection(settings, cards=4)
    # send rules that allow any hour (the flush left none, and the default quiet hours would hold the email
    # back when the suite runs in the shop's evening)
    permissive_send_rules()
    settings.SHOP_LOGO_URL = ""  # no network here: the name stands in for the logo
    outbox_send_due()
    html = mail.outbox[0].alternatives[0][0]
    # when a desktop and a phone mail client show it
    for name, width in (("email_desktop", 900), ("email_phone", 390)):
        page = page_factory(width=width, height=900)
        page.set_content(html)
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        # then the shop's name heads it and the cards are there, side by side on a desktop, stacked on a phone
        assert page.get_by_text("Лавка у дома").first.is_visible()
        cards = page.locator("td.card-cell")
        first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
        if width > 620:
            assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"]
        else:
            assert second["y"] > first["y"] + first["height"] - 1
