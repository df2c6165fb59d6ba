// The page of a background import or export: polls the job's status (a
// small JSON answer) every second and moves the bar; when the job ends the
// page is reloaded, so its final state (download, errors) is drawn by the
// server. No inline script: the CSP allows scripts from 'self' only.
(function () {
  "use strict";
  var root = document.querySelector(".oi-job");
  if (!root || root.dataset.finished === "1") {
    return;
  }
  var bar = root.querySelector(".oi-job-bar");
  var rows = root.querySelector(".oi-job-rows");
  var message = root.querySelector(".oi-job-message");
  var cancel = root.querySelector(".oi-job-cancel input[type=submit]");
  var delay = 1000;

  function show(status) {
    bar.value = status.percent;
    bar.textContent = status.percent + " %";
    rows.textContent = status.rows_total
      ? status.rows_done.toLocaleString("en") + " of " + status.rows_total.toLocaleString("en") + " rows"
      : "";
    message.textContent = status.message;
    if (cancel && status.cancel_requested) {
      cancel.disabled = true;
    }
  }

  function poll() {
    fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // A moment without the server (a restart): try again, less often.
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
