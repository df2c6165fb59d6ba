/*
 * "Possibly the same question" on the question form: as the question text is
 * typed (400 ms after the last keystroke), the five most similar existing
 * questions are fetched from the admin's JSON endpoint and listed with their
 * channel, status and a link. Everything is inserted as text nodes; no
 * inline script (the admin's Content-Security-Policy forbids it).
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

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function render(box, questions) {
    box.replaceChildren();
    if (!questions.length) {
      box.appendChild(element("p", "No similar question found.", "help"));
      return;
    }
    var list = element("ul", null, "similar-questions-list");
    questions.forEach(function (item) {
      var entry = element("li");
      var link = element("a", item.id);
      link.href = item.url;
      entry.appendChild(link);
      entry.appendChild(document.createTextNode(" " + item.question + " "));
      entry.appendChild(element("span", "(" + (item.channel || "no channel") + ", " + (item.status || "no status") + ")", "similar-question-meta"));
      list.appendChild(entry);
    });
    box.appendChild(list);
  }

  function setup(box) {
    var field = document.getElementById("id_question");
    var url = box.dataset.similarUrl;
    if (!url) return;
    var latest = 0;
    function refresh() {
      var text = field ? field.value : "";
      if (!text.trim()) {
        render(box, []);
        return;
      }
      var params = new URLSearchParams();
      params.set("text", text.slice(0, 2000));
      if (box.dataset.excludeId) params.set("exclude", box.dataset.excludeId);
      var request = ++latest;
      fetch(url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (request !== latest) return;  // an answer to older text
          if (data.error) {
            box.replaceChildren(element("p", data.error, "help"));
          } else {
            render(box, data.questions || []);
          }
        })
        .catch(function () {
          if (request === latest) box.replaceChildren(element("p", "Similar questions unavailable.", "help"));
        });
    }
    if (field) field.addEventListener("input", debounce(refresh, 400));
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".similar-questions[data-similar-url]").forEach(setup);
  });
})();
