import datetime as dt
from decimal import Decimal

import pytest

from analytics.recommendations import personal_selection, usual_basket
from core.timezones import shop_day_start
from customers.tests.factories import MemberFactory
from loyalty.tests.factories import CategoryFactory, OrderFactory, OrderLineFactory, ProductFactory

TODAY = dt.date(2026, 6, 1)


def buy(member, days_ago, products, status="completed"):
    order = OrderFactory(member=member, created_at=shop_day_start(TODAY - dt.timedelta(days=days_ago)) + dt.timedelta(hours=12),
                         status=status)
    for product in products:
        OrderLineFactory(order=order, product=product, quantity=Decimal("1"), unit_price=Decimal("100"))
    return order


@pytest.mark.django_db
def test_usual_basket_is_what_is_in_at_least_half_of_the_recent_orders():
    # given a weekly shopper: milk every week, bread in 3 of 4 weeks, coffee once, and an old habit (tea)
    milk, bread, coffee, tea = (ProductFactory(name=n) for n in ["milk", "bread", "coffee", "tea"])
    member = MemberFactory()
    for week in range(12, 30):  # 18 old orders of tea, beyond the 10 recent ones
        buy(member, week * 7, [tea])
    for week in range(10):
        items = [milk] + ([bread] if week % 4 else []) + ([coffee] if week == 3 else [])
        buy(member, week * 7, items)
    buy(member, 1, [coffee, tea], status="cancelled")  # not a purchase
    # when
    basket = usual_basket(member=member)
    # then milk (10 of 10) before bread (7 of 10); coffee (1) and tea (not recent) are not usual
    assert basket == [milk, bread]
    assert usual_basket(member=member, limit=1) == [milk]


@pytest.mark.django_db
def test_usual_basket_falls_back_to_the_most_frequent_items():
    # given no product reaches half of five orders
    products = [ProductFactory() for _ in range(5)]
    member = MemberFactory()
    for n, product in enumerate(products):
        buy(member, n * 10, [product] + ([products[0]] if n == 4 else []))
    # when / then products[0] is in 2 of 5 orders, the rest in 1: most frequent first, then by id
    assert usual_basket(member=member, limit=3) == products[:3]
    assert usual_basket(member=MemberFactory()) == []


@pytest.mark.django_db
def test_personal_selection_recommends_what_others_buy_with_it_but_not_recent_purchases():
    # given: pasta is often bought with sauce (3 orders) and with cheese (2); the member bought pasta long ago
    # and cheese last week
    dairy, grocery = CategoryFactory(name="Dairy"), CategoryFactory(name="Grocery")
    pasta, sauce, cheese = (ProductFactory(name=n, category=grocery) for n in ["pasta", "sauce", "cheese"])
    basil = ProductFactory(name="basil", category=grocery)
    yoghurt = ProductFactory(name="yoghurt", category=dairy)
    for _ in range(3):
        buy(MemberFactory(), 20, [pasta, sauce])
    for _ in range(2):
        buy(MemberFactory(), 20, [pasta, cheese])
    buy(MemberFactory(), 20, [pasta, basil])
    for _ in range(5):
        buy(MemberFactory(), 20, [yoghurt])  # popular, but not in the member's categories
    member = MemberFactory()
    buy(member, 200, [pasta])
    buy(member, 7, [cheese])
    # when
    selection = personal_selection(member=member, limit=6, as_of=TODAY)
    # then co-bought first, by strength: sauce (3 orders with pasta), pasta (2 with cheese; bought long ago,
    # so allowed), basil (1); cheese was bought last week, so never
    assert selection[:3] == [sauce, pasta, basil]
    assert cheese not in selection
    assert yoghurt not in selection  # the fallback stays in the member's favourite category (grocery)


@pytest.mark.django_db
def test_personal_selection_without_co_purchases_uses_best_sellers_of_the_favourite_category():
    # given a member who only bought tea; nobody bought tea with anything else
    drinks, snacks = CategoryFactory(name="Drinks"), CategoryFactory(name="Snacks")
    tea, juice, water = (ProductFactory(name=n, category=drinks) for n in ["tea", "juice", "water"])
    chips = ProductFactory(name="chips", category=snacks)
    for _ in range(3):
        buy(MemberFactory(), 30, [water])
    buy(MemberFactory(), 30, [juice])
    for _ in range(6):
        buy(MemberFactory(), 30, [chips])
    member = MemberFactory()
    buy(member, 3, [tea])
    # when / then: drinks by number of buyers, without tea, which was bought three days ago
    assert personal_selection(member=member, limit=6, as_of=TODAY) == [water, juice]
    # a member with no orders gets the shop's best sellers
    assert personal_selection(member=MemberFactory(), limit=2, as_of=TODAY) == [chips, water]
