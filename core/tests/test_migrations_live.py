"""Migrations safe on a live database: an index on a table that already exists is built concurrently."""
from django.db import models
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader

from core.migration_operations import AddIndexConcurrentlyOnPostgres

OUR_APPS = {"core", "customers", "loyalty", "lifecycle", "segments", "messaging", "analytics", "campaigns", "journeys",
            "dashboards", "portal"}
# Built before this rule, with a plain CREATE INDEX that blocks writes to the table while it runs; the README's
# Production section says how to build them by hand on a large live database.
PLAIN_INDEXES_BEFORE_THE_RULE = {
    ("campaigns", "0003_campaigns_reviews_offers_tasks_webhooks"),
    ("campaigns", "0006_review_constraints_portable"),
    ("loyalty", "0003_programme_ledger_coupons"),
    ("loyalty", "0007_order_completed_index_includes_total"),
    ("segments", "0006_rfm_indexes_without_like"),
    # Merged beside this rule: unique indexes, which AddIndexConcurrentlyOnPostgres cannot build.
    ("customers", "0003_engagement_import_fields"),
    ("loyalty", "0008_category_tree_product_details_tier_valid_until"),
}


def builds_an_index(operation) -> bool:
    """A plain (blocking) index build: AddIndex, a unique constraint, or a new field with an index of its own.

    (AlterField is left out: whether it adds an index depends on the field it replaces.)
    """
    if isinstance(operation, AddIndexConcurrentlyOnPostgres):
        return False
    if isinstance(operation, ops.AddIndex):
        return True
    if isinstance(operation, ops.AddConstraint):
        return isinstance(operation.constraint, models.UniqueConstraint)
    if isinstance(operation, ops.AddField):
        field = operation.field
        # A foreign key has an index of its own unless it says db_index=False.
        return bool(field.db_index or field.unique)
    return False


def blocking_index_builds(migration) -> list[str]:
    created = {op.name_lower for op in migration.operations if isinstance(op, ops.CreateModel)}
    return [op.describe() for op in migration.operations
            if builds_an_index(op) and getattr(op, "model_name_lower", "") not in created]


def test_new_indexes_on_existing_tables_are_built_concurrently():
    # given every migration of our apps
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = {key: blocking_index_builds(migration) for key, migration in loader.disk_migrations.items()
             if key[0] in OUR_APPS}
    # then only the known earlier ones build an index on an existing table without CONCURRENTLY
    assert {key for key, builds in found.items() if builds} <= PLAIN_INDEXES_BEFORE_THE_RULE, {
        key: builds for key, builds in found.items() if builds and key not in PLAIN_INDEXES_BEFORE_THE_RULE}
    # and the concurrent one is recognised as such
    assert found[("customers", "0002_engagement_member_response")] == []


def test_a_plain_index_on_an_existing_table_is_caught():
    # given a migration adding a plain index to an existing table, and one adding it concurrently
    index = models.Index(fields=["due_at"], name="x_due")

    class Plain:
        operations = [ops.AddIndex("outboxmessage", index)]

    class Concurrent:
        operations = [AddIndexConcurrentlyOnPostgres("outboxmessage", index)]

    # then the plain one is reported and the concurrent one is not
    assert blocking_index_builds(Plain) == ["Create index x_due on field(s) due_at of model outboxmessage"]
    assert blocking_index_builds(Concurrent) == []
