/* Hamroh web: small comforts on top of pages that work without this file.
   - "Why we ask this?" opens in place instead of a round trip;
   - result sections fold, the status card stays open;
   - a second tap on a slow link does not send the form twice (for 8 s). */
(function () {
  "use strict";
  var root = document.documentElement;
  root.className += " js";

  function each(selector, fn) {
    var items = document.querySelectorAll(selector);
    for (var i = 0; i < items.length; i++) fn(items[i]);
  }

  each("button[data-toggle]", function (button) {
    button.addEventListener("click", function (event) {
      var target = document.getElementById(button.getAttribute("data-toggle"));
      if (!target) return;
      event.preventDefault();
      target.hidden = !target.hidden;
    });
  });

  each(".fold", function (section) {
    var heading = section.querySelector("h2");
    if (!heading) return;
    section.className += " closed";
    heading.setAttribute("role", "button");
    heading.setAttribute("tabindex", "0");
    heading.setAttribute("aria-expanded", "false");
    function toggle() {
      var closed = /\bclosed\b/.test(section.className);
      section.className = closed
        ? section.className.replace(/\s*\bclosed\b/, "")
        : section.className + " closed";
      heading.setAttribute("aria-expanded", closed ? "true" : "false");
    }
    heading.addEventListener("click", toggle);
    heading.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle();
      }
    });
  });

  // A link to a folded section ("Why?", "Contacts" on the card) opens it.
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && /\bclosed\b/.test(target.className)) {
      var heading = target.querySelector("h2");
      if (heading) heading.click();
    }
  }
  window.addEventListener("hashchange", openTarget);
  each("a[href^='#']", function (link) {
    link.addEventListener("click", function () { setTimeout(openTarget, 0); });
  });

  // Only for a while: a request that was cancelled (the browser's stop, a dropped
  // link) leaves the page as it was with no event to say so, and the next tap must go.
  // A second answer sent after that is harmless: the server keeps nothing.
  var sentAt = null;
  var HOLD_MS = 8000;
  window.addEventListener("pageshow", function () { sentAt = null; });
  each("form", function (form) {
    form.addEventListener("submit", function (event) {
      if (/\/file$/.test(form.getAttribute("action"))) return; // a download: the page stays
      var now = Date.now();
      if (sentAt !== null && now - sentAt < HOLD_MS) {
        event.preventDefault();
        return;
      }
      sentAt = now;
    });
  });
})();
