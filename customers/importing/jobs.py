"""Imports started from the admin: an uploaded file, its column mapping, and a background run on the bulk
queue through the same `run_import` and importers as the commands.

Services (writes): `import_job_upload`, `import_job_start`, `import_job_run`, `import_files_purge`.
Selectors (reads): `import_job_preview`, `import_job_progress`.
"""
import csv
import datetime as dt
import io
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ImportJob

from .kinds import import_kind, known_columns
from .runner import run_import
from .source import HeaderError
from .upload import IGNORE, UPLOAD_SUFFIXES, RemappedSource, mapping_suggest, open_upload

logger = logging.getLogger("customers.importing")

PREVIEW_ROWS = 5
# A running job whose worker stopped reporting this long ago (killed, machine lost) may be taken over when
# its task is delivered again; a batch reports after every few thousand rows, well within it.
STALE_AFTER = dt.timedelta(minutes=15)
Status = ImportJob.Status


class ImportJobError(Exception):
    """The job cannot go ahead; `problems` are messages for the staff member."""

    def __init__(self, problems):
        self.problems = [str(problem) for problem in problems]
        super().__init__("; ".join(self.problems))


@dataclass
class ImportPreview:
    header: list[str]
    known: list[str]
    mapping: dict
    rows: list[dict] = field(default_factory=list)  # {"line": n, "cells": [text per file column]}
    problems: list[str] = field(default_factory=list)  # what would stop the import (a missing column, …)


def import_job_upload(*, kind: str, uploaded_file, user) -> ImportJob:
    """Store an uploaded file privately as a draft job of `kind`. Raises ImportJobError for an unknown kind,
    a file that is neither CSV nor XLSX, or one whose header cannot be read (nothing is kept then)."""
    try:
        import_kind(kind)
    except KeyError:
        raise ImportJobError([_("Unknown kind of import.")]) from None
    name = os.path.basename(uploaded_file.name or "")
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise ImportJobError([_("Upload a CSV file or an Excel workbook (.xlsx).")])
    job = ImportJob(kind=kind, file_name=name[:255], created_by=user if user and user.pk else None)
    job.file.save(name, uploaded_file, save=False)
    try:
        _read_header(job)
    except ImportJobError:
        job.file.delete(save=False)
        raise
    job.save()
    return job


def _read_header(job) -> list[str]:
    try:
        with open_upload(job.file.path) as source:
            return list(source.header)
    except HeaderError as exc:
        raise ImportJobError(exc.problems) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportJobError([_("The file cannot be read: %(error)s") % {"error": exc}]) from None


def import_job_preview(job: ImportJob, *, mapping: dict | None = None) -> ImportPreview:
    """The file's header, its first rows and a mapping onto the kind's known columns (`mapping` as staff
    chose it, else the suggested one), with the problems that would stop the import under that mapping."""
    importer = import_kind(job.kind).build(source_name=job.file_name)
    known = known_columns(importer)
    with open_upload(job.file.path) as source:
        header = list(source.header)
        chosen = {**mapping_suggest(header, known), **{k: v for k, v in (mapping or job.mapping or {}).items()
                                                         if k in header}}
        rows = []
        for line, raw, problem in source:
            rows.append({"line": line, "cells": [raw.get(name, "") for name in header] if raw else [problem]})
            if len(rows) >= PREVIEW_ROWS:
                break
    return ImportPreview(header=header, known=known, mapping=chosen, rows=rows,
                         problems=_mapping_problems(importer, header, chosen, known))


def _mapping_problems(importer, header, mapping, known) -> list[str]:
    unknown = sorted({target for target in mapping.values() if target != IGNORE and target not in known})
    if unknown:
        return [_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}]
    try:
        remapped = RemappedSource(_HeaderOnly(header), mapping)
        importer.bind(remapped.header)
    except HeaderError as exc:
        return exc.problems
    return []


class _HeaderOnly:
    def __init__(self, header):
        self.header = header


