"""Celery tasks log under their task id, and name the request that enqueued them.

A task published while a request (or another task) runs carries that id in its message headers as
`origin_request_id`. The worker binds the task id as the request id for the length of the run
(task_prerun → task_postrun), with the origin beside it, so a task's log lines can be joined to the
request that asked for them. Connected once by CoreConfig.ready, in web and worker processes alike.
"""
from celery import signals

from .request_id import bind_request_id, current_request_id

HEADER = "origin_request_id"
_bound: dict[str, object] = {}  # task id → its entered bind_request_id context


@signals.before_task_publish.connect(dispatch_uid="core_origin_request_id")
def _pass_request_id_on(sender=None, headers=None, **kwargs):
    request_id = current_request_id()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


@signals.task_prerun.connect(dispatch_uid="core_task_request_id_bind")
def _bind_task_id(sender=None, task_id=None, task=None, **kwargs):
    # An eager task (CELERY_TASK_ALWAYS_EAGER) is not published: its origin is whoever runs it here.
    origin = (task.request.get(HEADER) if task is not None else None) or current_request_id()
    binding = bind_request_id(task_id, origin=origin)
    binding.__enter__()
    _bound[task_id] = binding


@signals.task_postrun.connect(dispatch_uid="core_task_request_id_unbind")
def _unbind_task_id(sender=None, task_id=None, **kwargs):
    binding = _bound.pop(task_id, None)
    if binding is not None:
        binding.__exit__(None, None, None)
