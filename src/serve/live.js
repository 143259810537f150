// gtdocs serve: reloads the page after each successful rebuild, keeping the
// scroll position, and shows the build's diagnostics over every page while
// a source is invalid. Served only by `gtdocs serve`, never published.
"use strict";
(function () {
  const script = document.currentScript;
  const base = script ? script.src.replace(/__gtdocs\/live\.js(\?.*)?$/, "") : "/";
  const scrollKey = "gtdocs-scroll:" + location.pathname;

  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const y = Number(saved);
    const restore = () => window.scrollTo(0, y);
    if (document.readyState === "complete") restore();
    else window.addEventListener("load", restore, { once: true });
  }

  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "__gtdocs/live.css";
  document.head.appendChild(css);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function overlay(status) {
    const old = document.getElementById("gtdocs-overlay");
    if (old) old.remove();
    if (status.ok) return;
    const box = el("section", "gtdocs-overlay");
    box.id = "gtdocs-overlay";
    box.setAttribute("role", "alert");
    box.setAttribute("aria-label", "Build errors");
    const head = el("div", "gtdocs-overlay-head");
    head.appendChild(el("h2", "", "gtdocs: the last edit does not build"));
    // Before any good build the page is the server's placeholder, not a
    // last good build: say so, never promise one.
    const none = document.querySelector('meta[name="gtdocs-build"][content="none"]');
    head.appendChild(el("p", "", none
      ? "No good build yet: fix the source and the site appears."
      : "The page shows the last good build. Fix the source and it reloads."));
    const close = el("button", "gtdocs-overlay-close", "Hide");
    close.type = "button";
    close.addEventListener("click", () => box.remove());
    head.appendChild(close);
    box.appendChild(head);
    const list = el("ol", "gtdocs-overlay-list");
    for (const d of status.diagnostics || []) {
      const item = el("li", "gtdocs-" + d.severity);
      const where = [d.file, d.line, d.column].filter((x) => x !== null && x !== undefined).join(":");
      item.appendChild(el("p", "gtdocs-where", where + ": " + d.severity + "[" + d.code + "]: " + d.message));
      if (d.snippet) item.appendChild(el("pre", "gtdocs-snippet", d.snippet));
      if (d.hint) item.appendChild(el("p", "gtdocs-hint", "help: " + d.hint));
      list.appendChild(item);
    }
    box.appendChild(list);
    document.body.appendChild(box);
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function status() {
    const response = await fetch(base + "__gtdocs/status", { cache: "no-store" });
    return response.json();
  }

  // A browser opens few connections per host (six for HTTP/1.1), and each
  // open page holds one for its long-poll: a hidden or departing page lets
  // go of it, and checks again when it is shown.
  let controller = null;
  const visible = () =>
    document.hidden ? new Promise((r) => document.addEventListener("visibilitychange", r, { once: true })) : null;
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && controller) controller.abort();
  });
  window.addEventListener("pagehide", () => {
    if (controller) controller.abort();
  });

  async function watch() {
    let current;
    for (;;) {
      try {
        current = await status();
        break;
      } catch (e) {
        await sleep(1000);
      }
    }
    overlay(current);
    let epoch = current.epoch;
    for (;;) {
      const waiting = visible();
      if (waiting) {
        await waiting;
        // Shown again: catch up with what happened meanwhile.
        try {
          const s = await status();
          if (s.epoch !== epoch) {
            if (s.ok) {
              sessionStorage.setItem(scrollKey, String(window.scrollY));
              location.reload();
              return;
            }
            epoch = s.epoch;
            overlay(s);
          }
        } catch (e) {
          await sleep(1000);
        }
        continue;
      }
      try {
        controller = new AbortController();
        const response = await fetch(base + "__gtdocs/wait?epoch=" + epoch, {
          cache: "no-store",
          signal: controller.signal,
        });
        const next = await response.json();
        if (next.epoch === epoch) continue;
        if (next.ok) {
          sessionStorage.setItem(scrollKey, String(window.scrollY));
          location.reload();
          return;
        }
        const s = await status();
        epoch = s.epoch;
        overlay(s);
      } catch (e) {
        // Aborted (the page was hidden), or the server restarted or went
        // away: try again shortly, or once shown.
        if (!document.hidden) await sleep(1000);
      } finally {
        controller = null;
      }
    }
  }

  watch();
})();
