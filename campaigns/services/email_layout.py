"""Campaign email in the shop's look: one responsive base template (tables, inline styles) with the shop's
name, logo and colours from settings, the step's text, the member's personal selection as product cards
whose links carry UTM parameters, the unsubscribe link and the open pixel. The plain-text part lists the
same products, so a text-only reader misses nothing."""
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from core.money import money_format

from .tracking import URL, click_url, open_pixel_url

MAX_CARDS = 6


@dataclass(frozen=True)
class ProductCard:
    name: str
    price: str
    image_url: str
    url: str  # with the UTM parameters, before the click redirect


def with_utm(url: str, *, campaign: str) -> str:
    """`url` with utm_source/medium/campaign set (the shop's own, kept if the link already names them)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in (("utm_source", settings.EMAIL_UTM_SOURCE), ("utm_medium", "email"), ("utm_campaign", campaign)):
        query.setdefault(key, value)
    return urlunsplit(parts._replace(query=urlencode(query)))


def product_cards(products, *, campaign: str, limit: int) -> list[ProductCard]:
    """Cards for the first `limit` products that have a page to link to."""
    cards = []
    for product in products:
        if len(cards) >= min(limit, MAX_CARDS):
            break
        if not product.url:
            continue  # a card nobody can open would only frustrate
        cards.append(ProductCard(name=product.name, price=money_format(product.price) if product.price else "",
                                 image_url=product.image_url, url=with_utm(product.url, campaign=campaign)))
    return cards


def _linked(text: str, *, message, tracked: bool) -> str:
    parts, last = [], 0
    for match in URL.finditer(text):
        parts.append(escape(text[last:match.start()]))
        url = match.group(0)
        href = click_url(message=message, url=url) if tracked else url
        parts.append(f'<a href="{escape(href)}">{escape(url)}</a>')
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts).replace("\n", "<br>\n")


def brand() -> dict:
    return {"name": settings.SHOP_NAME, "logo_url": settings.SHOP_LOGO_URL, "color": settings.SHOP_BRAND_COLOR,
            "on_color": settings.SHOP_BRAND_TEXT_COLOR, "background": settings.SHOP_EMAIL_BACKGROUND,
            "text": "#1f2328"}


def email_html(*, message, subject: str, text: str, cards: list[ProductCard], unsubscribe: str,
               tracked: bool = True) -> str:
    """The email's HTML part: the text's paragraphs (links through the click redirect), the cards two a row
    (one on a narrow screen), the footer with the unsubscribe link, the open pixel. Untracked (transactional
    mail: codes, reset links) the links go straight to their target and there is no pixel."""
    paragraphs = [mark_safe(_linked(p.strip(), message=message, tracked=tracked))
                  for p in re.split(r"\n\s*\n", text) if p.strip()]
    rows = [[{"name": c.name, "price": c.price, "image_url": c.image_url,
              "href": click_url(message=message, url=c.url)} for c in cards[i:i + 2]] for i in range(0, len(cards), 2)]
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return get_template("campaigns/email/base.html").render({
        "language": get_language() or settings.LANGUAGE_CODE, "subject": subject, "preheader": first_line[:120],
        "brand": brand(), "paragraphs": paragraphs, "products": rows, "unsubscribe_url": unsubscribe,
        "open_pixel_url": open_pixel_url(message=message) if tracked else ""})


def email_text(*, text: str, cards: list[ProductCard], unsubscribe: str) -> str:
    """The plain-text part: the text, the products with their links, the unsubscribe link."""
    lines = [text]
    if cards:
        lines += ["", gettext("Picked for you") + ":"]
        lines += [" — ".join(part for part in (c.name, c.price, c.url) if part) for c in cards]
    lines += ["", "--", f"{gettext('Unsubscribe')}: {unsubscribe}"]
    return "\n".join(lines)
