// gtdocs: theme toggle, matrix filters and sorting, copy buttons,
// remembered checklists, table of contents and search (Pagefind).
// Progressive: without JavaScript every page still shows all its content.
"use strict";

// A block, not a module: nothing here is global.
{
const root = document.documentElement;
const $ = (sel, el) => (el || document).querySelector(sel);
const $$ = (sel, el) => Array.from((el || document).querySelectorAll(sel));
const store = (k, v) => {
  try {
    if (v === undefined) return localStorage.getItem(k);
    if (v === null) localStorage.removeItem(k);
    else localStorage.setItem(k, v);
  } catch (e) { /* storage disabled: not remembered */ }
  return null;
};
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
};

// Colour theme: the toggle flips what shows and remembers it.
function initTheme() {
  const button = $(".theme-toggle");
  if (!button) return;
  const dark = matchMedia("(prefers-color-scheme: dark)");
  const theme = () => root.getAttribute("data-theme") || (dark.matches ? "dark" : "light");
  const label = () => {
    button.title = "Switch to the " + (theme() === "dark" ? "light" : "dark") + " theme";
    button.setAttribute("aria-label", button.title);
  };
  button.addEventListener("click", () => {
    const next = theme() === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    store("gtdocs-theme", next);
    label();
  });
  if (dark.addEventListener) dark.addEventListener("change", label);
  label();
}

// Copy buttons.
async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    // Plain http or an old browser: copy a selection instead.
    const area = el("textarea", "visually-hidden");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) throw e;
  }
}

function initCopy() {
  for (const button of $$("button.copy")) {
    const original = button.textContent;
    let timer = 0;
    button.addEventListener("click", async () => {
      let text = button.getAttribute("data-copy");
      const target = document.getElementById(button.getAttribute("data-copy-target") || "");
      if (text === null) text = target ? target.textContent : "";
      try {
        await copy(text);
        button.textContent = "Copied ✓";
      } catch (e) {
        button.textContent = "Copy failed";
      }
      clearTimeout(timer);
      timer = setTimeout(() => { button.textContent = original; }, 1600);
    });
  }
}

// "Copy as Markdown": the page's Markdown twin, fetched from this site
// (the CSP's connect-src 'self'), onto the clipboard; the status beside
// the button says whether it got there.
function initCopyMarkdown() {
  for (const box of $$(".copy-markdown")) {
    const button = $("button[data-markdown]", box);
    const status = $(".copy-markdown-status", box);
    if (!button || !status) continue;
    box.hidden = false;
    let busy = false;
    button.addEventListener("click", async () => {
      if (busy) return;
      busy = true;
      status.textContent = "Copying…";
      const text = fetch(button.getAttribute("data-markdown")).then((r) => {
        if (!r.ok) throw new Error("the server answered " + r.status);
        return r.text();
      });
      try {
        await copyLoading(text);
        status.textContent = "Copied this page as Markdown.";
      } catch (e) {
        status.textContent = "Could not copy the Markdown: " + ((e && e.message) || "unknown error") + ".";
      }
      busy = false;
    });
  }
}

// Text still loading, onto the clipboard. A ClipboardItem takes the
// promise, so that Safari keeps the click's permission while it loads;
// where that is missing or refused, the text is copied once loaded.
async function copyLoading(text) {
  if (window.ClipboardItem && navigator.clipboard && navigator.clipboard.write) {
    try {
      const blob = text.then((t) => new Blob([t], { type: "text/plain" }));
      await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
      return;
    } catch (e) {
      // Copied below instead, or the load's own error said there.
    }
  }
  await copy(await text);
}

// Checklists remembered per browser.
function initChecklists() {
  for (const list of $$(".checklist[data-storage-key]")) {
    const key = list.getAttribute("data-storage-key");
    const boxes = $$("input[type=checkbox]", list);
    const bar = list.previousElementSibling;
    const progress = bar && $(".checklist-progress", bar);
    const reset = bar && $(".checklist-reset", bar);
    let state = {};
    try {
      state = JSON.parse(store(key) || "{}") || {};
    } catch (e) { /* start afresh */ }
    const update = () => {
      const done = boxes.filter((b) => b.checked).length;
      if (progress) progress.textContent = done + " of " + boxes.length + " checked";
      if (reset) reset.disabled = !done;
    };
    for (const box of boxes) {
      const index = box.getAttribute("data-index");
      box.checked = state[index] === true;
      box.addEventListener("change", () => {
        state[index] = box.checked;
        store(key, JSON.stringify(state));
        update();
      });
    }
    if (reset) {
      reset.addEventListener("click", () => {
        for (const b of boxes) b.checked = false;
        state = {};
        store(key, null);
        update();
      });
    }
    update();
  }
}

