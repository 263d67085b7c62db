"""Generate the demo shop: catalogue through the ORM, members and their history in chunks."""
import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from faker import Faker

from core.timezones import shop_today
from customers.models import AttributeDefinition
from ..models import Category, Product

from .catalogue import build_catalogue, product_sku
from .engagement import CONSENT_COLUMNS, EVENT_COLUMNS, consent_rows, newsletter_events
from .members import MEMBER_COLUMNS, PETS, SIZES, MemberChunk
from .orders import LINE_COLUMNS, ORDER_COLUMNS, OrderChunk

logger = logging.getLogger(__name__)

# From this many members on, indexes and constraints are rebuilt after the load instead of maintained during it.
BULK_LOAD_THRESHOLD = 50_000

TABLES = {
    "members": "customers_member",
    "consents": "customers_consentrecord",
    "events": "customers_engagementevent",
    "orders": "loyalty_order",
    "order_lines": "loyalty_orderline",
}


@dataclass
class DemoSummary:
    members: int = 0
    consents: int = 0
    orders: int = 0
    order_lines: int = 0
    events: int = 0
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)


def _name_pools(seed: int) -> dict:
    faker = Faker("ru_RU")
    faker.seed_instance(seed)
    return {
        "first_f": [faker.first_name_female() for _ in range(300)],
        "first_m": [faker.first_name_male() for _ in range(300)],
        "last_f": [faker.last_name_female() for _ in range(500)],
        "last_m": [faker.last_name_male() for _ in range(500)],
    }


def _attribute_definitions_ensure() -> None:
    # The question in the shop's language (Russian); English and the options' labels in `translations`.
    pets = {"ru": {"cat": "Кошка", "dog": "Собака", "fish": "Рыбки", "bird": "Птица"},
            "en": {"cat": "Cat", "dog": "Dog", "fish": "Fish", "bird": "Bird"}}
    for key, label, label_en, kind, choices, multiple, options in [
        ("has_children", "Есть ли у вас дети?", "Do you have children?", "bool", [], False, None),
        ("pets", "Какие у вас домашние животные?", "Which pets do you have?", "choice", PETS, True, pets),
        ("clothing_size", "Ваш размер одежды", "Your clothing size", "choice", SIZES, False, None),
        ("favourite_store", "Ваш любимый магазин", "Your favourite store", "text", [], False, None),
    ]:
        translations = {"en": {"label": label_en}}
        for language, labels in (options or {}).items():
            translations.setdefault(language, {})["options"] = labels
        AttributeDefinition.objects.get_or_create(
            key=key, defaults={"label": label, "type": kind, "choices": choices, "multiple": multiple,
                               "translations": translations}
        )


def _catalogue_ensure(catalogue) -> np.ndarray:
    """Create the categories and products that are missing; return Product ids by catalogue index."""
    categories = {name: Category.objects.get_or_create(path=name, defaults={"name": name})[0]
                  for name in catalogue.category_names}
    existing = dict(Product.objects.values_list("sku", "id"))
    missing = [
        Product(sku=product_sku(i), name=f"{catalogue.category_names[c]} #{i + 1}",
                category=categories[catalogue.category_names[c]])
        for i, c in enumerate(catalogue.product_category.tolist()) if product_sku(i) not in existing
    ]
    Product.objects.bulk_create(missing)
    by_sku = dict(Product.objects.values_list("sku", "id"))
    return np.array([by_sku[product_sku(i)] for i in range(catalogue.size)])


def demo_data_generate(*, members: int, seed: int, as_of: dt.date | None = None, years: float = 2.0,
                       chunk_size: int = 50_000, progress=None) -> DemoSummary:
    """Add `members` demo members with `years` of history up to `as_of` (default: today in the shop's zone).

    Deterministic for a given seed and database state. Each chunk is one transaction, so an
    interrupted run leaves whole members with their whole history.
    """
    from .writers import BulkLoadMode, RowWriter

    started = time.monotonic()
    as_of = as_of or shop_today()
    rng = np.random.default_rng(seed)
    names = _name_pools(seed)
    _attribute_definitions_ensure()
    catalogue = build_catalogue(rng)
    product_ids = _catalogue_ensure(catalogue)
    writer = RowWriter()
    next_ids = {kind: writer.next_id(table) for kind, table in TABLES.items()}
    summary = DemoSummary()
    bulk = writer.postgres and members >= BULK_LOAD_THRESHOLD
    if bulk:
        writer.fast_session()
    # In bulk mode the whole load is one transaction: a crash leaves the tables and their indexes intact.
    with transaction.atomic() if bulk else contextlib.nullcontext(), \
            BulkLoadMode(list(TABLES.values())) if bulk else contextlib.nullcontext():
        _chunks_write(writer, members=members, seed=seed, chunk_size=chunk_size, names=names, catalogue=catalogue,
                      product_ids=product_ids, next_ids=next_ids, as_of=as_of, years=years, summary=summary,
                      progress=progress, started=started)
    writer.reset_sequences(list(TABLES.values()))
    writer.analyze(list(TABLES.values()))
    summary.seconds = time.monotonic() - started
    logger.info("demo_data_generated members=%s orders=%s lines=%s events=%s seconds=%.1f", summary.members,
                summary.orders, summary.order_lines, summary.events, summary.seconds)
    return summary


def _chunks_write(writer, *, members, seed, chunk_size, names, catalogue, product_ids, next_ids, as_of, years,
                  summary, progress, started):
    first_referrable_id = next_ids["members"]
    now_text = timezone.now().isoformat()
    for chunk_start in range(0, members, chunk_size):
        count = min(chunk_size, members - chunk_start)
        chunk_rng = np.random.default_rng([seed, chunk_start])
        member_chunk = MemberChunk(chunk_rng, first_id=next_ids["members"], count=count, names=names,
                                   as_of=as_of, years=years, now_text=now_text)
        order_chunk = OrderChunk(chunk_rng, member_chunk, catalogue, first_order_id=next_ids["orders"],
                                 first_line_id=next_ids["order_lines"], product_ids=product_ids,
                                 as_of=as_of, now_text=now_text)
        events = newsletter_events(chunk_rng, member_chunk, first_event_id=next_ids["events"], as_of=as_of)
        consents = consent_rows(member_chunk, member_chunk.registered_at, first_consent_id=next_ids["consents"])
        with transaction.atomic():
            written = {
                "members": writer.write(TABLES["members"], MEMBER_COLUMNS, member_chunk.rows(first_referrable_id)),
                "consents": writer.write(TABLES["consents"], CONSENT_COLUMNS, consents),
                "orders": writer.write(TABLES["orders"], ORDER_COLUMNS,
                                       order_chunk.order_rows(member_chunk.ids, settings.SHOP_CURRENCY)),
                "order_lines": writer.write(TABLES["order_lines"], LINE_COLUMNS, order_chunk.line_rows()),
                "events": writer.write(TABLES["events"], EVENT_COLUMNS, events),
            }
        for kind, number in written.items():
            next_ids[kind] += number
            setattr(summary, kind, getattr(summary, kind) + number)
        if progress:
            progress(summary, members, time.monotonic() - started)
