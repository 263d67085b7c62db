// Member 360: "Show more" appends the next page of the timeline in place; without JavaScript the link opens it.
document.addEventListener("click", async (event) => {
  const link = event.target.closest("#m360-more");
  if (!link) return;
  event.preventDefault();
  const response = await fetch(`?fragment=timeline&before=${encodeURIComponent(link.dataset.next)}`,
                               {credentials: "same-origin"});
  if (!response.ok) { window.location = link.href; return; }
  document.getElementById("m360-events").insertAdjacentHTML("beforeend", await response.text());
  const next = response.headers.get("X-Next-Cursor");
  if (next) {
    link.dataset.next = next;
    link.href = `?before=${encodeURIComponent(next)}`;
  } else {
    link.parentElement.remove();
  }
});
