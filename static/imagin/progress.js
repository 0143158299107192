/* Follows work running in the background without reloading the page
 * (RGAA 13.1): asks for the page again every few seconds and replaces only
 * the element marked data-progress, a polite live region. When the answer
 * has no such element any more, the work is done and the page has become its
 * report: the region says so and links to it. Without this script, the
 * page's "Actualiser" link does the same by hand. */
(function () {
  "use strict";
  var region = document.querySelector("[data-progress]");
  if (!region || !window.fetch || !window.DOMParser) {
    return;
  }
  var DELAY = 3000;

  function finished() {
    var paragraph = document.createElement("p");
    var link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = region.getAttribute("data-progress-report");
    paragraph.textContent = region.getAttribute("data-progress-done") + " ";
    paragraph.appendChild(link);
    region.replaceChildren(paragraph);
  }

  function poll() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser()
          .parseFromString(html, "text/html")
          .querySelector("[data-progress]");
        if (!fresh) {
          finished();
          return;
        }
        region.replaceChildren.apply(region, Array.from(fresh.childNodes));
        if (!fresh.hasAttribute("data-progress-stopped")) {
          window.setTimeout(poll, DELAY);
        }
      })
      .catch(function () {
        window.setTimeout(poll, DELAY * 3);
      });
  }

  window.setTimeout(poll, DELAY);
})();
