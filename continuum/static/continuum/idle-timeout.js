/*
 * Continuum – idle sign-out warning.
 *
 * Active only when <body> carries data-idle-timeout-seconds (signed-in pages).
 * Body attributes (see docs/ui-assets.md):
 *   data-idle-timeout-seconds  total idle time before sign-out, e.g. "900"
 *   data-idle-warning-seconds  how long before sign-out to warn, e.g. "120"
 *   data-keepalive-url         POST here to extend the session
 *   data-timed-out-url         where to go when time runs out (GET)
 *   data-logout-url            POST form target for "Sign out now"
 *
 * The timer measures time since the last server round-trip: page load, any
 * htmx request (htmx:afterRequest on document) or a successful keepalive.
 * The last-activity time is shared between tabs through localStorage so an
 * active tab keeps the others from signing the user out.
 *
 * After (timeout - warning) seconds a modal <dialog class="continuum-idle-dialog">
 * opens with a live countdown. "Stay signed in" (and Escape) POSTs to the
 * keepalive URL; "Sign out now" submits a POST form to the logout URL. When
 * the full timeout passes, window.location.assign(timedOutUrl).
 *
 * Events on document, for scripts that must act first (drafts.js saves what was typed):
 * "continuum:idle-warning" when the dialog opens, "continuum:idle-timeout" just before
 * leaving for the timed-out page. Nothing waits for their listeners.
 */
