/*
 * Continuum – "Exit this page" (quick exit), modelled on GOV.UK Frontend's
 * Exit this page component.
 *
 * Contract (see docs/ui-assets.md):
 *   <a class="usa-button usa-button--secondary continuum-quick-exit"
 *      data-quick-exit href="EXIT_URL">Exit this page</a>
 * The href is the exit URL, so the link works without JavaScript.
 *
 * With JavaScript:
 *   - clicking the link, or pressing Shift three times within 5 seconds
 *     (key-up events, so held-key repeats are not counted; Shift presses are
 *     counted even while typing in a text field, as GOV.UK does), immediately
 *     covers the page with an opaque overlay, clears sessionStorage (and the
 *     htmx history cache) and calls window.location.replace(href) so the
 *     current page is not kept in the session history;
 *   - after the first and second Shift press a visible indicator (lights in
 *     the button) and an aria-live status message are shown.
 *   - <body data-quick-exit-ready="true"> is set once initialised.
 *
 * CSP-safe: no inline styles via attributes, no eval; classes and the
 * `hidden` attribute do the presentational work (styles: continuum.css).
 */
(() => {
  "use strict";

  const PRESSES_TO_EXIT = 3;
  const TIMEOUT_MS = 5000;
  const HTMX_HISTORY_KEY = "htmx-history-cache";

  let link = null;
  let exitUrl = null;
  let indicator = null;
  let status = null;
  let counter = 0;
  let counterTimer = null;
  let lastKeyWasModified = false;
  let exiting = false;

  function plural(n) {
    return n === 1 ? "time" : "times";
  }

  function setStatus(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function updateIndicator() {
    if (!indicator) {
      return;
    }
    indicator.hidden = counter === 0;
    const lights = indicator.querySelectorAll(".continuum-quick-exit-indicator__light");
    lights.forEach((light, index) => {
      light.classList.toggle("continuum-quick-exit-indicator__light--on", index < counter);
    });
    if (counter > 0 && counter < PRESSES_TO_EXIT) {
      const remaining = PRESSES_TO_EXIT - counter;
      setStatus(`Shift, press ${remaining} more ${plural(remaining)} to exit.`);
    }
  }

  function resetCounter(announceExpiry) {
    if (counterTimer !== null) {
      window.clearTimeout(counterTimer);
      counterTimer = null;
    }
    const hadPresses = counter > 0;
    counter = 0;
    updateIndicator();
    setStatus(announceExpiry && hadPresses ? "Exit this page expired." : "");
  }

  function showOverlay() {
    const overlay = document.createElement("div");
    overlay.className = "continuum-quick-exit-overlay";
    overlay.setAttribute("role", "alert");
    overlay.textContent = "Loading.";
    // CSSOM fallback in case continuum.css has not loaded; allowed under
    // style-src 'self' (only style attributes/elements in markup are blocked).
    const s = overlay.style;
    s.position = "fixed";
    s.top = "0";
    s.right = "0";
    s.bottom = "0";
    s.left = "0";
    s.zIndex = "2147483647";
    s.backgroundColor = "#ffffff";
    s.color = "#1b1b1b";
    document.body.appendChild(overlay);
    document.body.classList.add("continuum-quick-exit-active");
  }

  function clearClientState() {
    try {
      window.sessionStorage.clear();
    } catch (e) {
      /* storage may be unavailable (privacy mode); nothing to clear */
    }
    try {
      // htmx keeps snapshots of visited pages here; they may contain case data.
      window.localStorage.removeItem(HTMX_HISTORY_KEY);
    } catch (e) {
      /* ignore */
    }
  }

  function exitPage() {
    if (exiting) {
      return;
    }
    exiting = true;
    resetCounter(false);
    showOverlay();
    // Modal dialogs (e.g. the idle warning) sit in the top layer above any
    // z-index, so close them to let the overlay cover everything.
    document.querySelectorAll("dialog[open]").forEach((dialog) => {
      if (typeof dialog.close === "function") {
        dialog.close();
      }
    });
    clearClientState();
    endSession();
    window.location.replace(exitUrl);
  }

  // Sign out as the page leaves: whoever takes over the keyboard must not find the record
  // again with the Back button. sendBeacon survives the navigation that follows at once.
  function endSession() {
    const logoutUrl = document.body.dataset.logoutUrl;
    const tokenMeta = document.querySelector('meta[name="csrf-token"]');
    if (!logoutUrl || !tokenMeta || typeof navigator.sendBeacon !== "function") {
      return;
    }
    const form = new FormData();
    form.append("csrfmiddlewaretoken", tokenMeta.getAttribute("content") || "");
    form.append("quick_exit", "1");
    try {
      navigator.sendBeacon(logoutUrl, form);
    } catch (e) {
      /* the exit itself must never fail */
    }
  }

  function onClick(event) {
    // Modified clicks (Ctrl/Cmd/middle) also exit in place: the point is to
    // leave *this* page, not to open the exit site in another tab.
    event.preventDefault();
    exitPage();
  }

  function isShift(event) {
    return event.key === "Shift" || event.keyCode === 16 || event.which === 16;
  }

  function onKeyUp(event) {
    if (exiting) {
      return;
    }
    if (isShift(event) && !lastKeyWasModified) {
      counter += 1;
      updateIndicator();
      if (counter >= PRESSES_TO_EXIT) {
        exitPage();
        return;
      }
      if (counter === 1) {
        counterTimer = window.setTimeout(() => {
          counterTimer = null;
          resetCounter(true);
        }, TIMEOUT_MS);
      }
    } else if (counter > 0) {
      // Any other key (or a Shift released after a Shift+key chord) resets.
      resetCounter(false);
    }
    // A Shift released straight after typing e.g. a capital letter is not a
    // deliberate press: remember whether this key-up happened with Shift held.
    lastKeyWasModified = event.shiftKey;
  }

  function onPageShow(event) {
    // Restored from the back/forward cache: remove the overlay and reset.
    if (event.persisted) {
      exiting = false;
      document.querySelectorAll(".continuum-quick-exit-overlay").forEach((el) => el.remove());
      document.body.classList.remove("continuum-quick-exit-active");
      resetCounter(false);
    }
  }

  function buildIndicator() {
    const wrapper = document.createElement("span");
    wrapper.className = "continuum-quick-exit-indicator";
    wrapper.setAttribute("aria-hidden", "true");
    wrapper.hidden = true;
    for (let i = 0; i < PRESSES_TO_EXIT; i += 1) {
      const light = document.createElement("span");
      light.className = "continuum-quick-exit-indicator__light";
      wrapper.appendChild(light);
    }
    return wrapper;
  }

  function buildStatus() {
    const region = document.createElement("div");
    region.className = "continuum-quick-exit-status usa-sr-only";
    region.setAttribute("aria-live", "polite");
    region.setAttribute("role", "status");
    return region;
  }

  function init() {
    link = document.querySelector("[data-quick-exit]");
    if (!link) {
      return;
    }
    exitUrl = link.getAttribute("href") || link.getAttribute("data-quick-exit");
    if (!exitUrl) {
      return;
    }
    indicator = buildIndicator();
    link.appendChild(indicator);
    status = buildStatus();
    link.insertAdjacentElement("afterend", status);

    link.addEventListener("click", onClick);
    document.addEventListener("keyup", onKeyUp, true);
    window.addEventListener("pageshow", onPageShow);

    document.body.setAttribute("data-quick-exit-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init, { once: true });
  } else {
    init();
  }
})();
