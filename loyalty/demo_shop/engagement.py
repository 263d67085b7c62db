"""Newsletter engagement (sent, open, click) with realistic local open hours, and consent proof rows."""
import numpy as np

from .members import _day_times
from .personas import NEWSLETTER_EVERY_DAYS, NEWSLETTER_HISTORY_DAYS

EVENT_COLUMNS = ["id", "member_id", "channel", "kind", "occurred_at", "message_ref"]
CONSENT_COLUMNS = ["id", "member_id", "purpose", "granted", "occurred_at", "method", "source", "evidence"]
SEND_HOUR_UTC = 7  # newsletters leave at 10:00 Moscow time

# Local open hours of ordinary readers: morning, lunch and evening peaks.
DAY_PEAKS = np.array([8.5, 13.0, 20.0])
DAY_PEAK_WEIGHTS = np.array([0.3, 0.3, 0.4])


def newsletter_events(rng, members, *, first_event_id, as_of):
    """Rows for every newsletter sent to consenting members in the last NEWSLETTER_HISTORY_DAYS."""
    send_days = -np.arange(NEWSLETTER_EVERY_DAYS // 2, NEWSLETTER_HISTORY_DAYS, NEWSLETTER_EVERY_DAYS)
    receives = members.email_consent[:, None] & (members.registered_day[:, None] < send_days[None, :])
    member_idx, send_idx = np.nonzero(receives)
    day = send_days[send_idx]
    sent_seconds = np.full(len(day), SEND_HOUR_UTC * 3600)

    opened = rng.random(len(day)) < members.email_engagement[member_idx]
    o_member, o_day = member_idx[opened], day[opened]
    night = members.night_reader[o_member] & (rng.random(len(o_member)) < 0.8)
    peak = rng.choice(len(DAY_PEAKS), size=len(o_member), p=DAY_PEAK_WEIGHTS)
    local_hour = np.where(night, 23 + rng.random(len(o_member)) * 3, rng.normal(DAY_PEAKS[peak], 1.5))
    # Opened on the day of sending or one of the next two days, at that local hour, never before sending.
    local_seconds = (np.clip(local_hour, 6.5, 26.99) * 3600).astype(int)
    open_seconds = local_seconds - members.utc_offset[o_member] * 3600
    o_day = o_day + rng.integers(0, 3, size=len(o_day)) + (open_seconds < SEND_HOUR_UTC * 3600)
    not_future = o_day + open_seconds // 86400 < 0
    o_member, o_day, open_seconds = o_member[not_future], o_day[not_future], open_seconds[not_future]

    clicked = rng.random(len(o_member)) < 0.15
    c_member, c_day, c_seconds = o_member[clicked], o_day[clicked], open_seconds[clicked] + 120

    kinds = [("sent", member_idx, day, sent_seconds), ("open", o_member, o_day, open_seconds),
             ("click", c_member, c_day, c_seconds)]
    next_id = first_event_id
    rows = []
    for kind, idx, days, seconds in kinds:
        stamps = _day_times(as_of, days, seconds)
        refs = [f"newsletter-{int(d)}" for d in days]
        ids = members.ids[idx].tolist()
        rows.extend(zip(range(next_id, next_id + len(ids)), ids, ["email"] * len(ids), [kind] * len(ids), stamps, refs))
        next_id += len(ids)
    return rows


def consent_rows(members, registered_at, *, first_consent_id):
    """One proof row for each consent a member gave at registration."""
    method_by_channel = {"web": "checkbox", "app": "checkbox", "pos": "paper", "import": "import"}
    purposes = [
        ("personal_data", members.personal_data_consent),
        ("email", members.email_consent),
        ("sms", members.sms_consent),
        ("push", members.push_consent),
    ]
    rows, next_id = [], first_consent_id
    for purpose, granted in purposes:
        for i in np.nonzero(granted)[0].tolist():
            channel = str(members.registration_channel[i])
            rows.append((next_id, int(members.ids[i]), purpose, True, registered_at[i], method_by_channel[channel],
                         channel, "demo data"))
            next_id += 1
    return rows
