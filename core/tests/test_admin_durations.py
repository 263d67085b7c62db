"""A duration typed as a number and a unit, stored in seconds, shown back in the largest unit that divides it."""
import pytest

from core.admin_durations import DurationInSecondsField, DurationWidget


@pytest.mark.parametrize("seconds, shown", [
    (0, [0, 3600]), (None, [None, 3600]), (86400, [1, 86400]), (14400, [4, 3600]), (5400, [90, 60]), (61, [61, 1]),
])
def test_a_stored_duration_is_shown_in_the_largest_unit_that_divides_it(seconds, shown):
    assert DurationWidget().decompress(seconds) == shown


@pytest.mark.parametrize("typed, seconds", [
    (["2", "86400"], 172800), (["4", "3600"], 14400), (["90", "60"], 5400), (["", "3600"], 0), (["0", "86400"], 0),
])
def test_a_typed_duration_is_stored_in_seconds(typed, seconds):
    assert DurationInSecondsField(required=False).clean(typed) == seconds


@pytest.mark.parametrize("typed", [["-1", "3600"], ["1.5", "3600"], ["2", "7"], ["два", "3600"]])
def test_a_duration_that_is_not_a_whole_amount_of_a_known_unit_is_refused(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        DurationInSecondsField(required=False).clean(typed)
