/* The exercise page: CodeMirror editor (Esc then Tab leaves it), submit without a reload, and
   live status of a submission (queued -> running -> graded) by polling its result panel, which
   sits in a polite live region; focus moves to the result when grading ends. */
(function () {
  "use strict";
  var form = document.getElementById("submit-form");
  var slot = document.getElementById("result-slot");
  var hint = document.getElementById("editor-hint");
  var editor = null;
  var busy = false;
  var focusResult = false;     // set by a submit on this page: its result takes focus when graded

  function pending(el) {
    var s = el.getAttribute("data-status");
    return s === "queued" || s === "running";
  }

  function refreshHistory() {
    var box = document.getElementById("history");
    if (!form || !box) { return; }
    fetch(form.getAttribute("data-history-url"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { box.innerHTML = html; } });
  }

  function poll(el, started) {
    var url = el.getAttribute("data-panel-url");
    var waited = Date.now() - started;
    var delay = waited < 20000 ? 150 : 1000;
    setTimeout(function () {
      fetch(url, {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.firstElementChild;
          if (!fresh) { return; }
          if (pending(fresh) && fresh.getAttribute("data-status") === el.getAttribute("data-status")) {
            poll(el, started);       // nothing new: leave the live region alone
            return;
          }
          el.replaceWith(fresh);
          if (pending(fresh)) { poll(fresh, started); return; }
          refreshHistory();
          if (focusResult) { focusResult = false; fresh.focus(); }   // where the reader goes next
        })
        .catch(function () { poll(el, started - 20000); });
    }, delay);
  }

  function showError(message) {
    var box = document.createElement("div");
    box.className = "result card";
    var p = document.createElement("p");
    p.className = "message error";
    p.textContent = message;
    box.appendChild(p);
    slot.replaceChildren(box);
  }

  function submit(event) {
    if (event) { event.preventDefault(); }
    if (busy) { return; }
    if (editor) { editor.save(); }
    var button = document.getElementById("submit-button");
    busy = true;                                   // not `disabled`: the button keeps focus
    button.setAttribute("aria-disabled", "true");
    var data = new FormData(form);
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRF-Token": data.get("csrf_token")}
    }).then(function (r) {
      return r.json().catch(function () { return {error: "The server answered " + r.status + "."}; })
        .then(function (body) { return {ok: r.ok, body: body}; });
    }).then(function (res) {
      if (!res.ok) { showError(res.body.error || "The submission failed."); return; }
      var el = document.createElement("div");
      el.className = "result card";
      el.setAttribute("tabindex", "-1");
      el.setAttribute("data-status", res.body.status);
      el.setAttribute("data-panel-url", res.body.panel_url);
      var p = document.createElement("p");
      p.className = "status";
      p.textContent = "Submission #" + res.body.id + " is queued…";
      el.appendChild(p);
      slot.replaceChildren(el);
      focusResult = true;
      form.querySelector("input[type=file]").value = "";
      refreshHistory();
      poll(el, Date.now());
    }).catch(function () {
      showError("Could not reach the server. Check your connection and submit again.");
    }).finally(function () { busy = false; button.removeAttribute("aria-disabled"); });
  }

  // Esc, then Tab or Shift-Tab, moves focus out of the editor (as CodeMirror 6 does);
  // any other key after Esc goes back to indenting with Tab.
  var escaped = false;
  function setEscaped(on) {
    escaped = on;
    if (hint) { hint.classList.toggle("active", on); }
  }
  var TABBABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
  function focusBeside(cm, forward) {
    var wrapper = cm.getWrapperElement();
    var all = Array.prototype.filter.call(document.querySelectorAll(TABBABLE), function (el) {
      return !wrapper.contains(el) && !el.disabled && el.tabIndex >= 0 && el.getClientRects().length;
    });
    var after = all.filter(function (el) {
      return wrapper.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    var before = all.filter(function (el) { return after.indexOf(el) < 0; });
    var target = forward ? after[0] : before[before.length - 1];
    if (target) { target.focus(); }
  }
  function leaveOr(indent, forward) {
    return function (cm) {
      if (escaped) { setEscaped(false); focusBeside(cm, forward); return; }
      indent(cm);
    };
  }

  if (form && window.CodeMirror) {
    var label = document.getElementById("code-label");
    editor = window.CodeMirror.fromTextArea(document.getElementById("code"), {
      mode: "python", lineNumbers: true, indentUnit: 4, tabSize: 4, matchBrackets: true,
      autoCloseBrackets: true, viewportMargin: Infinity,
      extraKeys: {
        "Tab": leaveOr(function (cm) {
          if (cm.somethingSelected()) { cm.indentSelection("add"); } else { cm.replaceSelection("    "); }
        }, true),
        "Shift-Tab": leaveOr(function (cm) { cm.indentSelection("subtract"); }, false),
        "Esc": function () { setEscaped(true); },
        "Ctrl-Enter": function () { submit(); }, "Cmd-Enter": function () { submit(); }
      }
    });
    var input = editor.getInputField();
    input.setAttribute("aria-label", "Your code" + (label ? ": " + label.textContent.replace(/^Your code:\s*/, "") : ""));
    input.setAttribute("aria-describedby", "editor-hint");
    input.setAttribute("aria-multiline", "true");
    if (label) { label.removeAttribute("for"); label.addEventListener("click", function () { editor.focus(); }); }
    editor.on("keydown", function (cm, e) {
      if (e.key !== "Escape" && e.key !== "Tab" && e.key !== "Shift") { setEscaped(false); }
    });
    editor.on("blur", function () { setEscaped(false); });
    window.tracegradeEditor = editor;
  }
  if (form) { form.addEventListener("submit", submit); }
  if (slot) {
    Array.prototype.forEach.call(slot.querySelectorAll(".result[data-panel-url]"), function (el) {
      if (pending(el)) { poll(el, Date.now()); }
    });
  }
}());
