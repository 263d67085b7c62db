from decimal import Decimal

import factory
from django.utils import timezone

from customers.tests.factories import MemberFactory
from loyalty.models import Category, Order, OrderLine, OrderStatus, Product


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Category {n}")


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
