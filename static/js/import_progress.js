// An import's page while the file waits or is read: the status box (data-refresh-seconds)
// is updated in place from a fresh copy of the page, so screen readers hear the progress
// in the box's live region and nothing else on the page moves. A timed reload of the
// whole page (<meta http-equiv="refresh">) would fail WCAG 2.2.1 (axe meta-refresh). Once
// the import has finished the page is loaded once more to show the result.
(function () {
  var box = document.querySelector("[data-refresh-seconds]");
  if (!box || !window.fetch || !window.DOMParser) return;
  var delay = (Number(box.dataset.refreshSeconds) || 2) * 1000;

  function poll() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser()
          .parseFromString(html, "text/html")
          .querySelector("[data-refresh-seconds]");
        if (!fresh) {
          window.location.reload();
          return;
        }
        Array.prototype.forEach.call(fresh.attributes, function (attribute) {
          box.setAttribute(attribute.name, attribute.value);
        });
        if (box.innerHTML !== fresh.innerHTML) box.innerHTML = fresh.innerHTML;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // The server is restarting or the network is down: try again later.
        window.setTimeout(poll, delay * 5);
      });
  }
  window.setTimeout(poll, delay);
})();
