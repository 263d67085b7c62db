import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from analytics.models import ClvFit
from customers.models import Member
from segments.models import MemberStats
from segments.stats.refresh import member_stats_refresh

from .cdnow import CALIBRATION_END, write_orders_csv

# Fader, Hardie & Lee (2005), BG/NBD on the CDNOW sample, 39-week calibration, time unit weeks; and
# Fader & Hardie's Gamma-Gamma note on the same sample.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


def three_significant(value):
    return float(f"{value:.3g}")


@pytest.mark.django_db
def test_fit_clv_reproduces_the_published_cdnow_estimates(tmp_path):
    # given the CDNOW sample imported as orders, and the statistics rows the scores are written into
    orders_csv = tmp_path / "cdnow.csv"
    assert write_orders_csv(orders_csv) == 6919
    call_command("import_orders", str(orders_csv), "--create-members", stdout=io.StringIO(), stderr=io.StringIO())
    assert Member.objects.count() == 2357
    member_stats_refresh(as_of=dt.date.fromisoformat(CALIBRATION_END))
    # when
    out = io.StringIO()
    call_command("fit_clv", "--as-of", CALIBRATION_END, "--time-unit", "weeks", "--json", stdout=out, stderr=io.StringIO())
    result = json.loads(out.getvalue())
    # then the parameters agree with the published ones to three significant figures
    assert result["members"] == 2357
    for name, published in PUBLISHED_BGNBD.items():
        assert three_significant(result["bgnbd"][name]) == three_significant(published), name
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert three_significant(result["gamma_gamma"][name]) == three_significant(published), name
    assert result["bgnbd"]["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)  # FHL 2005, section 5
    fit = ClvFit.objects.get()
    assert (fit.as_of, fit.time_unit, fit.members, fit.repeat_members) == (dt.date(1997, 9, 30), "weeks", 2357, 946)
    # and customer 1 (x = 2, t_x = 30.43, T = 38.86) expects 1.226 purchases in the next 39 weeks (FHL 2005);
    # the stored 365-day figure is the same model over 52.14 weeks, so it lies above that
    first = MemberStats.objects.get(member__external_id="CD0001")
    assert 1.226 < first.predicted_purchases_365 < 2 * 1.226
    assert 0 < first.prob_alive < 1
    assert MemberStats.objects.filter(prob_alive__isnull=True).count() == 0