// Matrix: filter by category, compatibility, key preset; sort.
function initMatrix() {
  const form = $(".matrix-controls");
  const table = $("table.matrix");
  if (!form || !table) return;
  let groups = Array.from(table.tBodies);
  let rows = $$("tr.matrix-row", table);
  const count = $(".matrix-count", form);
  const empty = $(".matrix-empty");
  const more = $(".matrix-more");
  const selects = $$("select", form);
  let flat = null; // one tbody with every row when not sorted by category
  // A large site's home page holds its first rows only; the rest come from
  // the matrix data, loaded once, the first time they are needed.
  const PAGE = 100;
  const total = Number(table.dataset.total || rows.length);
  let limit = total > rows.length ? PAGE : Infinity;
  let loading = null;

  function loadAll() {
    if (total <= rows.length) return Promise.resolve();
    if (!loading) {
      loading = fetch(table.dataset.source)
        .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(build);
      loading.catch(() => { loading = null; });
    }
    return loading;
  }

  // The rows as the page itself shows them (see home.html).
  function build(data) {
    const width = table.tHead.rows[0].cells.length;
    const byCategory = new Map();
    const all = [];
    for (const [title, path, cat, compat, preset, score, cells, staleCells] of data.rows) {
      // [route index, what is known of its verification] of each stale cell.
      const stale = new Map(staleCells || []);
      const tr = el("tr", "matrix-row");
      const [catId] = data.categories[cat];
      tr.dataset.category = catId;
      tr.dataset.compatibility = data.compatibility[compat][0];
      tr.dataset.key_preset = data.key_presets[preset][0];
      tr.dataset.score = String(score);
      tr.dataset.title = title.toLowerCase();
      const th = tr.appendChild(el("th", "col-client"));
      th.scope = "row";
      const a = th.appendChild(el("a", "", title));
      a.href = root.dataset.base + path;
      th.appendChild(el("span", "row-meta", data.compatibility[compat][1] + " · " + data.key_presets[preset][1]));
      for (const v of cells) {
        const verdict = v >= 0 ? data.verdicts[v] : { id: "unknown", support: "unknown", symbol: "?" };
        const mark = tr.appendChild(el("td")).appendChild(el("span", "mark mark-" + verdict.support));
        const symbol = mark.appendChild(el("span", "mark-symbol", verdict.symbol));
        symbol.setAttribute("aria-hidden", "true");
        mark.append(" ");
        mark.appendChild(el("span", "mark-text", verdict.id));
        const i = mark.parentNode.cellIndex - 1;
        if (stale.has(i)) {
          const flag = mark.parentNode.appendChild(el("span", "stale-flag", "stale"));
          flag.title = stale.get(i);
        }
      }
      if (!byCategory.has(cat)) byCategory.set(cat, []);
      byCategory.get(cat).push(tr);
      all.push(tr);
    }
    for (const g of groups) g.remove();
    if (flat) { flat.remove(); flat = null; }
    groups = [];
    for (const [cat, list] of [...byCategory].sort((a, b) => a[0] - b[0])) {
      const body = table.appendChild(el("tbody", "matrix-group"));
      body.dataset.category = data.categories[cat][0];
      const head = body.appendChild(el("tr", "group-row")).appendChild(el("th"));
      head.scope = "colgroup";
      head.colSpan = width;
      head.appendChild(el("span", "", data.categories[cat][1]));
      for (const tr of list) body.appendChild(tr);
      groups.push(body);
    }
    rows = all;
  }

  // The choice lives in the address (?category=...): a view can be shared.
  const params = new URLSearchParams(location.search);
  for (const s of selects) {
    const v = params.get(s.name);
    if (v !== null && $$("option", s).some((o) => o.value === v)) s.value = v;
  }

  function apply() {
    const want = selects.filter((s) => s.name !== "sort" && s.value);
    const sort = form.elements.sort ? form.elements.sort.value : "category";
    const matches = (row) => want.every((s) => row.dataset[s.name] === s.value);
    let ordered = rows;
    if (sort !== "category") {
      ordered = rows.slice().sort((a, b) =>
        (sort === "support" ? b.dataset.score - a.dataset.score : 0) || a.dataset.title.localeCompare(b.dataset.title));
    }
    let matching = 0;
    let shown = 0;
    for (const row of ordered) {
      const match = matches(row);
      if (match) matching += 1;
      row.hidden = !match || shown >= limit;
      if (!row.hidden) shown += 1;
    }
    if (sort === "category") {
      if (flat) {
        for (const row of rows) {
          const group = groups.find((g) => g.dataset.category === row.dataset.category);
          if (group) group.appendChild(row);
        }
        flat.remove();
        flat = null;
      }
      for (const g of groups) g.hidden = !$("tr.matrix-row:not([hidden])", g);
    } else {
      if (!flat) flat = table.appendChild(el("tbody", "matrix-flat"));
      for (const row of ordered) flat.appendChild(row);
      for (const g of groups) g.hidden = true;
    }
    if (count) count.textContent = matching + (matching === 1 ? " client" : " clients");
    if (empty) empty.hidden = matching > 0;
    if (more) {
      more.hidden = shown >= matching;
      const button = $("[data-more]", more);
      more.firstChild.textContent = "Showing " + shown + " of " + matching + " clients. ";
      if (button) button.textContent = "Show " + Math.min(PAGE, matching - shown) + " more";
    }
    const q = new URLSearchParams();
    for (const s of selects) if (s.selectedIndex > 0) q.set(s.name, s.value);
    history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q : "") + location.hash);
  }

  const update = () => loadAll().then(apply, () => apply());
  form.addEventListener("change", () => { if (limit !== Infinity) limit = PAGE; update(); });
  form.addEventListener("reset", () => setTimeout(() => { if (limit !== Infinity) limit = PAGE; update(); }));
  form.addEventListener("submit", (e) => { e.preventDefault(); update(); });
  if (more) {
    const button = $("[data-more]", more);
    if (button) button.addEventListener("click", () => { limit += PAGE; update(); });
  }
  if (params.toString()) update();
}

