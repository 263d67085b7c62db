"""Layout checks the browser tests share: what sticks out sideways."""

# What sticks out past the viewport's right edge: boxes (the innermost: their parents only contain them) and text
# wider than its own box (a long e-mail address in a paragraph).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
    " " + JSON.stringify((el.innerText || el.value || "").slice(0, 40));
  const all = [...document.querySelectorAll("body *")];
  const wide = all.filter(el => el.getBoundingClientRect().right > width + 0.5);
  const boxes = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
  const text = all.filter(el => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
                                getComputedStyle(el).overflowX === "visible" &&
                                el.getBoundingClientRect().left + el.scrollWidth > width + 0.5);
  return [...new Set([...boxes, ...text])].map(name);
}"""


def fits_the_width(page) -> bool:
    """The page does not scroll sideways (the document is no wider than the viewport)."""
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def overflowing(page) -> list[str]:
    """What sticks out to the right, for a failure message: `table.entries "Дата Что Баллы"`."""
    return page.evaluate(OVERFLOWING)
