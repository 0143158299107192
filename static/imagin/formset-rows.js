/* Adds a row to a formset in place (the travel step's trips, meals and
   nights), without saving first: the row is a copy of the formset's empty
   form (its <template>), numbered after the rows already there, and the
   management form's TOTAL_FORMS counts it. Without this script the page
   still works: saving shows a new empty row.

   Markup: <fieldset data-formset="PREFIX"> holding the management form,
   [data-formset-rows], <template data-formset-template>, a hidden
   [data-formset-add] button (its data-formset-added / data-formset-full
   messages) and a [data-formset-status] live region. */
(function () {
  "use strict";

  function setUp(fieldset) {
    var prefix = fieldset.getAttribute("data-formset");
    var total = fieldset.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var maximum = fieldset.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    var rows = fieldset.querySelector("[data-formset-rows]");
    var template = fieldset.querySelector("template[data-formset-template]");
    var button = fieldset.querySelector("[data-formset-add]");
    var status = fieldset.querySelector("[data-formset-status]");
    if (!total || !rows || !template || !button) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var count = parseInt(total.value, 10) || 0;
      var limit = maximum ? parseInt(maximum.value, 10) : NaN;
      if (!isNaN(limit) && count >= limit) {
        status.textContent = button.getAttribute("data-formset-full");
        return;
      }
      var html = template.innerHTML
        .split("__prefix__").join(String(count))
        .split("__number__").join(String(count + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(count + 1);
      status.textContent = button
        .getAttribute("data-formset-added")
        .split("__number__").join(String(count + 1));
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) {
        first.focus();
      }
    });
  }

  document.querySelectorAll("[data-formset]").forEach(setUp);
  document.querySelectorAll("[data-formset-without-script]").forEach(function (note) {
    note.hidden = true;
  });
})();
