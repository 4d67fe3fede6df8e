// The name picker (core.name_picker): typing asks the page's search endpoint for
// matching names and lists them under the box (an ARIA combobox: arrow keys move, Enter
// or a click chooses, Escape closes). A chosen name puts its id into the hidden input;
// typing again clears it, and the server resolves what was typed. Without JavaScript the
// box is a plain text field resolved on the server.
(function () {
  "use strict";
  const WAIT_MS = 150;

  function setUp(picker) {
    const box = picker.querySelector("[role=combobox]");
    const hidden = picker.querySelector("[data-name-picker-id]");
    const list = picker.querySelector("[role=listbox]");
    const url = picker.dataset.searchUrl;
    let timer = null;
    let asked = 0;
    let active = -1;

    function options() {
      return Array.from(list.querySelectorAll("[role=option]"));
    }

    function close() {
      list.hidden = true;
      list.replaceChildren();
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach((option, i) => {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
        option.classList.toggle("active", i === active);
      });
      box.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function choose(option) {
      box.value = option.dataset.name;
      hidden.value = option.dataset.id;
      close();
      box.focus();
    }

    function show(results) {
      list.replaceChildren();
      results.forEach((result, index) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${index}`;
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.id = result.id;
        option.dataset.name = result.name;
        option.textContent = result.name;
        // mousedown, not click: the box keeps the focus, so blur does not close first.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(option);
        });
        list.append(option);
      });
      list.hidden = results.length === 0;
      box.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }

    async function search() {
      const term = box.value.trim();
      const ticket = ++asked;
      if (!term) {
        close();
        return;
      }
      try {
        const response = await fetch(`${url}?q=${encodeURIComponent(term)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const data = await response.json();
        if (ticket === asked) show(data.results);
      } catch (error) {
        // Offline or refused: the typed name is still resolved when the form is sent.
      }
    }

    box.addEventListener("input", () => {
      hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, WAIT_MS);
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) return;
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(options()[active]);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    box.addEventListener("blur", () => setTimeout(close, 100));
  }

  document.querySelectorAll("[data-name-picker]").forEach(setUp);
})();
