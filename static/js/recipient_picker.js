// The campaign form's recipient lists: a search box that hides clients, contacts and
// technicians that do not match, and opens a client whose contact matches. Without
// JavaScript the lists are plain checkboxes and the search box stays hidden.
(function () {
  "use strict";
  const input = document.querySelector("[data-recipient-search]");
  if (!input) return;
  input.closest(".recipient-search").hidden = false;
  const empty = document.querySelector("[data-recipient-empty]");
  const groups = Array.from(document.querySelectorAll("details.recipient-group"));
  const loose = Array.from(
    document.querySelectorAll("[data-testid=technician-list] [data-search-item]")
  );
  const opened = new Map(groups.map((g) => [g, g.open]));

  function filter() {
    const term = input.value.trim().toLowerCase();
    let shown = 0;
    for (const group of groups) {
      const clientHit = group.dataset.searchItem.includes(term);
      let contactHit = false;
      for (const row of group.querySelectorAll(".form-check[data-search-item]")) {
        const hit = !term || clientHit || row.dataset.searchItem.includes(term);
        row.hidden = !hit;
        contactHit = contactHit || (term && row.dataset.searchItem.includes(term));
      }
      group.hidden = !(clientHit || contactHit);
      // Open a client whose contacts match; closing again restores the state before.
      group.open = term ? contactHit || opened.get(group) : opened.get(group);
      if (!group.hidden) shown += 1;
    }
    for (const row of loose) {
      row.hidden = !row.dataset.searchItem.includes(term);
      if (!row.hidden) shown += 1;
    }
    empty.hidden = shown > 0;
  }
  for (const group of groups) {
    group.addEventListener("toggle", () => {
      if (!input.value.trim()) opened.set(group, group.open);
    });
  }
  input.addEventListener("input", filter);
})();
