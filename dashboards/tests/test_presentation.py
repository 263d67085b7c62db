"""What the dashboards show besides the figures: words for every machine column name, round CLV bins, and
one colour per lifecycle stage for every chart."""
import re
from decimal import Decimal

import pytest

from dashboards.selectors import CHARTS, DateRange
from dashboards.selectors.clv import round_bin_width
from dashboards.selectors.labels import COLUMN_LABELS
from dashboards.views import chart_meta
from lifecycle.selectors import ACTIVE, STAGE_COLOURS

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def test_charts_name_columns_in_words_and_bin_clv_in_round_numbers(demo_shop):
    # given every chart's table over the demo shop (one demo shop for both checks: it is slow to build)
    everything = DateRange(AS_OF.replace(year=AS_OF.year - 2), AS_OF)
    labels = chart_meta()["labels"]
    for chart in CHARTS.values():
        for column in map(str, chart.selector(everything).columns):
            # then a column named like a field (snake_case, or a bare lower-case word) is shown in words
            if re.fullmatch(r"[a-z_]+", column):
                assert column in COLUMN_LABELS, (chart.slug, column)
                assert labels[column] != column and re.search("[а-я]", labels[column]), (chart.slug, column)
    # and the CLV histogram's bins start at 0 and have a round width
    rows = CHARTS["clv-distribution"].selector(everything).rows
    width = rows[0][1] - rows[0][0]
    assert rows[0][0] == 0 and all(isinstance(edge, int) for row in rows for edge in row[:2])
    assert re.fullmatch(r"(1|2|25|5)0*", str(width)), width


@pytest.mark.parametrize(("raw", "width"), [("0.003", "0.01"), ("7", "10"), ("13", "20"), ("240", "250"),
                                            ("333.3", "500"), ("1000", "1000"), ("1001", "2000"),
                                            ("26000", "50000")])
def test_clv_bins_take_the_smallest_round_width_not_below_the_raw_one(raw, width):
    assert round_bin_width(Decimal(raw)) == Decimal(width)


def test_each_stage_has_its_one_colour_in_the_page_meta():
    colours = chart_meta()["stage_colours"]
    assert colours[ACTIVE] == STAGE_COLOURS[None]
    assert colours["Под угрозой"] == STAGE_COLOURS["at_risk"] and colours["Потерянные"] == STAGE_COLOURS["lost"]
    # one colour per stage ("Active" is there under its key and under its name in the reader's language)
    names = [name for name in colours if name != ACTIVE]
    assert len({colours[name] for name in names}) == len(names)
