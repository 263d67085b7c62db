"""The APIs' only parser: JSON, at most API_MAX_BODY_BYTES, no control characters (REST_FRAMEWORK's default).

Imports nothing from core.exceptions: DRF loads this module while core.exceptions imports DRF's views.
"""
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.utils import json  # DRF's: strict_constant refuses NaN and Infinity

# C0 controls, DEL and C1 controls; bodies may keep tab, newline and carriage return (free text).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A JSON body can only carry a control character as a \u escape (raw C0 ones are invalid JSON) or as a raw
# C1; finding neither in the text spares the walk over every string (an escaped backslash before "u00.." only
# makes the walk run and find nothing).
_ESCAPED_CONTROL = re.compile(r"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])")
_RAW_C1 = re.compile(r"[\x80-\x9f]")
CONTROL_MESSAGE = _("Control characters (such as NUL) are not allowed.")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = _("The request body is too large.")


def max_body_bytes() -> int:
    return settings.API_MAX_BODY_BYTES


def too_large_message(limit: int) -> str:
    return str(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})


def control_character_fields(data) -> dict[str, list[str]]:
    """Field paths (`lines[0].name`) of the strings or keys in parsed JSON that hold control characters."""
    found = {}
    stack = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if _CONTROL_IN_TEXT.search(value):
                found[where or "non_field_errors"] = [str(CONTROL_MESSAGE)]
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if CONTROL.search(key):
                    found[where or "non_field_errors"] = [str(CONTROL_MESSAGE)]
                    continue
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    return found


class ApiJSONParser(parsers.JSONParser):
    """JSON only, at most `max_body_bytes()` bytes, no control characters in any string or key.

    Reads one byte past the limit at most, so a body without a Content-Length cannot exhaust memory;
    a body nested too deeply for the decoder is a 400, not a crash.
    """

    def max_body_bytes(self) -> int:
        return max_body_bytes()

    def parse(self, stream, media_type=None, parser_context=None):
        limit = self.max_body_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(too_large_message(limit))
        try:
            text = raw.decode(parsers.get_encoding(parser_context or {}))
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError(_("The request body is not valid UTF-8.")) from None
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        # Byte searches first: a C1 character is b"\xc2\x80".."\xc2\x9f" in UTF-8 (Cyrillic never starts with \xc2).
        if (b"\\u00" in raw and _ESCAPED_CONTROL.search(text)) or (b"\xc2" in raw and _RAW_C1.search(text)):
            bad = control_character_fields(data)
            if bad:
                raise serializers.ValidationError(bad)
        return data
