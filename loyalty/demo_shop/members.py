"""Member rows for one chunk, drawn with numpy from the personas and geography."""
import datetime as dt
import json

import numpy as np

from .geography import CITIES, city_weights
from .personas import (
    EMAIL_CONSENT_SHARE, NIGHT_READER_SHARE, PERSONAL_DATA_CONSENT_SHARE, PERSONAS, PUSH_CONSENT_SHARE,
    REFERRED_SHARE, SMS_CONSENT_SHARE,
)

MEMBER_COLUMNS = [
    "id", "external_id", "email", "phone", "card_number", "first_name", "last_name", "gender", "birth_date",
    "region", "city", "timezone", "registered_at", "registration_channel", "referral_code", "referred_by_id",
    "personal_data_consent", "email_consent", "sms_consent", "push_consent", "preferred_channel", "attributes",
    "created_at", "updated_at",
]
REGISTRATION_CHANNELS = np.array(["web", "app", "pos", "import"])
PETS = ["cat", "dog", "fish", "bird"]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]


class MemberChunk:
    """Arrays describing `count` members with ids first_id…; other generators read these arrays."""

    def __init__(self, rng, *, first_id, count, names, as_of: dt.date, years: float, now_text: str):
        self.ids = np.arange(first_id, first_id + count)
        self.count = count
        self.persona = rng.choice(len(PERSONAS), size=count, p=[p.share for p in PERSONAS])
        self.night_reader = rng.random(count) < NIGHT_READER_SHARE
        self.city = rng.choice(len(CITIES), size=count, p=city_weights())
        self.utc_offset = np.array([CITIES[i][3] for i in range(len(CITIES))])[self.city]
        history_days = int(years * 365)
        # Registered any time from half a year before the order history starts to a week before as-of.
        self.registered_day = rng.integers(-history_days - 180, -7, size=count)  # days relative to as_of
        self.first_active_day = np.maximum(self.registered_day, -history_days)
        self.gender = rng.choice(np.array(["f", "m", ""]), size=count, p=[0.58, 0.40, 0.02])
        self.email_consent = rng.random(count) < EMAIL_CONSENT_SHARE
        self.sms_consent = rng.random(count) < SMS_CONSENT_SHARE
        self.push_consent = rng.random(count) < PUSH_CONSENT_SHARE
        self.personal_data_consent = rng.random(count) < PERSONAL_DATA_CONSENT_SHARE
        self.registration_channel = rng.choice(REGISTRATION_CHANNELS, size=count, p=[0.35, 0.15, 0.45, 0.05])
        self.sales_channel = rng.choice(np.array(["store", "web", "app"]), size=count, p=[0.55, 0.30, 0.15])
        self.basket_factor = rng.lognormal(0.0, 0.45, size=count)
        self.email_engagement = rng.beta(2, 3, size=count)
        self.favourite_categories = rng.integers(0, 12, size=(count, 2))
        seconds_utc = rng.integers(8 * 3600, 22 * 3600, size=count) - 3 * 3600  # Moscow daytime
        self.registered_at = _day_times(as_of, self.registered_day, seconds_utc)
        self._rng = rng
        self._names = names
        self._as_of = as_of
        self._now_text = now_text

    def rows(self, first_referrable_id: int):
        rng, count, names = self._rng, self.count, self._names
        female = self.gender == "f"
        first_idx = rng.integers(0, len(names["first_f"]), size=count)
        last_idx = rng.integers(0, len(names["last_f"]), size=count)
        age_days = np.clip(rng.normal(38, 12, size=count), 18, 80) * 365.25
        birth = [self._as_of - dt.timedelta(days=int(d)) for d in age_days]
        # A referrer is any member who joined the programme earlier (a smaller id).
        referred = (rng.random(count) < REFERRED_SHARE) & (self.ids > first_referrable_id)
        referrer = first_referrable_id + (rng.random(count) * (self.ids - first_referrable_id)).astype(int)
        salt = rng.integers(0, 4096, size=count)
        preferred = np.where(self.email_consent, "email", np.where(self.sms_consent, "sms", np.where(self.push_consent, "push", "")))
        attributes = self._attributes()
        for i in range(count):
            member_id = int(self.ids[i])
            region, city, zone, _ = CITIES[self.city[i]]
            is_female = bool(female[i])
            first = names["first_f" if is_female else "first_m"][first_idx[i]]
            last = names["last_f" if is_female else "last_m"][last_idx[i]]
            yield (
                member_id, f"M{member_id:07d}", f"member{member_id}@example.ru", f"+79{member_id:09d}",
                f"2{member_id:012d}" if self.registration_channel[i] == "pos" else "",
                first, last, str(self.gender[i]), birth[i].isoformat(), region, city, zone, self.registered_at[i],
                str(self.registration_channel[i]), f"{member_id:X}{int(salt[i]):03X}",
                int(referrer[i]) if referred[i] else None,
                bool(self.personal_data_consent[i]), bool(self.email_consent[i]), bool(self.sms_consent[i]),
                bool(self.push_consent[i]), str(preferred[i]), attributes[i], self._now_text, self._now_text,
            )

    def _attributes(self):
        rng, count = self._rng, self.count
        has_children_known = rng.random(count) < 0.6
        has_children = rng.random(count) < 0.45
        pets_known = rng.random(count) < 0.5
        pet_mask = rng.random((count, len(PETS))) < np.array([0.35, 0.3, 0.08, 0.05])
        size_known = rng.random(count) < 0.4
        size = rng.integers(0, len(SIZES), size=count)
        store_known = rng.random(count) < 0.2
        out = []
        for i in range(count):
            values = {}
            if has_children_known[i]:
                values["has_children"] = bool(has_children[i])
            if pets_known[i]:
                values["pets"] = [pet for pet, kept in zip(PETS, pet_mask[i]) if kept]
            if size_known[i]:
                values["clothing_size"] = SIZES[size[i]]
            if store_known[i]:
                values["favourite_store"] = f"{CITIES[self.city[i]][1]}, store {int(self.ids[i]) % 7 + 1}"
            out.append(json.dumps(values, ensure_ascii=False))
        return out


def _day_times(as_of: dt.date, day_offsets, seconds_utc) -> list[str]:
    """ISO UTC timestamps for day offsets from as_of plus seconds after midnight UTC."""
    base = np.datetime64(as_of.isoformat(), "s")
    stamps = base + day_offsets.astype("timedelta64[D]") + seconds_utc.astype("timedelta64[s]")
    return [text + "+00:00" for text in np.datetime_as_string(stamps, unit="s")]
