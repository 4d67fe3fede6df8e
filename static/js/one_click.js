// One click on a face in an e-mail: this page sends its own form at once (surveys/one_click.py).
// The form carries a short-lived signed nonce; its button is the fallback without JavaScript.
(function () {
  "use strict";
  var form = document.querySelector("form[data-one-click]");
  if (form && !form.dataset.sent) {
    form.dataset.sent = "1";
    form.submit();
  }
})();
