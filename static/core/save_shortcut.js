// Ctrl+S (Cmd+S on a Mac) saves the change form and stays on it, as the
// "Save and continue editing" button does, instead of the browser's "save
// page as". Loaded only by change forms.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    if (event.key !== "s" && event.key !== "S") return;
    var form = document.querySelector("#content-main form[method=post]");
    if (!form) return;
    var button = form.querySelector('.submit-row [name="_continue"]') || form.querySelector('.submit-row [name="_save"]');
    if (!button) return;
    event.preventDefault();
    if (form.dataset.oiSaving === "1") return;  // a second press while the first save is on its way
    form.dataset.oiSaving = "1";
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button);
    } else {
      button.click();
    }
  });
})();
