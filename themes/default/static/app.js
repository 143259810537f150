// gtdocs site behaviour: colour theme toggle, matrix filters and sorting,
// copy buttons, remembered checklists and search (Pagefind). Everything
// here is progressive: without JavaScript every page still shows all of
// its content.
"use strict";

(function () {
  const root = document.documentElement;

  // ---- colour theme -------------------------------------------------------
  function currentTheme() {
    const set = root.getAttribute("data-theme");
    if (set) return set;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function initThemeToggle() {
    const button = document.querySelector(".theme-toggle");
    if (!button) return;
    const label = button.querySelector(".theme-label");
    const update = () => {
      const next = currentTheme() === "dark" ? "light" : "dark";
      button.setAttribute("aria-label", "Switch to the " + next + " theme");
      button.title = "Switch to the " + next + " theme";
      if (label) label.textContent = next === "dark" ? "Dark" : "Light";
    };
    button.addEventListener("click", () => {
      const next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        localStorage.setItem("gtdocs-theme", next);
      } catch (e) {
        /* not remembered */
      }
      update();
    });
    update();
  }

  // ---- copy buttons -------------------------------------------------------
  function initCopy() {
    document.querySelectorAll("button.copy").forEach((button) => {
      button.addEventListener("click", async () => {
        let text = button.getAttribute("data-copy");
        const target = button.getAttribute("data-copy-target");
        if (text === null && target) {
          const el = document.getElementById(target);
          text = el ? el.textContent : "";
        }
        const original = button.textContent;
        try {
          await navigator.clipboard.writeText(text || "");
          button.textContent = "Copied";
        } catch (e) {
          button.textContent = "Copy failed";
        }
        setTimeout(() => {
          button.textContent = original;
        }, 1500);
      });
    });
  }

  // ---- checklists remembered per browser -----------------------------------
  function initChecklists() {
    document.querySelectorAll(".checklist[data-storage-key]").forEach((list) => {
      const key = list.getAttribute("data-storage-key");
      let state = {};
      try {
        state = JSON.parse(localStorage.getItem(key) || "{}") || {};
      } catch (e) {
        state = {};
      }
      list.querySelectorAll("input[type=checkbox]").forEach((box) => {
        const index = box.getAttribute("data-index");
        box.checked = state[index] === true;
        box.addEventListener("change", () => {
          state[index] = box.checked;
          try {
            localStorage.setItem(key, JSON.stringify(state));
          } catch (e) {
            /* not remembered */
          }
        });
      });
    });
  }

  // ---- matrix: filter by category, compatibility, key preset; sort --------
  function initMatrix() {
    const form = document.querySelector(".matrix-controls");
    const table = document.querySelector("table.matrix");
    if (!form || !table) return;
    const groups = Array.from(table.tBodies);
    const rows = Array.from(table.querySelectorAll("tr.matrix-row"));
    const count = form.querySelector(".matrix-count");
    let flat = null; // a tbody holding every row when not sorted by category

    function apply() {
      const data = new FormData(form);
      const want = {
        category: data.get("category") || "",
        compatibility: data.get("compatibility") || "",
        key_preset: data.get("key_preset") || "",
      };
      const sort = data.get("sort") || "category";
      let shown = 0;
      for (const row of rows) {
        const ok = Object.keys(want).every((k) => !want[k] || row.dataset[k] === want[k]);
        row.hidden = !ok;
        if (ok) shown += 1;
      }
      if (sort === "category") {
        if (flat) {
          // Put every row back in its category group, in the original order.
          for (const row of rows) {
            const group = groups.find((g) => g.dataset.category === row.dataset.category);
            if (group) group.appendChild(row);
          }
          flat.remove();
          flat = null;
        }
        for (const g of groups) {
          g.hidden = !g.querySelector("tr.matrix-row:not([hidden])");
        }
      } else {
        if (!flat) {
          flat = document.createElement("tbody");
          flat.className = "matrix-flat";
          table.appendChild(flat);
        }
        const sorted = rows.slice().sort((a, b) => {
          if (sort === "support") {
            const d = Number(b.dataset.score) - Number(a.dataset.score);
            if (d !== 0) return d;
          }
          return a.dataset.title.localeCompare(b.dataset.title);
        });
        for (const row of sorted) flat.appendChild(row);
        for (const g of groups) g.hidden = true;
      }
      if (count) count.textContent = shown + (shown === 1 ? " client" : " clients");
    }

    form.addEventListener("change", apply);
    form.addEventListener("submit", (e) => e.preventDefault());
  }

  // ---- search --------------------------------------------------------------
  const FILTERS = ["Category", "Compatibility", "Key preset", "Route verdict"];

  function initSearch() {
    const box = document.querySelector(".search");
    const input = document.getElementById("search-input");
    const panel = document.getElementById("search-panel");
    if (!box || !input || !panel) return;
    const filtersEl = panel.querySelector(".search-filters");
    const status = panel.querySelector(".search-status");
    const list = panel.querySelector(".search-results");
    const bundle = box.getAttribute("data-pagefind");
    let pagefind = null;
    let active = -1;
    let serial = 0;
    const chosen = {};

    async function load() {
      if (pagefind) return pagefind;
      pagefind = await import(bundle);
      await pagefind.options({ excerptLength: 24 });
      await pagefind.init();
      await buildFilters();
      return pagefind;
    }

    async function buildFilters() {
      const available = await pagefind.filters();
      filtersEl.textContent = "";
      for (const name of FILTERS) {
        const values = available[name];
        if (!values) continue;
        const label = document.createElement("label");
        label.textContent = name + " ";
        const select = document.createElement("select");
        select.dataset.filter = name;
        const any = document.createElement("option");
        any.value = "";
        any.textContent = "Any";
        select.appendChild(any);
        for (const value of Object.keys(values).sort()) {
          const option = document.createElement("option");
          option.value = value;
          option.textContent = value;
          select.appendChild(option);
        }
        select.addEventListener("change", () => {
          if (select.value) chosen[name] = select.value;
          else delete chosen[name];
          run();
        });
        label.appendChild(select);
        filtersEl.appendChild(label);
      }
    }

    function open() {
      panel.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      panel.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function setActive(index) {
      const items = list.querySelectorAll("li");
      items.forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    async function run() {
      const term = input.value.trim();
      const hasFilter = Object.keys(chosen).length > 0;
      const mine = ++serial;
      open();
      if (!term && !hasFilter) {
        list.textContent = "";
        status.textContent = "Type to search the runbooks and routes, or pick a filter.";
        return;
      }
      status.textContent = "Searching…";
      let pf;
      try {
        pf = await load();
      } catch (e) {
        status.textContent = "Search could not be loaded.";
        return;
      }
      const search = await pf.search(term || null, { filters: chosen });
      if (mine !== serial) return; // a newer query has started
      const results = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
      if (mine !== serial) return;
      list.textContent = "";
      results.forEach((data, i) => {
        const li = document.createElement("li");
        li.id = "search-result-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const a = document.createElement("a");
        a.href = data.url;
        a.className = "result-title";
        a.textContent = (data.meta && data.meta.title) || data.url;
        a.tabIndex = -1;
        const kind = document.createElement("span");
        kind.className = "result-kind";
        kind.textContent = (data.meta && data.meta.kind) || "";
        const excerpt = document.createElement("p");
        excerpt.className = "result-excerpt";
        appendExcerpt(excerpt, data.excerpt || "");
        li.append(a, " ", kind, excerpt);
        li.addEventListener("mousedown", (e) => e.preventDefault());
        li.addEventListener("click", () => {
          window.location.href = data.url;
        });
        list.appendChild(li);
      });
      const n = search.results.length;
      status.textContent = n === 0 ? "No results." : n === 1 ? "1 result." : n + " results" + (n > 20 ? ", showing 20." : ".");
      setActive(results.length ? 0 : -1);
    }

    // Pagefind's excerpt is HTML with <mark> around the matched words; only
    // those marks are kept, everything else is inserted as text.
    function appendExcerpt(el, html) {
      const parts = html.split(/(<mark>|<\/mark>)/);
      let marked = false;
      for (const part of parts) {
        if (part === "<mark>") marked = true;
        else if (part === "</mark>") marked = false;
        else if (part) {
          const text = document.createTextNode(decode(part));
          if (marked) {
            const m = document.createElement("mark");
            m.appendChild(text);
            el.appendChild(m);
          } else {
            el.appendChild(text);
          }
        }
      }
    }

    function decode(s) {
      return s
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, "&");
    }

    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 80);
    });
    input.addEventListener("focus", () => {
      load().catch(() => {});
      if (input.value.trim() || Object.keys(chosen).length) open();
    });
    input.addEventListener("keydown", (e) => {
      const items = list.querySelectorAll("li");
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (panel.hidden) run();
        else if (items.length) setActive(Math.min(active + 1, items.length - 1));
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (items.length) setActive(Math.max(active - 1, 0));
      } else if (e.key === "Enter") {
        const item = items[active >= 0 ? active : 0];
        const link = item && item.querySelector("a");
        if (link) {
          e.preventDefault();
          window.location.href = link.href;
        }
      } else if (e.key === "Escape") {
        close();
      }
    });
    document.addEventListener("click", (e) => {
      if (!panel.contains(e.target) && e.target !== input) close();
    });
    document.addEventListener("keydown", (e) => {
      const typing = /^(INPUT|TEXTAREA|SELECT)$/.test((e.target && e.target.tagName) || "") || (e.target && e.target.isContentEditable);
      if ((e.key === "/" && !typing) || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k")) {
        e.preventDefault();
        input.focus();
        input.select();
      }
    });
  }

  function start() {
    initThemeToggle();
    initCopy();
    initChecklists();
    initMatrix();
    initSearch();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
