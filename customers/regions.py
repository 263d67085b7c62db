"""Russia's regions (federal subjects) and the federal district each belongs to, as address data names them.

`Member.region` is free text from imports and forms: a region (`Московская обл.`, `г. Москва`, `Татарстан`)
or a whole district (`ЦФО`). `region_spellings` and `district_spellings` give every spelling that means a
region or a district, so a segment condition matches them with one indexed `IN`, without rewriting the data;
`region_canonical` reads one spelling back to the reference name.
"""
from functools import cache

# district code: (full name, [regions]); the regions in the order of the federal district's official list.
FEDERAL_DISTRICTS = {
    "ЦФО": ("Центральный федеральный округ", [
        "Белгородская область", "Брянская область", "Владимирская область", "Воронежская область",
        "Ивановская область", "Калужская область", "Костромская область", "Курская область", "Липецкая область",
        "Московская область", "Орловская область", "Рязанская область", "Смоленская область", "Тамбовская область",
        "Тверская область", "Тульская область", "Ярославская область", "Москва"]),
    "СЗФО": ("Северо-Западный федеральный округ", [
        "Республика Карелия", "Республика Коми", "Архангельская область", "Ненецкий автономный округ",
        "Вологодская область", "Калининградская область", "Ленинградская область", "Мурманская область",
        "Новгородская область", "Псковская область", "Санкт-Петербург"]),
    "ЮФО": ("Южный федеральный округ", [
        "Республика Адыгея", "Республика Калмыкия", "Республика Крым", "Краснодарский край", "Астраханская область",
        "Волгоградская область", "Ростовская область", "Севастополь", "Донецкая Народная Республика",
        "Луганская Народная Республика", "Запорожская область", "Херсонская область"]),
    "СКФО": ("Северо-Кавказский федеральный округ", [
        "Республика Дагестан", "Республика Ингушетия", "Кабардино-Балкарская Республика",
        "Карачаево-Черкесская Республика", "Республика Северная Осетия — Алания", "Чеченская Республика",
        "Ставропольский край"]),
    "ПФО": ("Приволжский федеральный округ", [
        "Республика Башкортостан", "Республика Марий Эл", "Республика Мордовия", "Республика Татарстан",
        "Удмуртская Республика", "Чувашская Республика", "Пермский край", "Кировская область",
        "Нижегородская область", "Оренбургская область", "Пензенская область", "Самарская область",
        "Саратовская область", "Ульяновская область"]),
    "УФО": ("Уральский федеральный округ", [
        "Курганская область", "Свердловская область", "Тюменская область",
        "Ханты-Мансийский автономный округ — Югра", "Ямало-Ненецкий автономный округ", "Челябинская область"]),
    "СФО": ("Сибирский федеральный округ", [
        "Республика Алтай", "Республика Тыва", "Республика Хакасия", "Алтайский край", "Красноярский край",
        "Иркутская область", "Кемеровская область", "Новосибирская область", "Омская область", "Томская область"]),
    "ДФО": ("Дальневосточный федеральный округ", [
        "Республика Бурятия", "Республика Саха (Якутия)", "Забайкальский край", "Камчатский край", "Приморский край",
        "Хабаровский край", "Амурская область", "Магаданская область", "Сахалинская область",
        "Еврейская автономная область", "Чукотский автономный округ"]),
}

