"""Imports from the admin: an uploaded CSV or XLSX, its headers mapped to known columns, run in the background
through the same importers as the commands, with progress and a bad-rows report."""
import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from customers.importing.jobs import (
    ImportJobError,
    import_files_purge,
    import_job_preview,
    import_job_progress,
    import_job_run,
    import_job_start,
    import_job_upload,
)
from customers.models import ImportJob, Member
from customers.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# A shop's own export: its id and phone columns are named its own way, one row has a bad phone.
SHOP_EXPORT = (
    "Код клиента;email;Телефон;first_name;registered_at\n"
    "K1;anna@example.com;8 (999) 000-11-22;Анна;01.02.2024\n"
    "K2;boris@example.com;not a phone;Борис;01.02.2024\n"
    "K3;vera@example.com;+7 999 000 33 44;Вера;01.02.2024\n"
)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.IMPORT_FILES_DIR = tmp_path / "imports"
    return settings.IMPORT_FILES_DIR


def upload(name, content, kind="members", user=None):
    data = content.encode("cp1251") if isinstance(content, str) else content
    return import_job_upload(kind=kind, uploaded_file=SimpleUploadedFile(name, data), user=user)


def bad_rows(job):
    with job.errors_file.open("rb") as stream:
        return list(csv.reader(io.StringIO(stream.read().decode("utf-8-sig"))))


def test_a_renamed_header_is_mapped_and_the_file_imported_with_its_bad_rows_reported(private_files):
    # given an uploaded file whose id and phone columns have the shop's own names
    job = upload("clients.csv", SHOP_EXPORT)
    assert job.status == ImportJob.Status.DRAFT
    assert str(private_files) in job.file.path

    # when staff look at it, the known names are matched and the others wait for a choice
    preview = import_job_preview(job)
    assert preview.mapping == {"Код клиента": "", "email": "email", "Телефон": "", "first_name": "first_name",
                               "registered_at": "registered_at"}
    assert preview.rows[0]["cells"][:3] == ["K1", "anna@example.com", "8 (999) 000-11-22"]
    assert any("external_id" in problem for problem in preview.problems)

    # and map them, start the job and a worker runs it
    import_job_start(job_id=job.pk, mapping={"Код клиента": "external_id", "Телефон": "phone"})
    finished = import_job_run(job_id=job.pk)

    # then the good rows are members with E.164 phones and the bad one is reported under the file's column name
    assert finished.status == ImportJob.Status.DONE
    assert dict(Member.objects.values_list("external_id", "phone")) == {"K1": "+79990001122", "K3": "+79990003344"}
    assert (finished.rows_total, finished.rows_done, finished.created, finished.rejected) == (3, 3, 2, 1)
    rows = bad_rows(finished)
    assert rows[1][:3] == ["3", "Телефон", "not a phone"]
    assert import_job_progress(finished)["percent"] == 100


def test_a_job_runs_once_however_often_its_task_is_delivered():
    # given a started job that has run
    job = upload("clients.csv", SHOP_EXPORT)
    import_job_start(job_id=job.pk, mapping={"Код клиента": "external_id", "Телефон": "phone"})
    assert import_job_run(job_id=job.pk) is not None

    # when the task is delivered again, or the form posted twice
    again = import_job_run(job_id=job.pk)
    import_job_start(job_id=job.pk, mapping={})

    # then nothing runs a second time
    assert again is None
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE


def test_a_stale_running_job_is_taken_over_and_finishes_without_duplicates():
    # given a job whose worker died half way (running, no progress for an hour)
    job = upload("clients.csv", SHOP_EXPORT)
    import_job_start(job_id=job.pk, mapping={"Код клиента": "external_id", "Телефон": "phone"})
    MemberFactory(external_id="K1", phone="+79990001122", email="anna@example.com", first_name="Анна",
                  registered_at=dt.datetime(2024, 2, 1, tzinfo=dt.timezone(dt.timedelta(hours=3))))
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, heartbeat_at=hour_ago)

    # when the task is delivered again
    finished = import_job_run(job_id=job.pk)

    # then it runs the file again: the member written before the crash is unchanged, the rest created
    assert finished.status == ImportJob.Status.DONE
    assert (finished.created, finished.unchanged) == (1, 1)
    assert Member.objects.filter(external_id="K1").count() == 1


