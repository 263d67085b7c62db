from django.db import models


class Heartbeat(models.Model):
    """The last time a periodic process proved it runs (`beat`: the heartbeat task beat schedules every minute)."""

    name = models.CharField(max_length=32, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