(() => {
  "use strict";

  const STORAGE_KEY = "continuum:idle:last-activity";
  const TICK_MS = 1000;

  let cfg = null;
  let lastActivity = Date.now();
  let tickTimer = null;
  let dialog = null;
  let countdownEl = null;
  let liveEl = null;
  let errorEl = null;
  let stayButton = null;
  let lastAnnouncedBucket = null;
  let returnFocusTo = null;
  let expectClose = false; // the 'close' event is async: mark our own closes
  let keepaliveInFlight = false;
  let leaving = false;

  // ---------------------------------------------------------------- helpers

  function readCookie(name) {
    const prefix = `${name}=`;
    for (const part of document.cookie ? document.cookie.split(";") : []) {
      const item = part.trim();
      if (item.startsWith(prefix)) {
        return decodeURIComponent(item.slice(prefix.length));
      }
    }
    return null;
  }

  // The page's <meta name="csrf-token"> first: with CONTINUUM_HTTPS the cookie is called
  // "__Host-continuum-csrf", so the "csrftoken" cookie is only a fallback for local runs.
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    const fromMeta = meta ? meta.getAttribute("content") : "";
    if (fromMeta) {
      return fromMeta;
    }
    return readCookie("csrftoken") || "";
  }

  function readSeconds(name) {
    const raw = document.body.getAttribute(name);
    if (raw === null || raw.trim() === "") {
      return null;
    }
    const value = Number(raw);
    return Number.isFinite(value) && value > 0 ? value : null;
  }

  function unit(n, singular, pluralForm) {
    return `${n} ${n === 1 ? singular : pluralForm}`;
  }

  function formatRemaining(totalSeconds) {
    const secs = Math.max(0, Math.ceil(totalSeconds));
    const minutes = Math.floor(secs / 60);
    const seconds = secs % 60;
    const parts = [];
    if (minutes > 0) {
      parts.push(unit(minutes, "minute", "minutes"));
    }
    if (seconds > 0 || minutes === 0) {
      parts.push(unit(seconds, "second", "seconds"));
    }
    return `You will be signed out in ${parts.join(" ")}`;
  }

  // Screen-reader announcements: every whole minute while more than a minute
  // remains, then at 30 and 15 seconds. The visible countdown updates each
  // second but is aria-hidden so it is not read out every tick.
  function announcementBucket(remaining) {
    if (remaining > 60) {
      return Math.ceil(remaining / 60) * 60;
    }
    if (remaining > 30) {
      return 60;
    }
    if (remaining > 15) {
      return 30;
    }
    return 15;
  }

  function storeActivity(time) {
    try {
      window.localStorage.setItem(STORAGE_KEY, String(time));
    } catch (e) {
      /* storage unavailable: per-tab timing only */
    }
  }

  function storedActivity() {
    try {
      const value = Number(window.localStorage.getItem(STORAGE_KEY));
      return Number.isFinite(value) ? value : 0;
    } catch (e) {
      return 0;
    }
  }

  function secondsRemaining() {
    // Take the newest activity of any tab into account.
    const shared = storedActivity();
    if (shared > lastActivity && shared <= Date.now()) {
      lastActivity = shared;
    }
    return cfg.timeout - (Date.now() - lastActivity) / 1000;
  }

  // Listeners' errors are reported by the browser, never thrown here, so no listener can
  // hold up or stop a sign-out.
  function announce(name) {
    document.dispatchEvent(new CustomEvent(name));
  }

  // ------------------------------------------------------------ navigation

  function goTimedOut() {
    if (leaving) {
      return;
    }
    leaving = true;
    stopTicking();
    announce("continuum:idle-timeout");
    window.location.assign(cfg.timedOutUrl);
  }

  function signOutNow() {
    if (leaving) {
      return;
    }
    if (!cfg.logoutUrl) {
      goTimedOut();
      return;
    }
    leaving = true;
    stopTicking();
    const form = document.createElement("form");
    form.method = "post";
    form.action = cfg.logoutUrl;
    form.hidden = true;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrfmiddlewaretoken";
    input.value = csrfToken();
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  }

  // ---------------------------------------------------------------- dialog

  function buildDialog() {
    const el = document.createElement("dialog");
    el.className = "continuum-idle-dialog";
    el.id = "continuum-idle-dialog";
    el.setAttribute("aria-labelledby", "continuum-idle-dialog-heading");
    el.setAttribute("aria-describedby", "continuum-idle-dialog-countdown");

    const heading = document.createElement("h2");
    heading.className = "continuum-idle-dialog__heading";
    heading.id = "continuum-idle-dialog-heading";
    heading.textContent = "You will be signed out soon";

    const countdown = document.createElement("p");
    countdown.className = "continuum-idle-dialog__countdown";
    countdown.id = "continuum-idle-dialog-countdown";
    countdown.setAttribute("aria-hidden", "true");

    const live = document.createElement("p");
    live.className = "continuum-idle-dialog__live usa-sr-only";
    live.setAttribute("aria-live", "polite");
    live.setAttribute("aria-atomic", "true");

    const info = document.createElement("p");
    info.className = "continuum-idle-dialog__info";
    // A form with drafts (drafts.js) keeps what was typed, so say so rather than frighten.
    info.textContent = document.querySelector("form[data-draft-key]")
      ? "We will sign you out if you do nothing, to protect the information in this service. What you have typed in the form is kept, and will be back in it when you sign in again."
      : "We will sign you out if you do nothing, to protect the information in this service. Unsaved changes will be lost.";

    const error = document.createElement("p");
    error.className = "continuum-idle-dialog__error";
    error.setAttribute("role", "alert");
    error.hidden = true;

    const actions = document.createElement("div");
    actions.className = "continuum-idle-dialog__actions";

    const stay = document.createElement("button");
    stay.type = "button";
    stay.className = "usa-button continuum-idle-dialog__stay";
    stay.textContent = "Stay signed in";
    stay.addEventListener("click", staySignedIn);

    const out = document.createElement("button");
    out.type = "button";
    out.className = "usa-button usa-button--outline continuum-idle-dialog__sign-out";
    out.textContent = "Sign out now";
    out.addEventListener("click", signOutNow);

    actions.append(stay, out);

    // The modal dialog makes the rest of the page inert, including the
    // "Exit this page" button, so offer the same exit inside the dialog.
    const quickExit = document.querySelector("[data-quick-exit]");
    if (quickExit && quickExit.getAttribute("href")) {
      const exit = document.createElement("a");
      exit.className = "usa-button usa-button--secondary continuum-idle-dialog__quick-exit";
      exit.href = quickExit.getAttribute("href");
      exit.textContent = "Exit this page";
      exit.addEventListener("click", (event) => {
        event.preventDefault();
        quickExit.click(); // quick-exit.js handles it; plain navigation otherwise
      });
      actions.append(exit);
    }
    el.append(heading, countdown, live, info, error, actions);

    // Escape: never dismiss silently – treat it as "Stay signed in".
    el.addEventListener("cancel", (event) => {
      event.preventDefault();
      staySignedIn();
    });
    // Some browsers close anyway after repeated Escape presses; if the dialog
    // was closed by anything other than our own code, also keep the user in.
    el.addEventListener("close", () => {
      if (expectClose) {
        expectClose = false;
        return;
      }
      if (document.body.classList.contains("continuum-quick-exit-active")) {
        leaving = true; // quick exit in progress: do not extend the session
        stopTicking();
        return;
      }
      if (!leaving) {
        document.body.classList.remove("continuum-idle-warning-open");
        staySignedIn();
      }
    });

    document.body.appendChild(el);
    dialog = el;
    countdownEl = countdown;
    liveEl = live;
    errorEl = error;
    stayButton = stay;
  }

  function isOpen() {
    return Boolean(dialog && dialog.open);
  }

  function openDialog(remaining) {
    if (!dialog) {
      buildDialog();
    }
    errorEl.hidden = true;
    errorEl.textContent = "";
    countdownEl.textContent = formatRemaining(remaining);
    liveEl.textContent = "";
    // The opening itself is announced through the dialog's name/description.
    lastAnnouncedBucket = announcementBucket(remaining);
    returnFocusTo = document.activeElement;
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
    document.body.classList.add("continuum-idle-warning-open");
    stayButton.focus();
    announce("continuum:idle-warning");
  }

  function closeDialog() {
    if (!isOpen()) {
      return;
    }
    if (typeof dialog.close === "function") {
      expectClose = true;
      dialog.close();
    } else {
      dialog.removeAttribute("open");
    }
    document.body.classList.remove("continuum-idle-warning-open");
    if (returnFocusTo && typeof returnFocusTo.focus === "function" && document.contains(returnFocusTo)) {
      returnFocusTo.focus();
    }
    returnFocusTo = null;
  }

  function updateCountdown(remaining) {
    countdownEl.textContent = formatRemaining(remaining);
    const bucket = announcementBucket(remaining);
    if (bucket !== lastAnnouncedBucket) {
      lastAnnouncedBucket = bucket;
      liveEl.textContent = formatRemaining(remaining);
    }
  }

  function showError(message) {
    if (!dialog) {
      return;
    }
    errorEl.textContent = message;
    errorEl.hidden = false;
  }

  // ------------------------------------------------------------- keepalive

  function staySignedIn() {
    if (keepaliveInFlight || leaving) {
      return;
    }
    keepaliveInFlight = true;
    fetch(cfg.keepaliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    })
      .then((response) => {
        if (response.status === 401 || response.status === 403) {
          goTimedOut();
          return;
        }
        if (response.ok && !response.redirected) {
          recordActivity();
          closeDialog();
          return;
        }
        if (response.redirected) {
          // e.g. redirected to the sign-in page: the session is gone.
          goTimedOut();
          return;
        }
        reopenWithError("Sorry, there is a problem with the service. Try again.");
      })
      .catch(() => {
        reopenWithError("We could not reach the service. Check your connection and try again.");
      })
      .finally(() => {
        keepaliveInFlight = false;
      });
  }

  function reopenWithError(message) {
    if (leaving) {
      return;
    }
    const remaining = secondsRemaining();
    if (remaining <= 0) {
      goTimedOut();
      return;
    }
    if (!isOpen()) {
      openDialog(remaining);
    }
    showError(message);
  }

  // ------------------------------------------------------------ the timer

  function recordActivity() {
    lastActivity = Date.now();
    storeActivity(lastActivity);
    if (isOpen()) {
      closeDialog();
    }
  }

  function tick() {
    if (leaving) {
      return;
    }
    const remaining = secondsRemaining();
    if (remaining <= 0) {
      goTimedOut();
      return;
    }
    if (remaining <= cfg.warning) {
      if (isOpen()) {
        updateCountdown(remaining);
      } else if (!keepaliveInFlight) {
        openDialog(remaining);
      }
    } else if (isOpen()) {
      // Another tab (or request) extended the session.
      closeDialog();
    }
  }

  function startTicking() {
    stopTicking();
    tickTimer = window.setInterval(tick, TICK_MS);
  }

  function stopTicking() {
    if (tickTimer !== null) {
      window.clearInterval(tickTimer);
      tickTimer = null;
    }
  }

  function onHtmxAfterRequest(event) {
    const xhr = event.detail && event.detail.xhr;
    // status 0 = the request never reached the server (network error/abort).
    if (!xhr || xhr.status > 0) {
      recordActivity();
    }
  }

  function onStorage(event) {
    if (event.key === STORAGE_KEY) {
      tick();
    }
  }

  function init() {
    const body = document.body;
    const timeout = readSeconds("data-idle-timeout-seconds");
    if (timeout === null) {
      return; // anonymous page
    }
    let warning = readSeconds("data-idle-warning-seconds");
    if (warning === null) {
      warning = Math.min(120, timeout / 2);
    }
    warning = Math.min(warning, timeout);
    cfg = {
      timeout,
      warning,
      keepaliveUrl: body.getAttribute("data-keepalive-url") || "",
      timedOutUrl: body.getAttribute("data-timed-out-url") || "/",
      logoutUrl: body.getAttribute("data-logout-url") || "",
    };

    recordActivity(); // loading this page was a server round-trip
    document.addEventListener("htmx:afterRequest", onHtmxAfterRequest);
    window.addEventListener("storage", onStorage);
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) {
        // Back/forward cache restore: time may have run out while away.
        leaving = false;
        tick();
        startTicking();
      }
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        tick(); // timers are throttled in background tabs
      }
    });
    startTicking();
    body.setAttribute("data-idle-timeout-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init, { once: true });
  } else {
    init();
  }
})();
