/*
 * Continuum – small progressive enhancements (see docs/ui-assets.md).
 *
 *  - <button data-confirm="Message"> asks window.confirm(message) before the
 *    click goes ahead (also works for htmx-driven buttons and forms).
 *  - htmx requests get an X-CSRFToken header from <meta name="csrf-token">
 *    (falling back to the "csrftoken" cookie).
 *  - <button data-print> prints the page (the print stylesheet leaves out
 *    whatever is marked .continuum-no-print).
 *  - <fieldset data-shown-with="NAME=VALUE"> is shown only while its form's
 *    checkbox NAME with that VALUE is ticked (without JavaScript, always shown;
 *    the server checks what is needed either way).
 *
 * Uses event delegation, so content swapped in by htmx is covered too.
 */
(() => {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    const fromMeta = meta ? meta.getAttribute("content") : "";
    if (fromMeta) {
      return fromMeta;
    }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Capture phase on document runs before listeners on the button itself
  // (including htmx's), so a cancelled confirm stops everything.
  function onClickCapture(event) {
    const target = event.target instanceof Element ? event.target : null;
    const button = target ? target.closest("button[data-confirm]") : null;
    if (!button || button.disabled) {
      return;
    }
    const message = button.getAttribute("data-confirm") || "Are you sure?";
    if (!window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      event.stopPropagation();
    }
  }

  function onPrintClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("button[data-print]")) {
      window.print();
    }
  }

  function onHtmxConfigRequest(event) {
    const token = csrfToken();
    if (token && event.detail && event.detail.headers) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  }

  function syncShownWith() {
    document.querySelectorAll("[data-shown-with]").forEach((element) => {
      const [name, value] = (element.getAttribute("data-shown-with") || "").split("=");
      const scope = element.closest("form") || document;
      const boxes = Array.from(scope.querySelectorAll('input[type="checkbox"]'));
      element.hidden = !boxes.some(
        (box) => box.name === name && box.value === value && box.checked,
      );
    });
  }

  function onChange(event) {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.type === "checkbox") {
      syncShownWith();
    }
  }

  function init() {
    document.addEventListener("click", onClickCapture, true);
    document.addEventListener("click", onPrintClick);
    document.addEventListener("change", onChange);
    syncShownWith();
    document.body.addEventListener("htmx:configRequest", onHtmxConfigRequest);
    document.body.setAttribute("data-app-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init, { once: true });
  } else {
    init();
  }
})();
