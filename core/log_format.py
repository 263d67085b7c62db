"""Log lines as one JSON object each (`LOG_FORMAT=json`), for a log shipper to index without parsing text.

Each line has `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id` (the request's or the
task's, see core.request_id), `origin_request_id` when a task was enqueued by a request, any `extra`
the call passed, and `exception` with the traceback when there is one.
"""
import datetime as dt
import json
import logging

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_OWN = {"request_id", "origin_request_id"}


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        origin = getattr(record, "origin_request_id", None)
        if origin:
            line["origin_request_id"] = origin
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _OWN and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra that JSON cannot encode (a Decimal, a model) is written as its text, never lost.
        return json.dumps(line, ensure_ascii=False, default=str)
