/* Follows work running in the background without reloading the page
 * (RGAA 13.1): asks for the page again every few seconds and replaces only
 * the element marked data-progress, a polite live region. When the answer
 * is the report (data-progress-report-page), the work is done: the region
 * says so and links to it. Anything else (the sign-in page after the session
 * ended, an error) is asked again later. Without this script, the
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
        // Redirected: the session ended (the sign-in page), not the work.
        if (!response.ok || response.redirected) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-progress]");
        if (!fresh) {
          if (page.querySelector("[data-progress-report-page]")) {
            finished();
          } else {
            window.setTimeout(poll, DELAY * 3);
          }
          return;
        }
        // Replaced only when it says something new: a live region whose
        // content is rewritten is read out again by some screen readers.
        if (fresh.textContent !== region.textContent) {
          region.replaceChildren.apply(region, Array.from(fresh.childNodes));
        }
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
