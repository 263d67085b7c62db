"""SMS length in segments as operators bill it: GSM-7 160/153, UCS-2 70/67."""
import pytest

from messaging.sms_length import sms_length


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),  # 153 per part once it is split
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),  # extension characters take two septets
    ("€" * 81, "GSM-7", 162, 2),
    ("ж" * 70, "UCS-2", 70, 1),  # Cyrillic makes the text UCS-2
    ("ж" * 71, "UCS-2", 71, 2),
    ("ж" * 134, "UCS-2", 134, 2),  # 67 per part
    ("ж" * 135, "UCS-2", 135, 3),
    ("a" * 69 + "😀", "UCS-2", 71, 2),  # outside the basic plane: two UTF-16 units
])
def test_segments_follow_the_encoding_of_the_whole_text(text, encoding, units, segments):
    # given a text / when its length is measured
    length = sms_length(text)
    # then encoding, units and segments are what an operator bills
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_one_cyrillic_letter_turns_a_latin_text_into_ucs2():
    # given 100 Latin characters, one SMS in GSM-7
    assert sms_length("a" * 100).segments == 1
    # when one Cyrillic letter is added / then it takes two UCS-2 parts
    assert (sms_length("a" * 100 + "ы").encoding, sms_length("a" * 100 + "ы").segments) == ("UCS-2", 2)
