from decimal import Decimal

import factory
from django.utils import timezone

from customers.tests.factories import MemberFactory
from loyalty.models import Category, Order, OrderLine, OrderStatus, Product


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["path"]

    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None
    path = factory.LazyAttribute(lambda c: f"{c.parent.path}/{c.name}" if c.parent else c.name)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["sku"]

    sku = factory.Sequence(lambda n: f"SKU{n:06d}")
    name = factory.Faker("word")
    category = factory.SubFactory(CategoryFactory)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    external_id = factory.Sequence(lambda n: f"O{n:08d}")
    member = factory.SubFactory(MemberFactory)
    created_at = factory.LazyFunction(timezone.now)
    status = OrderStatus.COMPLETED
    total = Decimal("1000.00")
    currency = "RUB"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = Decimal("1")
    unit_price = Decimal("500.00")


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "loyalty.Tier"
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"tier-{n}")
    name = factory.LazyAttribute(lambda t: t.slug.title())
    rank = factory.Sequence(lambda n: n + 1)
    qualify_by = "spend"
    threshold = Decimal("0")
    multiplier = Decimal("1")


class EarningRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "loyalty.EarningRule"

    name = factory.Sequence(lambda n: f"Rule {n}")
    kind = "base"
    points_per_unit = Decimal("0.1")


class CouponTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "loyalty.CouponTemplate"

    name = factory.Sequence(lambda n: f"Coupon {n}")
    discount_kind = "fixed"
    discount_value = Decimal("300.00")
    min_order_total = Decimal("0")
    validity_days = 30
    max_uses = 1


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "loyalty.Reward"

    name = factory.Sequence(lambda n: f"Reward {n}")
    points_cost = 500
    template = factory.SubFactory(CouponTemplateFactory)