# Everyday names the rules below do not derive.
_EXTRA_SPELLINGS = {
    "Москва": ["Moscow"], "Московская область": ["Подмосковье", "Moscow Oblast"],
    "Санкт-Петербург": ["СПб", "Петербург", "Saint Petersburg"], "Ленинградская область": ["ЛО"],
    "Республика Башкортостан": ["Башкирия"], "Удмуртская Республика": ["Удмуртия"],
    "Чувашская Республика": ["Чувашия", "Чувашская Республика — Чувашия"],
    "Кабардино-Балкарская Республика": ["Кабардино-Балкария"], "Карачаево-Черкесская Республика": ["Карачаево-Черкесия"],
    "Чеченская Республика": ["Чечня"], "Республика Северная Осетия — Алания": ["Северная Осетия", "Алания"],
    "Республика Саха (Якутия)": ["Якутия", "Саха"], "Республика Тыва": ["Тува"],
    "Ханты-Мансийский автономный округ — Югра": ["ХМАО", "ХМАО — Югра", "Югра", "Ханты-Мансийский АО"],
    "Ямало-Ненецкий автономный округ": ["ЯНАО"], "Ненецкий автономный округ": ["НАО"],
    "Еврейская автономная область": ["ЕАО"], "Чукотский автономный округ": ["Чукотка"],
    "Кемеровская область": ["Кемеровская область — Кузбасс", "Кузбасс"], "Донецкая Народная Республика": ["ДНР"],
    "Луганская Народная Республика": ["ЛНР"], "Республика Крым": ["Крым"],
}
_CITIES = {"Москва", "Санкт-Петербург", "Севастополь"}


def _derived(name: str) -> set[str]:
    forms = {name, *_EXTRA_SPELLINGS.get(name, [])}
    if name in _CITIES:
        forms |= {f"г. {name}", f"г {name}", f"город {name}"}
    for full, short in (("область", ["обл.", "обл"]), ("край", ["кр."]), ("автономный округ", ["АО"])):
        if name.endswith(f" {full}"):
            forms |= {f"{name[: -len(full)]}{s}" for s in short}
    if name.startswith("Республика "):
        rest = name.removeprefix("Республика ")
        forms |= {rest, f"Респ. {rest}", f"Респ {rest}", f"{rest} Республика", f"{rest} респ."}
    elif name.endswith(" Республика"):
        rest = name.removesuffix(" Республика")
        forms |= {f"Республика {rest}", f"{rest} респ."}
    for form in list(forms):  # a dash typed as a hyphen
        forms |= {form.replace(" — ", " - "), form.replace(" — ", "-")}
    return forms


def _cases(forms: set[str]) -> set[str]:
    """Each spelling as typed, in lower and upper case, and capitalised: matched exactly, by the column's index
    (SQLite's LOWER() does not fold Cyrillic, so the cases are listed instead)."""
    out = set()
    for form in forms:
        for variant in (form, form.replace("ё", "е")):
            out |= {variant, variant.lower(), variant.upper(), variant[:1].upper() + variant[1:].lower()}
    return out


def region_district(region: str) -> str:
    """The code of the federal district of a reference region name (KeyError for an unknown name)."""
    return _district_of()[region]


@cache
def _district_of() -> dict[str, str]:
    return {region: code for code, (_name, regions) in FEDERAL_DISTRICTS.items() for region in regions}


def region_names() -> list[str]:
    """Every reference region name, alphabetically."""
    return sorted(_district_of())


@cache
def region_spellings(region: str) -> frozenset[str]:
    """Every spelling of a reference region a member's `region` may hold."""
    return frozenset(_cases(_derived(region)))


@cache
def district_spellings(code: str) -> frozenset[str]:
    """Every spelling that places a member in a federal district: its code and names, and each of its regions'."""
    name, regions = FEDERAL_DISTRICTS[code]
    short = name.replace(" федеральный округ", "")
    own = {code, name, f"{short} ФО", short, code.replace("ФО", " ФО")}
    return frozenset(_cases(own).union(*(region_spellings(region) for region in regions)))


def region_canonical(text: str) -> str | None:
    """The reference region a spelling names (`Татарстан` → `Республика Татарстан`), or None."""
    text = " ".join(text.split())
    for region in region_names():
        if text in region_spellings(region):
            return region
    return None


@cache
def all_spellings() -> frozenset[str]:
    """Every spelling of every region and district the reference knows."""
    return frozenset().union(*(district_spellings(code) for code in FEDERAL_DISTRICTS))
