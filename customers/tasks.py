from celery import shared_task

from .importing.jobs import import_files_purge, import_job_run


@shared_task(acks_late=True)
def import_job_run_task(job_id: int) -> None:
    """An import started in the admin (bulk queue); a second delivery finds the job taken and does nothing."""
    import_job_run(job_id=job_id)


@shared_task(acks_late=True)
def import_files_purge_task() -> int:
    return import_files_purge()
