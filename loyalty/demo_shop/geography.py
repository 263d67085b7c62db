"""Russian federal districts with typical cities, time zones and the share of members living there."""

# (region, share, [(city, timezone, UTC offset in hours)])
REGIONS = [
    ("ЦФО", 0.34, [("Москва", "Europe/Moscow", 3), ("Воронеж", "Europe/Moscow", 3), ("Ярославль", "Europe/Moscow", 3)]),
    ("СЗФО", 0.12, [("Санкт-Петербург", "Europe/Moscow", 3), ("Калининград", "Europe/Kaliningrad", 2)]),
    ("ПФО", 0.18, [("Казань", "Europe/Moscow", 3), ("Нижний Новгород", "Europe/Moscow", 3), ("Самара", "Europe/Samara", 4)]),
    ("ЮФО", 0.10, [("Краснодар", "Europe/Moscow", 3), ("Ростов-на-Дону", "Europe/Moscow", 3)]),
    ("СКФО", 0.04, [("Ставрополь", "Europe/Moscow", 3)]),
    ("УФО", 0.09, [("Екатеринбург", "Asia/Yekaterinburg", 5), ("Тюмень", "Asia/Yekaterinburg", 5)]),
    ("СФО", 0.09, [("Новосибирск", "Asia/Novosibirsk", 7), ("Красноярск", "Asia/Krasnoyarsk", 7)]),
    ("ДФО", 0.04, [("Владивосток", "Asia/Vladivostok", 10), ("Хабаровск", "Asia/Vladivostok", 10)]),
]

CITIES = [(region, city, zone, offset) for region, _, cities in REGIONS for city, zone, offset in cities]


def city_weights():
    """Probability of each entry of CITIES: the region's share split evenly among its cities."""
    weights = []
    for _, share, cities in REGIONS:
        weights.extend([share / len(cities)] * len(cities))
    return weights
