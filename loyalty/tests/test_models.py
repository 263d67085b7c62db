from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from loyalty.models import Order
from loyalty.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def test_order_external_id_is_unique_per_source():
    first = OrderFactory(external_id="A-1", source="shop")
    OrderFactory(external_id="A-1", source="pos-moscow", member=first.member)  # another system may reuse the id
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(external_id="A-1", source="shop")


@pytest.mark.parametrize(
    "field, value",
    [("total", Decimal("-1")), ("status", "lost"), ("currency", "rub")],
)
def test_order_check_constraints(field, value):
    order = OrderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(**{field: value})


@pytest.mark.parametrize("field, value", [("quantity", Decimal("0")), ("unit_price", Decimal("-0.01"))])
def test_order_line_check_constraints(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLineFactory(**{field: value})


def test_order_line_product_is_unique_within_order():
    line = OrderLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLineFactory(order=line.order, product=line.product)
