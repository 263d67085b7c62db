"""Builder conditions on the forecasts: predicted value, chance still a customer (as a percentage), spend trend."""
import pytest

from customers.tests.factories import MemberFactory
from segments.models import MemberStats
from segments.rules import rules_validate
from segments.rules.registry import RulesInvalid
from segments.selectors import rules_members

pytestmark = pytest.mark.django_db


def select(**leaf):
    return set(rules_members(rules_validate(leaf)).values_list("pk", flat=True))


def scored(clv, alive, trend):
    member = MemberFactory()
    MemberStats.objects.create(member=member, predicted_clv=clv, prob_alive=alive, spend_trend=trend)
    return member


def test_forecast_conditions_compare_the_scores():
    rich = scored("25000.00", 0.92, "growing")
    fading = scored("3000.00", 0.35, "declining")
    steady = scored("9000.00", 0.70, "stable")
    MemberFactory()  # never scored: matches none of them
    assert select(type="predicted_clv", op="gte", value="10 000 ₽") == {rich.pk}
    assert select(type="predicted_clv", op="between", value=["2 000", "9 500"]) == {fading.pk, steady.pk}
    assert select(type="prob_alive", op="gte", value="70 %") == {rich.pk, steady.pk}
    assert select(type="prob_alive", op="between", value=["30", "50"]) == {fading.pk}
    assert select(type="spend_trend", op="eq", value="declining") == {fading.pk}
    assert select(type="spend_trend", op="in", value=["growing", "stable"]) == {rich.pk, steady.pk}


@pytest.mark.parametrize("leaf", [
    {"type": "prob_alive", "op": "gte", "value": "170"},
    {"type": "spend_trend", "op": "eq", "value": "sideways"},
    {"type": "predicted_clv", "op": "gte", "value": "много"},
])
def test_forecast_conditions_refuse_wrong_values(leaf):
    with pytest.raises(RulesInvalid):
        rules_validate(leaf)
