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

  // A moderator records how a suggestion relates to this question: a small
  // form per suggestion, posted with the page's CSRF token.
  function relateControls(box, item) {
    var wrap = element("span", null, "similar-question-relate");
    var select = element("select");
    select.setAttribute("aria-label", "How " + item.id + " relates");
    JSON.parse(box.dataset.relationshipTypes || "[]").forEach(function (choice) {
      var option = element("option", choice[1]);
      option.value = choice[0];
      select.appendChild(option);
    });
    var button = element("button", "Record", "button");
    button.type = "button";
    var said = element("span", null, "similar-question-said");
    button.addEventListener("click", function () {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      var body = new URLSearchParams();
      body.set("target", item.id);
      body.set("relationship_type", select.value);
      fetch(box.dataset.relateUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" },
        body: body
      })
        .then(function (response) { return response.json(); })
        .then(function (data) { said.textContent = " " + (data.message || data.error || ""); })
        .catch(function () { said.textContent = " Not recorded: the admin did not answer."; });
    });
    wrap.appendChild(select);
    wrap.appendChild(button);
    wrap.appendChild(said);
    return wrap;
  }

  function render(box, questions, mayRelate) {
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
      if (mayRelate && box.dataset.relateUrl) entry.appendChild(relateControls(box, item));
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
        render(box, [], false);
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
            render(box, data.questions || [], Boolean(data.may_relate));
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
