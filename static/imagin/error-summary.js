/* The error summary at the top of a form that failed (DSFR, RGAA 11.10):
 * the focus goes to it when the page opens, so that a screen reader reads
 * how many errors there are and which; its links then take the focus to
 * each field, its label or legend scrolled into view with it. Without this
 * script the summary is still the first thing in the form, and its links
 * still lead to the fields. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }

  // What the link's target is labelled by: shown above the field it names.
  function caption(target) {
    if (target.tagName === "FIELDSET") {
      return target.querySelector("legend") || target;
    }
    var label = target.id && document.querySelector('label[for="' + target.id + '"]');
    return label || target;
  }

  // A group of choices is a fieldset: the focus goes to its first choice.
  function focusable(target) {
    if (target.tagName === "FIELDSET" || target.tabIndex < 0) {
      return target.querySelector("input:not([type=hidden]), select, textarea") || target;
    }
    return target;
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    caption(target).scrollIntoView();
    focusable(target).focus({ preventScroll: true });
  });

  summary.focus();
})();