// Table of contents: mark the section being read.
function initToc() {
  const links = $$(".toc a[href^='#']");
  const heads = links.map((a) => document.getElementById(a.hash.slice(1)));
  if (!links.length || heads.includes(null)) return;
  let frame = 0;
  const mark = () => {
    frame = 0;
    let current = 0;
    heads.forEach((h, i) => { if (h.getBoundingClientRect().top < 120) current = i; });
    links.forEach((a, i) => {
      if (i === current) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  };
  addEventListener("scroll", () => { frame = frame || requestAnimationFrame(mark); }, { passive: true });
  mark();
}

// Search.
function initSearch() {
  const box = $(".search");
  const input = document.getElementById("search-input");
  const panel = document.getElementById("search-panel");
  if (!box || !input || !panel) return;
  const selects = $$("select[data-filter]", panel);
  const status = $(".search-status", panel);
  const list = $(".search-results", panel);
  let loading = null;
  let active = -1;
  let serial = 0;
  const chosen = {};

  function load() {
    if (!loading) {
      loading = (async () => {
        const runtime = box.getAttribute("data-pagefind");
        const pf = await import(runtime);
        await pf.options({ excerptLength: 24 });
        // A large site's index comes in parts, merged into one search.
        const parts = (box.getAttribute("data-pagefind-parts") || "").split(" ").filter(Boolean);
        for (const part of parts) await pf.mergeIndex(new URL(part, new URL(".", new URL(runtime, location.href))).pathname);
        await pf.init();
        fillFilters(await pf.filters());
        return pf;
      })();
      loading.catch(() => { loading = null; });
    }
    return loading;
  }

  function fillFilters(available) {
    for (const select of selects) {
      const name = select.dataset.filter;
      const values = Object.keys(available[name] || {}).sort();
      select.closest("label").hidden = !values.length;
      let parent = select;
      let group = "";
      for (const value of values) {
        // Grouped filters ("POST /v1/x: native") get an optgroup per prefix.
        const cut = select.dataset.grouped ? value.lastIndexOf(": ") : -1;
        if (cut > 0 && value.slice(0, cut) !== group) {
          group = value.slice(0, cut);
          parent = select.appendChild(el("optgroup"));
          parent.label = group;
        }
        const option = parent.appendChild(el("option", "", value));
        option.value = value;
      }
      select.disabled = false;
      select.addEventListener("change", () => {
        if (select.value) chosen[name] = select.value;
        else delete chosen[name];
        run();
      });
    }
  }

  function show(open) {
    panel.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (!open) setActive(-1);
  }

  const items = () => list.querySelectorAll("li");

  function setActive(index, scroll) {
    const all = items();
    all.forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      if (scroll !== false) all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function go(li, tab) {
    const url = li && $(".result-title", li).dataset.href;
    if (url && tab) open(url, "_blank", "noopener");
    else if (url) location.href = url;
  }

  function say(text, clear) {
    status.textContent = text;
    if (clear) {
      const b = el("button", "btn", "Clear filters");
      b.type = "button";
      b.addEventListener("click", () => {
        for (const s of selects) s.value = "";
        for (const k in chosen) delete chosen[k];
        run();
        input.focus();
      });
      status.append(" ", b);
    }
  }

  function item(data, i) {
    const li = el("li");
    li.id = "search-result-" + i;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    const meta = data.meta || {};
    // No href: an option's children are presentational, so it may not hold
    // a focusable link; the option itself opens the page.
    const a = el("a", "result-title", meta.title || data.url);
    a.dataset.href = data.url;
    const excerpt = el("p", "result-excerpt");
    appendExcerpt(excerpt, data.excerpt || "");
    li.append(a, el("span", "result-kind", [meta.kind, meta.category].filter(Boolean).join(" · ")), excerpt);
    li.addEventListener("mousedown", (e) => e.preventDefault());
    li.addEventListener("mousemove", () => { if (active !== i) setActive(i, false); });
    li.addEventListener("click", (e) => go(li, e.ctrlKey || e.metaKey || e.shiftKey));
    li.addEventListener("auxclick", (e) => { if (e.button === 1) go(li, true); });
    return li;
  }

  async function run() {
    const term = input.value.trim();
    const filtered = Object.keys(chosen).length > 0;
    const mine = ++serial;
    show(true);
    if (!term && !filtered) {
      list.textContent = "";
      setActive(-1);
      return say("Type to search the runbooks and routes, or pick a filter.");
    }
    say("Searching…");
    let pf;
    try {
      pf = await load();
    } catch (e) {
      return say("Search could not be loaded.");
    }
    const { results } = await pf.search(term || null, { filters: Object.assign({}, chosen) });
    if (mine !== serial) return; // a newer query has started
    const n = results.length;
    list.textContent = "";
    setActive(-1);
    if (!n) {
      return say((term ? "No results for “" + term + "”" : "No results") + (filtered ? " with these filters." : ". Try other words."), filtered);
    }
    // Every result is listed, loaded in batches so the first show at once.
    for (let start = 0; start < n; start += 20) {
      const batch = await Promise.all(results.slice(start, start + 20).map((r) => r.data()));
      if (mine !== serial) return;
      batch.forEach((data, j) => list.appendChild(item(data, start + j)));
      if (!start) {
        say(n === 1 ? "1 result" : n + " results", filtered);
        setActive(0);
      }
    }
  }

  // Pagefind's excerpt is HTML with <mark> around the matched words; only
  // those marks are kept, everything else is inserted as text.
  function appendExcerpt(target, html) {
    let marked = false;
    for (const part of html.split(/(<\/?mark>)/)) {
      if (part === "<mark>" || part === "</mark>") marked = part === "<mark>";
      else if (part) (marked ? target.appendChild(el("mark")) : target).appendChild(document.createTextNode(decode(part)));
    }
  }

  const decode = (s) => s
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#(x?)([0-9a-f]+);/gi, (_, x, n) => String.fromCodePoint(parseInt(n, x ? 16 : 10)))
    .replace(/&amp;/g, "&");

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 100);
  });
  input.addEventListener("focus", () => {
    load().catch(() => {});
    if (panel.hidden) run();
  });
  input.addEventListener("keydown", (e) => {
    const n = items().length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (panel.hidden) run();
      else if (n) setActive(e.key === "ArrowDown" ? Math.min(active + 1, n - 1) : Math.max(active - 1, 0));
    } else if (e.key === "Enter" && n) {
      e.preventDefault();
      go(items()[Math.max(active, 0)]);
    } else if (e.key === "Escape" && !panel.hidden) {
      e.preventDefault();
      show(false);
    }
  });
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      show(false);
      input.focus();
    }
  });
  box.addEventListener("focusout", (e) => {
    if (!box.contains(e.relatedTarget)) setTimeout(() => { if (!box.contains(document.activeElement)) show(false); });
  });
  document.addEventListener("click", (e) => { if (!box.contains(e.target)) show(false); });
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable;
    const k = (e.key || "").toLowerCase();
    if ((k === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) || ((e.ctrlKey || e.metaKey) && k === "k")) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });
}

function start() {
  initTheme();
  initCopy();
  initCopyMarkdown();
  initChecklists();
  initMatrix();
  initToc();
  initSearch();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
}
