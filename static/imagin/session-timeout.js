/* Warns before the idle timeout and offers to stay signed in
   (imagin/session_timeout.py). The <dialog data-session-timeout> says how
   many seconds the session has left at the least (data-seconds-left) and
   how long before that to warn (data-warning-seconds). "Rester
   connecté(e)" posts its form for JSON: the session is saved again and the
   countdown starts over. Tabs of the same site tell each other of activity
   through localStorage, so that a tab left open does not warn while another
   is in use. */
(function () {
  "use strict";

  var dialog = document.querySelector("dialog[data-session-timeout]");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var ACTIVITY = "imagin-session-activity";
  var secondsLeft = parseInt(dialog.getAttribute("data-seconds-left"), 10);
  var warning = parseInt(dialog.getAttribute("data-warning-seconds"), 10);
  var form = dialog.querySelector("form[data-session-keep-alive]");
  var title = dialog.querySelector("#session-timeout-title");
  var text = dialog.querySelector("#session-timeout-text");
  var signIn = dialog.querySelector("[data-session-sign-in]");
  var deadlineText = dialog.querySelector("[data-session-deadline]");
  var warnTimer = null;
  var endTimer = null;
  var deadline = 0;

  function show() {
    if (!dialog.open) {
      dialog.showModal();
    }
  }

  function warn() {
    deadlineText.textContent = new Date(deadline).toLocaleTimeString(
      document.documentElement.lang || "fr",
      { hour: "2-digit", minute: "2-digit" }
    );
    show();
  }

  function expire() {
    title.textContent = title.getAttribute("data-expired-text");
    text.textContent = text.getAttribute("data-expired-text");
    form.hidden = true;
    signIn.hidden = false;
    show();
  }

  function schedule(seconds, announce) {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    deadline = Date.now() + seconds * 1000;
    warnTimer = setTimeout(warn, Math.max(0, seconds - warning) * 1000);
    endTimer = setTimeout(expire, seconds * 1000);
    if (announce) {
      try {
        localStorage.setItem(ACTIVITY, String(deadline));
      } catch (error) {
        /* Storage refused (private mode): this tab counts alone. */
      }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (answer.signed_in) {
          schedule(answer.seconds_left, true);
          dialog.close();
        } else {
          expire();
        }
      })
      .catch(expire);
  });

  dialog.querySelector("[data-session-close]").addEventListener("click", function () {
    dialog.close();
  });

  window.addEventListener("storage", function (event) {
    if (event.key === ACTIVITY && event.newValue && form.hidden === false) {
      var seconds = (parseInt(event.newValue, 10) - Date.now()) / 1000;
      if (seconds * 1000 > deadline - Date.now()) {
        schedule(seconds, false);
        if (dialog.open) {
          dialog.close();
        }
      }
    }
  });

  schedule(secondsLeft, true);
})();