@transaction.atomic
def import_job_start(*, job_id: int, mapping: dict) -> ImportJob:
    """Save the mapping and queue the job on the bulk queue (after commit). Only a draft starts, so a form
    posted twice queues one run. Raises ImportJobError when the mapping would stop the import."""
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status != Status.DRAFT:
        return job
    preview = import_job_preview(job, mapping=mapping)
    if preview.problems:
        raise ImportJobError(preview.problems)
    job.mapping = preview.mapping
    job.status = Status.PENDING
    job.save(update_fields=["mapping", "status"])
    from customers.tasks import import_job_run_task

    transaction.on_commit(lambda: import_job_run_task.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job: every good row imported (idempotent upserts, batch by batch), progress saved after
    each batch, the bad rows kept as a CSV report (line, the file's column name, value, reason).

    A job runs once: a second delivery of the task finds it running or finished and returns None, unless
    the run holding it stopped reporting for STALE_AFTER (a killed worker); then this one imports the file
    again from the start, which the upserts make safe.
    """
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id).filter(
        Q(status=Status.PENDING) | Q(status=Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    ).update(status=Status.RUNNING, started_at=now, heartbeat_at=now, rows_done=0, failure="")
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)
    importer = import_kind(job.kind).build(source_name=job.file_name)
    report = JobErrorReport()
    try:
        with open_upload(job.file.path) as source:
            total = sum(1 for _row in source)
        ImportJob.objects.filter(pk=job.pk).update(rows_total=total, heartbeat_at=timezone.now())
        with open_upload(job.file.path) as source:
            remapped = RemappedSource(source, job.mapping)
            report.file_column = remapped.file_column
            importer.bind(remapped.header)
            summary = run_import(importer=importer, source=remapped, batch_size=settings.IMPORT_JOB_BATCH_SIZE,
                                 errors=report, progress=lambda s: _progress_save(job.pk, s))
    except HeaderError as exc:
        return _finish(job, report, failure="\n".join(exc.problems))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return _finish(job, report, failure=_("The file cannot be read: %(error)s") % {"error": exc})
    except Exception:
        _finish(job, report, failure=_("The import stopped on an unexpected error; the rows before it are kept."))
        raise
    _progress_save(job.pk, summary)
    return _finish(job, report)


def _progress_save(job_id, summary) -> None:
    # Outside the batch's transaction, so the progress bar moves while the file is still being read.
    ImportJob.objects.filter(pk=job_id).update(
        rows_done=summary.read, created=summary.created, updated=summary.updated, unchanged=summary.unchanged,
        rejected=summary.rejected, extra=summary.extra, heartbeat_at=timezone.now(),
    )


def _finish(job, report, *, failure="") -> ImportJob:
    job.refresh_from_db()
    if report.count:
        job.errors_file.save(f"{Path(job.file_name).stem}-bad-rows.csv", File(report.finish()), save=False)
    report.close()
    job.status = Status.FAILED if failure else Status.DONE
    job.failure = failure
    job.finished_at = timezone.now()
    job.save()
    logger.info("import_job_finished job=%s kind=%s status=%s read=%d rejected=%d", job.pk, job.kind, job.status,
                job.rows_done, job.rejected)
    return job


class JobErrorReport:
    """run_import's `errors`: the bad rows as CSV (line, column, value, reason) in a temporary file, each column
    named as the uploaded file names it."""

    def __init__(self):
        self.file = tempfile.TemporaryFile("w+b")
        self.text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.writer.writerow([_("line"), _("column"), _("value"), _("reason")])
        self.count = 0
        self.file_column = lambda column: column

    def write(self, errors) -> None:
        for error in errors:
            self.writer.writerow([error.line, self.file_column(error.column), error.value, error.reason])
            self.count += 1

    def finish(self):
        self.text.flush()
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.text.close()


def import_job_progress(job: ImportJob) -> dict:
    """What the job page's progress bar shows, as JSON."""
    percent = None
    if job.rows_total:
        percent = min(100, round(100 * job.rows_done / job.rows_total))
    elif job.status == Status.DONE:
        percent = 100
    return {
        "id": job.pk, "status": job.status, "status_label": str(job.get_status_display()),
        "rows_total": job.rows_total, "rows_done": job.rows_done, "percent": percent,
        "created": job.created, "updated": job.updated, "unchanged": job.unchanged, "rejected": job.rejected,
        "extra": job.extra, "failure": job.failure,
        "finished": job.status in (Status.DONE, Status.FAILED), "has_errors_file": bool(job.errors_file),
    }


def import_files_purge(*, now=None) -> int:
    """Delete the uploaded files and reports of jobs older than settings.IMPORT_FILES_RETENTION_DAYS that are
    not waiting or running; the job rows stay as history. Returns how many jobs lost their files."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.IMPORT_FILES_RETENTION_DAYS)
    jobs = ImportJob.objects.filter(created_at__lt=cutoff, files_deleted_at__isnull=True).exclude(
        status__in=[Status.PENDING, Status.RUNNING])
    purged = 0
    for job in jobs.iterator():  # a few uploads a day: one file deletion each, not a member loop
        for stored in (job.file, job.errors_file):
            if stored:
                stored.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="", errors_file="", files_deleted_at=now)
        purged += 1
    logger.info("import_files_purged jobs=%d", purged)
    return purged
