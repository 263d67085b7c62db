"""Money for people: the active language's separators and the currency's sign."""
from decimal import Decimal

from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from core.money import money_format


def test_russian_groups_thousands_with_a_space_a_decimal_comma_and_the_sign_after():
    with translation.override("ru"):
        assert money_format(Decimal("105433.83"), "RUB") == "105\xa0433,83\xa0₽"
        assert money_format(Decimal("-1200"), "RUB") == "-1\xa0200,00\xa0₽"
        assert money_format(Decimal("99.5"), "USD") == "99,50\xa0$"


def test_english_groups_with_commas_and_puts_the_sign_first():
    with translation.override("en"):
        assert money_format(Decimal("105433.83"), "RUB") == "₽105,433.83"
        assert money_format(Decimal("-1200"), "EUR") == "-€1,200.00"


@override_settings(SHOP_CURRENCY="RUB")
def test_the_shops_currency_by_default_an_unknown_code_written_out_and_none_empty():
    with translation.override("ru"):
        assert money_format(Decimal("10"), None) == "10,00\xa0₽"
        assert money_format(Decimal("10"), "chf") == "10,00\xa0CHF"
        assert money_format(None) == ""


def test_the_template_filter_formats_with_the_given_currency():
    template = Template("{% load money %}{{ total|money:currency }}|{{ clv|money }}")
    with translation.override("ru"):
        rendered = template.render(Context({"total": Decimal("2499.5"), "currency": "RUB", "clv": 105433.83}))
    assert rendered == "2\xa0499,50\xa0₽|105\xa0433,83\xa0₽"


def test_short_money_drops_zero_kopecks_only_and_places_round_half_up():
    template = Template("{% load money %}{{ whole|short_money }}|{{ part|short_money:'USD' }}")
    with translation.override("ru"):
        assert template.render(Context({"whole": Decimal("5000.00"), "part": Decimal("4999.5")})) == (
            "5\xa0000\xa0₽|4\xa0999,50\xa0$")
        assert money_format(Decimal("2.345"), "RUB") == "2,35\xa0₽"
        assert money_format(Decimal("2.5"), "RUB", places=0) == "3\xa0₽"
