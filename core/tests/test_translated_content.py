"""Staff-written texts in the member's language, falling back to the shop's own (core.translated_content)."""
from types import SimpleNamespace

import pytest
from django import forms
from django.utils.translation import override

from core.translated_content import option_label, options_parse, translated


def test_a_text_reads_in_the_active_language_and_falls_back_to_the_shops_own():
    # given a tier named in Russian with an English name but no English perks
    tier = SimpleNamespace(name="Золото", perks="Доставка", translations={"en": {"name": "Gold"}})
    # then English readers get the English name and the Russian perks, Russian readers the Russian texts
    with override("en"):
        assert translated(tier, "name") == "Gold" and translated(tier, "perks") == "Доставка"
    with override("ru"):
        assert translated(tier, "name") == "Золото"
    assert translated(tier, "name", language="en-gb") == "Gold"


def test_an_option_reads_in_the_active_language_then_the_shops_then_as_its_value():
    definition = SimpleNamespace(translations={"ru": {"options": {"cat": "Кошка", "dog": "Собака"}},
                                               "en": {"options": {"cat": "Cat"}}})
    with override("en"):
        assert [option_label(definition, v) for v in ("cat", "dog", "fish")] == ["Cat", "Собака", "fish"]
    with override("ru"):
        assert option_label(definition, "cat") == "Кошка"


def test_option_lines_are_read_and_unknown_values_refused():
    assert options_parse("cat = Кошка\n\n dog=Собака ", ["cat", "dog"]) == {"cat": "Кошка", "dog": "Собака"}
    with pytest.raises(forms.ValidationError, match="fish"):
        options_parse("fish = Рыбки", ["cat", "dog"])
    with pytest.raises(forms.ValidationError):
        options_parse("cat Кошка", ["cat"])
