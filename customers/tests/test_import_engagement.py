import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from customers.models import EngagementEvent
from customers.signals import import_finished
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

HEADER = "member_external_id,kind,occurred_at,channel,campaign,url"
MOSCOW = ZoneInfo("Europe/Moscow")


def write(tmp_path, *lines):
    path = tmp_path / "engagement.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_engagement", str(path), *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


def test_events_are_imported_with_kind_time_channel_campaign_and_url(tmp_path):
    # given a member and an ESP export spelling kinds its own way
    member = MemberFactory(external_id="C1")
    path = write(
        tmp_path, HEADER,
        "C1,sent,2026-03-01 10:00:00,email,Весенняя распродажа,",
        "C1,opened,2026-03-01 23:40:00,,Весенняя распродажа,",
        "C1,clicked,2026-03-01T23:41:00+03:00,email,Весенняя распродажа,https://shop.example/sale?utm=1",
        "C1,spam,2026-03-02 08:00:00,email,Весенняя распродажа,",
        "C1,delivered,2026-03-03 09:00:00,sms,Код скидки,",
    )
    # when
    out, _, error = run(path)
    # then
    assert error is None
    assert "created 5" in out
    events = {event.kind: event for event in EngagementEvent.objects.filter(member=member)}
    assert set(events) == {"sent", "open", "click", "complaint", "delivered"}
    assert events["open"].occurred_at == dt.datetime(2026, 3, 1, 23, 40, tzinfo=MOSCOW)  # shop time without a zone
    assert events["open"].channel == "email"  # an empty channel is email
    assert events["click"].url == "https://shop.example/sale?utm=1"
    assert events["click"].campaign == "Весенняя распродажа"
    assert events["delivered"].channel == "sms"


def test_reimporting_the_same_history_adds_nothing(tmp_path):
    # given a history already imported once
    MemberFactory(external_id="C1")
    lines = [HEADER, "C1,open,2026-03-01 23:40:00,email,Весна,", "C1,click,2026-03-01 23:41:00,email,Весна,https://x.example/a"]
    run(write(tmp_path, *lines))
    first = list(EngagementEvent.objects.values_list("id", "kind", "occurred_at"))
    # when the same file (plus one new event) is imported again
    out, _, error = run(write(tmp_path, *lines, "C1,open,2026-03-02 07:00:00,email,Весна,"))
    # then only the new event is added
    assert error is None
    assert "created 1, updated 0, unchanged 2" in out
    assert EngagementEvent.objects.count() == 3
    assert set(first) <= set(EngagementEvent.objects.values_list("id", "kind", "occurred_at"))


def test_a_row_repeated_in_the_file_is_one_event_even_across_batches(tmp_path):
    # given the same open twice, once in each batch, and a click on another link at the same moment
    MemberFactory(external_id="C1")
    path = write(
        tmp_path, HEADER,
        "C1,open,2026-03-01 23:40:00,email,Весна,",
        "C1,click,2026-03-01 23:40:00,email,Весна,https://x.example/a",
        "C1,open,2026-03-01 23:40:00,email,Весна,",
    )
    # when
    out, _, error = run(path, "--batch-size", "1")
    # then
    assert error is None
    assert "created 2, updated 0, unchanged 1" in out
    assert sorted(EngagementEvent.objects.values_list("kind", flat=True)) == ["click", "open"]


def test_bad_rows_are_reported_by_line_and_column_and_the_good_rows_kept(tmp_path):
    # given an unknown member, an unknown kind, a future time and an unknown channel among good rows
    member = MemberFactory(external_id="C1")
    path = write(
        tmp_path, HEADER,
        "C1,open,2026-03-01 23:40:00,email,,",
        "NOPE,open,2026-03-01 23:40:00,email,,",
        "C1,read,2026-03-01 23:40:00,email,,",
        "C1,open,2999-01-01 00:00:00,email,,",
        "C1,open,2026-03-01 23:40:00,fax,,",
        "C1,click,,email,,",
    )
    # when
    _, err, error = run(path, "--batch-size", "2")
    # then
    assert error is not None and "5 rows were rejected" in str(error)
    assert "строка 3, столбец member_external_id: Неизвестный клиент" in err
    assert "строка 4, столбец kind: Неизвестное значение (kind)" in err
    assert "строка 5, столбец occurred_at: Время в будущем" in err
    assert "строка 6, столбец channel: Неизвестное значение (channel)" in err
    assert "строка 7, столбец occurred_at: Обязательно." in err
    assert list(EngagementEvent.objects.values_list("member", "kind")) == [(member.pk, "open")]


