/*
 * Continuum – drafts: what someone types into a long form is kept on the server (sealed,
 * for them alone), so that the idle sign-out does not cost them it. See docs/ui-assets.md.
 *
 * Active on every <form data-draft-key="TOKEN" data-draft-url="URL"> (the server's
 * continuum.drafts.web.draft_for renders both). It POSTs JSON {"key": TOKEN, "fields":
 * {name: [values]}} to URL with fetch (same-origin credentials, X-CSRFToken, keepalive):
 *
 *  - 2 seconds after the last input or change, if the fields differ from the last save
 *    (or from the page as it loaded);
 *  - at once when the idle warning opens ("continuum:idle-warning" from idle-timeout.js),
 *    just before the idle timeout leaves the page ("continuum:idle-timeout"), and when the
 *    page is hidden or left.
 *
 * Never sent: file inputs, password fields, the CSRF token, buttons, and any element with
 * data-draft-skip. Nothing is written to localStorage, sessionStorage or a URL.
 *
 * Saving is not activity: it does not restart the idle clock, here or on the server.
 *
 * Submitting the form itself, or the banner's discard form ([data-draft-discard]), stops
 * autosave on the page, and holds the submission (at most 2 seconds) until a save already
 * on its way has landed: a late save must not bring back the draft that the submission
 * forgets. Submitting any other form (Switch, Sign out) saves first, the same way.
 * A 401 (signed out), 403 or 400 (the page is too old) stops autosave on the page.
 */
(() => {
  "use strict";

  const DELAY_MS = 2000;
  const HOLD_SUBMIT_MS = 2000;
  const MAX_BYTES = 64 * 1024; // the server refuses more
  // Browsers refuse a keepalive request whose body (with others in flight) passes 64 KiB.
  const KEEPALIVE_MAX_BYTES = 60 * 1024;
  const SKIPPED_TYPES = new Set(["file", "password", "submit", "button", "reset", "image"]);
  const SKIPPED_NAMES = new Set(["csrfmiddlewaretoken"]);

  const states = new Map(); // form -> state
  const released = new WeakSet(); // forms whose held submission may now go ahead
  let stopped = false;

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    const fromMeta = meta ? meta.getAttribute("content") : "";
    if (fromMeta) {
      return fromMeta;
    }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The form's fields as the browser would submit them, minus what is never kept.
  function fieldsOf(form) {
    const fields = new Map();
    for (const element of Array.from(form.elements)) {
      const name = element.name;
      if (!name || element.disabled || SKIPPED_NAMES.has(name)) {
        continue;
      }
      if (element.hasAttribute("data-draft-skip")) {
        continue;
      }
      const type = (element.type || "").toLowerCase();
      if (SKIPPED_TYPES.has(type)) {
        continue;
      }
      let values;
      if (element instanceof HTMLInputElement) {
        if ((type === "checkbox" || type === "radio") && !element.checked) {
          continue;
        }
        values = [element.value];
      } else if (element instanceof HTMLSelectElement) {
        values = Array.from(element.selectedOptions, (option) => option.value);
      } else if (element instanceof HTMLTextAreaElement) {
        values = [element.value];
      } else {
        continue; // fieldset, output, object: nothing typed
      }
      if (!fields.has(name)) {
        fields.set(name, []);
      }
      fields.get(name).push(...values);
    }
    return JSON.stringify(Object.fromEntries(fields));
  }

  function stopAll() {
    stopped = true;
    for (const state of states.values()) {
      window.clearTimeout(state.timer);
      state.timer = null;
    }
  }

  function save(state) {
    window.clearTimeout(state.timer);
    state.timer = null;
    if (stopped || state.stopped) {
      return;
    }
    const fields = fieldsOf(state.form);
    if (fields === state.last) {
      return;
    }
    const body = `{"key":${JSON.stringify(state.token)},"fields":${fields}}`;
    const size = new TextEncoder().encode(body).length;
    if (size > MAX_BYTES) {
      return; // too much to keep: the server would refuse it
    }
    const previous = state.last;
    state.last = fields;
    const request = fetch(state.url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: size <= KEEPALIVE_MAX_BYTES,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body,
    })
      .then((response) => {
        if (response.status === 401) {
          stopAll(); // signed out: nothing more can be kept from this page
        } else if (response.status === 400 || response.status === 403) {
          state.stopped = true;
        } else if (!response.ok && response.status !== 413) {
          state.last = previous; // try again at the next change or event
        }
      })
      .catch(() => {
        state.last = previous;
      })
      .finally(() => {
        state.inFlight.delete(request);
      });
    state.inFlight.add(request);
  }

  function saveAll() {
    for (const state of states.values()) {
      save(state);
    }
  }

  function schedule(state) {
    if (stopped || state.stopped) {
      return;
    }
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(() => {
      if (state.inFlight.size) {
        schedule(state); // one save at a time, so an older one cannot land last
        return;
      }
      save(state);
    }, DELAY_MS);
  }

  function onEdit(event) {
    const target = event.target;
    const form = target && target.form;
    const state = form ? states.get(form) : undefined;
    if (state) {
      schedule(state);
    }
  }

  function onSubmit(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented || !states.size) {
      return; // another script (htmx) handles this one, or no form here keeps drafts
    }
    if (released.has(form)) {
      released.delete(form);
      return;
    }
    if (!states.has(form) && !form.hasAttribute("data-draft-discard")) {
      saveAll(); // leaving through another form: keep what was typed first
    }
    stopAll();
    const pending = [];
    for (const state of states.values()) {
      pending.push(...state.inFlight);
    }
    if (!pending.length) {
      return;
    }
    event.preventDefault();
    const submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    const go = () => {
      released.add(form);
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(submitter || undefined);
      } else {
        form.submit();
      }
    };
    const hold = new Promise((resolve) => {
      window.setTimeout(resolve, HOLD_SUBMIT_MS);
    });
    Promise.race([Promise.allSettled(pending), hold]).then(go, go);
  }

  function scan() {
    document.querySelectorAll("form[data-draft-key][data-draft-url]").forEach((form) => {
      if (states.has(form)) {
        return;
      }
      states.set(form, {
        form,
        token: form.getAttribute("data-draft-key") || "",
        url: form.getAttribute("data-draft-url") || "",
        last: fieldsOf(form), // what the page came with (a restored draft, or nothing)
        timer: null,
        inFlight: new Set(),
        stopped: false,
      });
    });
  }

  function init() {
    scan();
    document.addEventListener("input", onEdit);
    document.addEventListener("change", onEdit);
    // Bubbling on document: runs after the form's own listeners, so defaultPrevented tells.
    document.addEventListener("submit", onSubmit);
    document.addEventListener("continuum:idle-warning", saveAll);
    document.addEventListener("continuum:idle-timeout", saveAll);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        saveAll();
      }
    });
    window.addEventListener("pagehide", saveAll);
    document.addEventListener("htmx:afterSettle", scan);
    document.body.setAttribute("data-drafts-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init, { once: true });
  } else {
    init();
  }
})();
