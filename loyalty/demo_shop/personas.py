"""Who the demo members are: purchase rhythm personas and how they read email."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    name: str
    share: float
    interval_days: float  # mean days between purchases
    regularity: float  # gamma shape of the gaps: high = clockwork, 1 = memoryless
    lapses: bool = False  # stops buying at a random point of their life


PERSONAS = [
    Persona("monthly", 0.20, 30, 8.0),
    Persona("frequent", 0.08, 9, 3.0),
    Persona("occasional", 0.27, 110, 1.5),
    Persona("one_time", 0.30, 0, 1.0),
    Persona("lapsing", 0.15, 35, 4.0, lapses=True),
]
ONE_TIME = [p.name for p in PERSONAS].index("one_time")

NIGHT_READER_SHARE = 0.12  # members who mostly open email between 23:00 and 02:00 local time
EMAIL_CONSENT_SHARE = 0.55
SMS_CONSENT_SHARE = 0.35
PUSH_CONSENT_SHARE = 0.25
PERSONAL_DATA_CONSENT_SHARE = 0.95
RETURNED_SHARE = 0.03
CANCELLED_SHARE = 0.02
REFERRED_SHARE = 0.08
NEWSLETTER_EVERY_DAYS = 30
NEWSLETTER_HISTORY_DAYS = 180
