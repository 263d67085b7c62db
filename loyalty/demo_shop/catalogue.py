"""The demo product catalogue: categories, products and their prices."""
from dataclasses import dataclass

import numpy as np

CATEGORIES = [
    ("Pet food", 350), ("Pet care", 600), ("Baby goods", 900), ("Cosmetics", 1200), ("Perfume", 4500),
    ("Household", 400), ("Groceries", 250), ("Clothing", 2500), ("Shoes", 4000), ("Kitchen", 1500),
    ("Books", 700), ("Toys", 1100),
]
PRODUCTS_PER_CATEGORY = 50


@dataclass
class Catalogue:
    category_names: list[str]
    product_category: np.ndarray  # category index per product
    product_price: np.ndarray  # price in roubles per product, 2 decimals
    product_popularity: np.ndarray  # sampling weight per product, sums to 1

    @property
    def size(self) -> int:
        return len(self.product_price)


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    category_index = np.repeat(np.arange(len(CATEGORIES)), PRODUCTS_PER_CATEGORY)
    typical_price = np.array([price for _, price in CATEGORIES], dtype=float)[category_index]
    prices = np.round(typical_price * rng.lognormal(0.0, 0.45, size=len(category_index)), -1) - 0.01
    # A few bestsellers and a long tail, as in any shop.
    popularity = 1.0 / np.arange(1, len(category_index) + 1) ** 0.8
    popularity = rng.permutation(popularity)
    return Catalogue(
        category_names=[name for name, _ in CATEGORIES],
        product_category=category_index,
        product_price=np.maximum(prices, 9.99),
        product_popularity=popularity / popularity.sum(),
    )


def product_sku(index: int) -> str:
    return f"SKU{index + 1:05d}"
