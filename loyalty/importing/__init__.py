"""Row schemas and batch writers of loyalty's imports (orders, order lines, points, tiers, products), on
customers.importing's mechanism, and their registration as kinds the admin's import page offers."""
from django.utils.translation import gettext_lazy as _


def register_import_kinds() -> None:
    from customers.importing.kinds import ImportKind, register

    from .order_lines import OrderLineImporter
    from .orders import OrderImporter
    from .points import PointsImporter
    from .products import ProductImporter
    from .tiers import TierImporter

    register(ImportKind("orders", _("Orders"), lambda source_name: OrderImporter(), "import_orders", order=30))
    register(ImportKind("order_lines", _("Order lines"), lambda source_name: OrderLineImporter(),
                        "import_order_lines", order=40))
    register(ImportKind("points", _("Opening points balances"), lambda source_name: PointsImporter(),
                        "import_points", order=50))
    register(ImportKind("tiers", _("Tiers"), lambda source_name: TierImporter(), "import_tiers", order=60))
    register(ImportKind("products", _("Products"), lambda source_name: ProductImporter(), "import_products",
                        order=70))