def test_the_import_names_only_the_members_with_new_events(tmp_path, django_capture_on_commit_callbacks):
    # given two members, one of whom already has the file's event
    MemberFactory(external_id="A")
    b = MemberFactory(external_id="B")
    run(write(tmp_path, HEADER, "A,open,2026-03-01 10:00:00,email,,"))
    received = []

    def receiver(sender, member_ids, **kwargs):
        received.append((sender, member_ids))

    import_finished.connect(receiver)
    try:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            run(write(tmp_path, HEADER, "A,open,2026-03-01 10:00:00,email,,", "B,open,2026-03-01 10:00:00,email,,"))
    finally:
        import_finished.disconnect(receiver)
    # then
    assert received == [("engagement", frozenset({b.pk}))]


def test_an_imported_unsubscribe_or_complaint_withdraws_the_channels_consent_with_proof(tmp_path):
    # given two members who gave email and SMS consent before the history's events
    from customers.models import ConsentRecord
    from customers.services import consent_set

    anna, boris = MemberFactory(external_id="C1"), MemberFactory(external_id="C2")
    for member in (anna, boris):
        for purpose in ("email", "sms"):
            consent_set(member=member, purpose=purpose, granted=True, method=ConsentRecord.Method.CHECKBOX,
                        at=dt.datetime(2025, 1, 1, tzinfo=MOSCOW))
    path = write(tmp_path, HEADER, "C1,unsubscribed,2026-03-01 10:00:00,email,Весна,",
                 "C2,complaint,2026-03-02 11:00:00,sms,Код скидки,")

    # when the history is imported
    out, _, error = run(path)

    # then each channel's consent is withdrawn at the event's time, with the file as proof
    assert error is None and "consents withdrawn 2" in out
    anna.refresh_from_db()
    boris.refresh_from_db()
    assert (anna.email_consent, anna.sms_consent, boris.email_consent, boris.sms_consent) == (False, True, True, False)
    proof = ConsentRecord.objects.get(member=anna, granted=False)
    assert (proof.purpose, proof.method, proof.source, proof.evidence) == ("email", "import", "engagement.csv",
                                                                           "line 2: unsubscribe")
    assert proof.occurred_at == dt.datetime(2026, 3, 1, 10, tzinfo=MOSCOW)
    assert ConsentRecord.objects.get(member=boris, granted=False).evidence == "line 3: complaint"

    # and importing it again adds no proof
    run(path)
    assert ConsentRecord.objects.filter(granted=False).count() == 2


def test_an_unsubscribe_already_on_record_or_followed_by_a_new_grant_changes_no_consent(tmp_path):
    from customers.models import ConsentRecord
    from customers.services import consent_set

    # given one member who already unsubscribed by the link, and one who consented again after the ESP's unsubscribe
    gone, back = MemberFactory(external_id="C1"), MemberFactory(external_id="C2")
    consent_set(member=gone, purpose="email", granted=False, method=ConsentRecord.Method.UNSUBSCRIBE_LINK,
                at=dt.datetime(2026, 2, 1, tzinfo=MOSCOW))
    consent_set(member=back, purpose="email", granted=True, method=ConsentRecord.Method.CHECKBOX,
                at=dt.datetime(2026, 4, 1, tzinfo=MOSCOW))

    # when the ESP's unsubscribes of March are imported
    run(write(tmp_path, HEADER, "C1,unsubscribe,2026-03-01 10:00:00,email,,", "C2,unsubscribe,2026-03-01 10:00:00,email,,"))

    # then the first needs no new proof, and the second keeps the later consent (the unsubscribe is kept as history)
    assert ConsentRecord.objects.filter(member=gone).count() == 1
    back.refresh_from_db()
    assert back.email_consent is True
    assert list(ConsentRecord.objects.filter(member=back).values_list("granted", flat=True)) == [True, False]
