/*
 * Live previews on the question form, without inline scripts (the admin's
 * Content-Security-Policy forbids them).
 *
 * - Explanation: the Markdown is POSTed to the admin's preview URL, which
 *   answers HTML rendered and sanitised on the server (nh3); it is the only
 *   HTML inserted here.
 * - Diagram: rendered by the vendored Mermaid with securityLevel 'strict'
 *   (no click callbacks, output sanitised by Mermaid). Mermaid still puts a
 *   label's HTML into a live element while measuring it, so a label holding
 *   `<img onerror=...>` would be parsed by the browser (only the CSP stops
 *   the handler): every `<` that would open a tag, other than `<br>`, is
 *   handed to Mermaid as its entity code `#lt;`, which it draws as `<`.
 *   The source itself is only ever set as textContent.
 */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function csrfToken(field) {
    var form = field.form;
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setupMarkdown(preview) {
    var field = document.getElementById(preview.dataset.previewFor);
    var url = preview.dataset.previewUrl;
    if (!field || !url) return;
    var refresh = debounce(function () {
      var body = new URLSearchParams();
      body.set("text", field.value);
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(field), "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
      })
        .then(function (response) {
          // A refusal (e.g. 429, too many previews) carries its reason as `error`.
          return response.json().catch(function () { return {}; }).then(function (data) {
            return response.ok ? data : Promise.reject(data.error);
          });
        })
        .then(function (data) { preview.innerHTML = data.html; })  // sanitised by the server
        .catch(function (reason) {
          preview.textContent = typeof reason === "string" ? reason : "Preview unavailable.";
        });
    }, 400);
    field.addEventListener("input", refresh);
  }

  var diagramCounter = 0;
  var TAG_OPENING = /<(?!br\s*\/?>)(?=[A-Za-z\/!?])/gi;

  function withoutMarkup(text) {
    return text.replace(TAG_OPENING, "#lt;");
  }

  function setupMermaid(preview) {
    var field = document.getElementById(preview.dataset.previewFor);
    var source = preview.querySelector(".mermaid-source");
    var output = preview.querySelector(".mermaid-output");
    if (!output || typeof window.mermaid === "undefined") return;
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    function render() {
      var text = field ? field.value : source.textContent;
      if (source) source.textContent = text;
      if (!text.trim()) { output.textContent = ""; return; }
      diagramCounter += 1;
      window.mermaid
        .render("question-diagram-" + diagramCounter, withoutMarkup(text))
        .then(function (result) {
          output.innerHTML = result.svg;  // produced by Mermaid in strict mode
          if (source) source.hidden = true;
        })
        .catch(function (error) {
          if (source) source.hidden = false;
          output.textContent = "Diagram does not parse: " + (error && error.message ? error.message : error);
        });
    }
    render();
    if (field) field.addEventListener("input", debounce(render, 500));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".markdown-preview[data-preview-for]").forEach(setupMarkdown);
    document.querySelectorAll(".mermaid-preview").forEach(setupMermaid);
  });
})();
