"""How many SMS segments a text takes, as operators bill it (3GPP TS 23.038).

A text in the GSM 7-bit alphabet fits 160 characters in one SMS and 153 per part of a longer one (the
rest carries the concatenation header); the extension characters (€ [ ] { } | ~ ^ \\ and form feed) take
two. Any other character (Cyrillic, most emoji) makes the whole text UCS-2: 70 in one SMS, 67 per part,
characters outside the basic plane counting twice (UTF-16).
"""
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("\f^{}\\[~]|€")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # what one part holds at this length


def sms_length(text: str) -> SmsLength:
    """Encoding, length in the encoding's units and number of segments of `text` (0 segments when empty)."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0, single)
    return SmsLength(encoding, units, -(-units // part), part)