def test_a_mapping_that_leaves_out_a_required_column_cannot_start():
    # given a file of orders whose id column is skipped
    job = upload("orders.csv", "id,member_external_id,created_at,total\nO1,K1,2024-02-01,10\n", kind="orders")

    # when staff start it without mapping "id"
    with pytest.raises(ImportJobError) as refused:
        import_job_start(job_id=job.pk, mapping={"id": ""})

    # then they are told which column is missing and nothing is queued
    assert refused.value.problems == ["В заголовке нет обязательного столбца 'external_id'."]
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DRAFT


def test_two_file_columns_cannot_fill_the_same_column():
    job = upload("clients.csv", SHOP_EXPORT)
    with pytest.raises(ImportJobError) as refused:
        import_job_start(job_id=job.pk, mapping={"Код клиента": "external_id", "Телефон": "external_id"})
    assert refused.value.problems == ["Столбец 'external_id' заполняется из нескольких столбцов файла: Код клиента, Телефон."]


def test_an_excel_workbook_imports_like_its_csv(tmp_path):
    # given a workbook as Excel saves it: dates as dates, a phone typed as a number
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "phone", "birth_date", "registered_at", "consent:email"])
    sheet.append(["X1", 79990001122, dt.date(1990, 5, 17), dt.datetime(2024, 2, 1, 10, 30), "да"])
    sheet.append([None, None, None, None, None])  # a blank row is skipped
    sheet.append(["X2", 79990002233, "31.12.1985", "01.02.2024 11:00", "нет"])
    stream = io.BytesIO()
    book.save(stream)

    # when it is uploaded and run
    job = upload("members.xlsx", stream.getvalue())
    import_job_start(job_id=job.pk, mapping={})
    finished = import_job_run(job_id=job.pk)

    # then every cell reads as its text would
    assert not finished.errors_file, bad_rows(finished)
    assert (finished.status, finished.created, finished.rejected) == (ImportJob.Status.DONE, 2, 0)
    first = Member.objects.get(external_id="X1")
    assert (first.phone, first.birth_date, first.email_consent) == ("+79990001122", dt.date(1990, 5, 17), True)
    assert Member.objects.get(external_id="X2").birth_date == dt.date(1985, 12, 31)


def test_a_file_that_is_not_csv_or_xlsx_is_refused_and_not_kept(private_files):
    with pytest.raises(ImportJobError):
        upload("members.pdf", b"%PDF-1.4")
    with pytest.raises(ImportJobError):
        upload("members.xlsx", b"not a zip")
    assert not ImportJob.objects.exists()
    assert not any(path.is_file() for path in private_files.rglob("*"))


def test_old_files_are_deleted_and_the_history_kept(settings):
    # given a finished job from 40 days ago with a report, and one from today
    settings.IMPORT_FILES_RETENTION_DAYS = 30
    old = upload("clients.csv", SHOP_EXPORT)
    import_job_start(job_id=old.pk, mapping={"Код клиента": "external_id", "Телефон": "phone"})
    old = import_job_run(job_id=old.pk)
    paths = [old.file.path, old.errors_file.path]
    ImportJob.objects.filter(pk=old.pk).update(created_at=old.created_at - dt.timedelta(days=40))
    recent = upload("recent.csv", SHOP_EXPORT)

    # when the purge runs
    assert import_files_purge() == 1

    # then the old files are gone, the job row stays, the recent upload is untouched
    old.refresh_from_db()
    assert (old.file.name, old.errors_file.name, old.status) == ("", "", ImportJob.Status.DONE)
    assert old.files_deleted_at is not None
    assert not any(p for p in paths if __import__("os").path.exists(p))
    recent.refresh_from_db()
    assert recent.file and __import__("os").path.exists(recent.file.path)
