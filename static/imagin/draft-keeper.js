/* Keeps what is typed into a claim step in this browser until the server
   has saved it, so that a session that expired meanwhile loses nothing
   (imagin/session_timeout.py).

   The form marked data-keep-draft="<owner>" is copied into localStorage
   (under the owner and the page's address, nothing else) as it is typed
   and when it is sent. When the page loads again: if the server shows the
   same values, they were saved and the copy is dropped; otherwise the
   copy's values are put back (adding travel rows as needed, through the
   formset's own button) and a notice says so. Once the server saved a step,
   it says so in the short cookie imagin_draft_saved (the step's address),
   and the copy goes, whichever page comes next. Copies older than a day are
   dropped; signing out (a form marked data-sign-out) drops them all. */
(function () {
  "use strict";

  var PREFIX = "imagin-draft:";
  var MAX_AGE = 24 * 60 * 60 * 1000;

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  var store = storage();
  if (!store) {
    return;
  }

  function forgetAll(onlyOld) {
    var now = Date.now();
    for (var index = store.length - 1; index >= 0; index -= 1) {
      var key = store.key(index);
      if (key && key.indexOf(PREFIX) === 0) {
        var saved = null;
        try {
          saved = JSON.parse(store.getItem(key));
        } catch (error) {
          saved = null;
        }
        if (!onlyOld || !saved || now - saved.at > MAX_AGE) {
          store.removeItem(key);
        }
      }
    }
  }

  // The server saved a step (imagin_draft_saved cookie): its copy goes.
  var savedCookie = /(?:^|;\s*)imagin_draft_saved=([^;]*)/.exec(document.cookie);
  if (savedCookie) {
    var savedPath = decodeURIComponent(savedCookie[1].replace(/^"|"$/g, ""));
    for (var position = store.length - 1; position >= 0; position -= 1) {
      var stored = store.key(position);
      if (stored && stored.indexOf(PREFIX) === 0 &&
          stored.slice(stored.indexOf(":", PREFIX.length) + 1) === savedPath) {
        store.removeItem(stored);
      }
    }
    document.cookie = "imagin_draft_saved=; Max-Age=0; Path=/; SameSite=Lax";
  }

  document.querySelectorAll("form[data-sign-out]").forEach(function (signOut) {
    signOut.addEventListener("submit", function () {
      forgetAll(false);
    });
  });
  forgetAll(true);

  var form = document.querySelector("form[data-keep-draft]");
  if (!form) {
    return;
  }
  var key = PREFIX + form.getAttribute("data-keep-draft") + ":" + window.location.pathname;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (field) {
      return (
        field.name &&
        !field.disabled &&
        ["hidden", "submit", "button", "file", "password"].indexOf(field.type) === -1 &&
        field.tagName !== "BUTTON"
      );
    });
  }

  function read() {
    var values = {};
    fields().forEach(function (field) {
      if (field.type === "checkbox") {
        values[field.name] = field.checked;
      } else if (field.type === "radio") {
        if (field.checked || !(field.name in values)) {
          values[field.name] = field.checked ? field.value : "";
        }
      } else {
        values[field.name] = field.value;
      }
    });
    return values;
  }

  function find(name) {
    return form.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]');
  }

  function addRowsFor(name) {
    // "repas-3-date": the formset "repas" adds rows until row 3 exists.
    var match = /^(.+)-(\d+)-[^-]+$/.exec(name);
    if (!match) {
      return;
    }
    var fieldset = form.querySelector('[data-formset="' + match[1] + '"]');
    var button = fieldset && fieldset.querySelector("[data-formset-add]");
    for (var tries = 0; button && !find(name).length && tries < 100; tries += 1) {
      button.click();
    }
  }

  function write(values) {
    Object.keys(values).forEach(function (name) {
      if (!find(name).length) {
        addRowsFor(name);
      }
      find(name).forEach(function (field) {
        if (field.type === "checkbox") {
          field.checked = values[name] === true;
        } else if (field.type === "radio") {
          field.checked = field.value === values[name];
        } else {
          field.value = values[name];
        }
      });
    });
  }

  function same(values, current) {
    return Object.keys(values).every(function (name) {
      return current[name] === values[name];
    });
  }

  function keep() {
    try {
      store.setItem(key, JSON.stringify({ at: Date.now(), values: read() }));
    } catch (error) {
      /* Storage full or refused: the form still posts as usual. */
    }
  }

  var saved = null;
  try {
    saved = JSON.parse(store.getItem(key));
  } catch (error) {
    saved = null;
  }
  if (saved && saved.values) {
    if (same(saved.values, read())) {
      store.removeItem(key);
    } else {
      write(saved.values);
      var notice = document.createElement("div");
      notice.className = "fr-alert fr-alert--info fr-alert--sm fr-mb-3w";
      notice.setAttribute("role", "status");
      var message = document.createElement("p");
      message.textContent = form.getAttribute("data-draft-restored");
      notice.appendChild(message);
      form.insertBefore(notice, form.firstChild);
    }
  }

  var pending = null;
  function soon() {
    clearTimeout(pending);
    pending = setTimeout(keep, 300);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  form.addEventListener("submit", function () {
    clearTimeout(pending);
    keep();
  });
})();
