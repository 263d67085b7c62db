from .refresh import StatsRefreshResult, member_stats_refresh

__all__ = ["StatsRefreshResult", "member_stats_refresh"]
