"""The kinds of import staff can run from the admin, registered by the app that owns each importer.

customers registers members and engagement; loyalty (a floor above, which customers must not import)
registers orders, order lines, points, tiers and products in its AppConfig.ready. Every kind runs through
the same `run_import` as its management command, so the admin and the command line write alike.
"""
from dataclasses import dataclass
from typing import Callable

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ImportKind:
    slug: str  # the importer's `kind`, also ImportJob.kind
    label: str
    build: Callable[..., object]  # build(source_name=<file name>) -> a fresh importer
    command: str  # the management command that takes the same file, for large files and scripts
    order: int = 0


_kinds: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> None:
    _kinds[kind.slug] = kind


def import_kind(slug: str) -> ImportKind:
    """The registered kind; KeyError for an unknown slug."""
    return _kinds[slug]


def import_kinds() -> list[ImportKind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind.slug))


def known_columns(importer) -> list[str]:
    """The columns a bound file may name: the schema's own, then each defined zero-party attribute's."""
    names = list(importer.schema.columns)
    extra = getattr(importer, "extra_column_names", None)
    return names + (list(extra()) if extra else [])


def register_foundation_kinds() -> None:
    from .engagement import EngagementImporter
    from .members import MemberImporter

    register(ImportKind("members", _("Members"), lambda source_name: MemberImporter(source_name=source_name),
                        "import_members", order=10))
    register(ImportKind("engagement", _("Engagement history"), lambda source_name: EngagementImporter(source_name=source_name),
                        "import_engagement", order=20))
