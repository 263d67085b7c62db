"""The data of every dashboard chart: each a few grouped queries over all members, never a loop over them."""
from .charts import CHARTS, PAGES, Chart, ChartData, DateRange, chart_data  # noqa: F401
