// gtdocs: theme toggle, matrix filters and sorting, the matrix cells' notes,
// copy buttons, remembered checklists, the linked route row, table of
// contents and search (Pagefind). Each view lives in the address.
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

// The address with `params` set (a value) or removed (""), the other
// keys kept: the matrix and the search share the home page's address.
function withParams(params) {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(params)) {
    if (v) q.set(k, v);
    else q.delete(k);
  }
  const query = q.toString();
  return location.pathname + (query ? "?" + query : "") + location.hash;
}

// Matrix: filter by category, compatibility, key preset, and by "route R
// has support S"; sort.
function initMatrix() {
  const form = $(".matrix-controls");
  const table = $("table.matrix");
  if (!form || !table) return;
  const count = $(".matrix-count", form);
  const empty = $(".matrix-empty");
  const more = $(".matrix-more");
  const selects = $$("select", form);
  const route = form.elements.route;
  const support = form.elements.support;
  // A route's column, by its id (the header cells carry it).
  const column = (id) => $$("thead th", table).findIndex((th) => th.dataset.route === id);
  const levelOf = (mark) => {
    const c = mark ? Array.from(mark.classList).find((k) => k.startsWith("mark-")) : null;
    return c ? c.slice(5) : "";
  };
  // Each row as the filters see it: its terms, score, title and each
  // route's support level; `tr` is its element, and `body` the category's
  // row group it goes in. The page's own rows come with theirs.
  let rows = $$("tr.matrix-row", table).map((tr) => ({
    tr,
    body: tr.parentNode,
    category: tr.dataset.category,
    compatibility: tr.dataset.compatibility,
    key_preset: tr.dataset.key_preset,
    score: Number(tr.dataset.score),
    title: tr.dataset.title,
    levels: Array.from(tr.cells).slice(1).map((td) => levelOf($(".mark", td))),
  }));
  let groups = Array.from(table.tBodies);
  let flat = null; // one tbody with the shown rows when not sorted by category
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

  // The rows of the matrix data. A row's element is made the first time
  // it is shown: at 10,000 rows, making every one would take seconds.
  function build(data) {
    const width = table.tHead.rows[0].cells.length;
    const unknown = { id: "unknown", label: "Unknown", support: "unknown", symbol: "?" };
    for (const g of groups) g.remove();
    if (flat) { flat.remove(); flat = null; }
    const bodies = new Map();
    const bodyOf = (cat) => {
      if (!bodies.has(cat)) {
        const body = el("tbody", "matrix-group");
        body.dataset.category = data.categories[cat][0];
        const head = body.appendChild(el("tr", "group-row")).appendChild(el("th"));
        head.scope = "colgroup";
        head.colSpan = width;
        head.appendChild(el("span", "", data.categories[cat][1]));
        bodies.set(cat, body);
      }
      return bodies.get(cat);
    };
    rows = data.rows.map((row) => {
      const [title, , cat, compat, preset, score, cells] = row;
      return {
        tr: null,
        make: () => makeRow(data, row, unknown),
        body: bodyOf(cat),
        category: data.categories[cat][0],
        compatibility: data.compatibility[compat][0],
        key_preset: data.key_presets[preset][0],
        score,
        title: title.toLowerCase(),
        levels: cells.map((v) => (v >= 0 ? data.verdicts[v].support : unknown.support)),
      };
    });
    groups = [...bodies].sort((a, b) => a[0] - b[0]).map(([, body]) => table.appendChild(body));
  }

  // A row as the page itself shows it (see home.html).
  function makeRow(data, [title, path, cat, compat, preset, score, cells, noteSet, staleCells], unknown) {
    // [route index, what is known of its verification] of each stale cell.
    const stale = new Map(staleCells || []);
    const tr = el("tr", "matrix-row");
    tr.dataset.category = data.categories[cat][0];
    tr.dataset.compatibility = data.compatibility[compat][0];
    tr.dataset.key_preset = data.key_presets[preset][0];
    tr.dataset.score = String(score);
    tr.dataset.title = title.toLowerCase();
    const th = tr.appendChild(el("th", "col-client"));
    th.scope = "row";
    const a = th.appendChild(el("a", "", title));
    a.href = root.dataset.base + path;
    th.appendChild(el("span", "row-meta", data.compatibility[compat][1] + " · " + data.key_presets[preset][1]));
    const slug = path.replace(/^runbooks\//, "").replace(/\/$/, "");
    const notes = data.note_sets[noteSet] || [];
    cells.forEach((v, i) => {
      const verdict = v >= 0 ? data.verdicts[v] : unknown;
      const [routeId, routeName] = data.routes[i];
      const td = tr.appendChild(el("td"));
      const link = td.appendChild(el("a", "cell"));
      link.href = root.dataset.base + path + "#route-" + routeId;
      link.appendChild(el("span", "cell-route", routeName));
      link.append(" ");
      const mark = link.appendChild(el("span", "mark mark-" + verdict.support));
      mark.dataset.verdict = verdict.id;
      mark.appendChild(el("span", "mark-symbol", verdict.symbol)).setAttribute("aria-hidden", "true");
      mark.append(" ");
      mark.appendChild(el("span", "mark-text", verdict.label));
      if (notes[i] >= 0 || stale.has(i)) {
        const note = td.appendChild(el("span", "cell-note", notes[i] >= 0 ? data.notes[notes[i]] : ""));
        note.id = "note-" + slug + "-" + (i + 1);
        note.setAttribute("role", "tooltip");
        link.setAttribute("aria-describedby", note.id);
        if (stale.has(i)) {
          if (notes[i] >= 0) note.append(" ");
          note.appendChild(el("span", "cell-note-stale", "Stale: " + stale.get(i)));
        }
      }
      if (stale.has(i)) td.appendChild(el("span", "stale-flag", "stale"));
    });
    return tr;
  }

  // The choice lives in the address (?category=...&route=...&support=full):
  // a view can be shared.
  const params = new URLSearchParams(location.search);
  for (const s of selects) {
    const v = params.get(s.name);
    if (v !== null && $$("option", s).some((o) => o.value === v)) s.value = v;
  }
  // A support level means something only for a chosen route: without
  // one, the control is off and reads "Any", as the view is.
  const pairSupport = () => {
    if (!route || !support) return;
    support.disabled = !route.value;
    if (!route.value) support.value = "";
  };
  pairSupport();

  function apply() {
    pairSupport();
    const want = selects.filter((s) => !["sort", "route", "support"].includes(s.name) && s.value);
    const sort = form.elements.sort ? form.elements.sort.value : "category";
    // The route's place among the cells (its header's, less the client's).
    const cell = route && support && route.value && support.value ? column(route.value) - 1 : -1;
    const matches = (row) => want.every((s) => row[s.name] === s.value) && (cell < 0 || row.levels[cell] === support.value);
    let ordered = rows;
    if (sort !== "category") {
      ordered = rows.slice().sort((a, b) =>
        (sort === "support" ? b.score - a.score : 0) || a.title.localeCompare(b.title));
    }
    let matching = 0;
    let shown = 0;
    for (const row of ordered) {
      const match = matches(row);
      if (match) matching += 1;
      const show = match && shown < limit;
      if (show) {
        shown += 1;
        if (!row.tr) row.tr = row.make();
      }
      if (row.tr) row.tr.hidden = !show;
    }
    // Every row made so far, in order, in its place.
    if (sort === "category") {
      for (const row of rows) if (row.tr) row.body.appendChild(row.tr);
      if (flat) { flat.remove(); flat = null; }
      for (const g of groups) g.hidden = !$("tr.matrix-row:not([hidden])", g);
    } else {
      if (!flat) flat = table.appendChild(el("tbody", "matrix-flat"));
      for (const row of ordered) if (row.tr) flat.appendChild(row.tr);
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
    const chosen = {};
    for (const s of selects) chosen[s.name] = s.selectedIndex > 0 && !s.disabled ? s.value : "";
    history.replaceState(history.state, "", withParams(chosen));
  }

  const update = () => loadAll().then(apply, () => apply());
  form.addEventListener("change", () => { if (limit !== Infinity) limit = PAGE; update(); });
  form.addEventListener("reset", () => setTimeout(() => { if (limit !== Infinity) limit = PAGE; update(); }));
  form.addEventListener("submit", (e) => { e.preventDefault(); update(); });
  if (more) {
    const button = $("[data-more]", more);
    if (button) button.addEventListener("click", () => { limit += PAGE; update(); });
  }
  if (selects.some((s) => params.has(s.name))) update();
}

// The matrix cells' notes show on hover and on keyboard focus (CSS); Esc
// hides them without moving the pointer or the focus (WCAG 1.4.13), until
// the focus or the pointer moves to another cell.
function initNotes() {
  const table = $("table.matrix");
  if (!table) return;
  let quiet = [];
  const wake = () => {
    table.classList.remove("notes-off");
    quiet = [];
  };
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest("td") : null;
    const shown = [focused, ...$$("td:hover", table)].filter((td) => td && table.contains(td) && $(".cell-note", td));
    if (!shown.length) return;
    quiet = shown;
    table.classList.add("notes-off");
  });
  table.addEventListener("focusin", wake);
  table.addEventListener("mouseover", (e) => {
    if (quiet.length && !quiet.some((td) => td.contains(e.target))) wake();
  });
}

// A runbook's route row opened by its link (#route-<id>): marked for the
// eye by :target (CSS) and for a screen reader by aria-current, which
// :target cannot give; the mark follows the address.
function initLinkedRow() {
  const mark = () => {
    for (const row of $$("tr[aria-current]")) {
      row.removeAttribute("aria-current");
      row.classList.remove("linked");
    }
    let id = "";
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (e) { /* a malformed address marks nothing */ }
    const row = id.startsWith("route-") ? document.getElementById(id) : null;
    if (row && row.tagName === "TR") {
      row.setAttribute("aria-current", "true");
      row.classList.add("linked");
    }
  };
  addEventListener("hashchange", mark);
  mark();
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

// A search filter's catalog ids and the index's values, both ways, from
// the page (the select's data-ids and data-labels: the CSP allows no
// inline script). A plain filter's value is the term's label; the route
// verdict filter's is "<route>: <verdict id>", its id "<route id>:<verdict id>".
function facetIds(select) {
  const parse = (text, fallback) => {
    try {
      return JSON.parse(text || "") || fallback;
    } catch (e) {
      return fallback;
    }
  };
  const pairs = parse(select.dataset.ids, []).filter((p) => Array.isArray(p) && p.length === 2);
  const labels = parse(select.dataset.labels, {});
  const byId = new Map(pairs);
  const byValue = new Map(pairs.map(([id, value]) => [value, id]));
  if (!select.dataset.grouped) {
    return {
      labels,
      values: pairs.map((p) => p[1]),
      toValue: (id) => byId.get(id) || null,
      toId: (value) => byValue.get(value) || null,
    };
  }
  const verdicts = Object.keys(labels);
  return {
    labels,
    values: pairs.flatMap(([, route]) => verdicts.map((v) => route + ": " + v)),
    toValue: (id) => {
      const cut = id.indexOf(":");
      const route = cut > 0 ? byId.get(id.slice(0, cut)) : null;
      const verdict = id.slice(cut + 1);
      return route && verdicts.includes(verdict) ? route + ": " + verdict : null;
    },
    toId: (value) => {
      const cut = value.lastIndexOf(": ");
      const route = cut > 0 ? byValue.get(value.slice(0, cut)) : null;
      return route ? route + ":" + value.slice(cut + 2) : null;
    },
  };
}

// Search.
//
// Pagefind's runtime (its worker and WebAssembly) and the index load when
// the box gets focus; a large site's index parts are merged all at once.
// What a query needs of the index is fetched as the words are typed
// (preload), the search runs when typing pauses, one at a time (the latest
// wins), and only the results shown have their page data fetched: a first
// page, then more on "Show more", on scrolling to the list's end or on
// moving past its last item. The filters' values load only when wanted: a
// facet in the address, or the filters touched (pointer, focus, toggle).
function initSearch() {
  const box = $(".search");
  const input = document.getElementById("search-input");
  const panel = document.getElementById("search-panel");
  if (!box || !input || !panel) return;
  const selects = $$("select[data-filter]", panel);
  const filtersGroup = $(".search-filters", panel);
  const status = $(".search-status", panel);
  const list = $(".search-results", panel);
  const toggle = $(".search-filters-toggle", panel);
  // Results whose page data is fetched at once, and then per "Show more".
  const PAGE = 10;
  // The pause in typing that runs the search. A brisk typist's keys come
  // 100-200 ms apart; a shorter pause started a full search for nearly
  // every prefix (each one queued before the word typed last). The index
  // chunks a query needs are preloaded on every key, so the wait mostly
  // overlaps their fetching.
  const PAUSE = 150;
  let loading = null;
  let filtersLoading = null;
  let active = -1;
  // The query on show: its results, how many are listed, a page loading.
  let current = null;
  // One search at a time: another asked for meanwhile runs after it.
  let searching = null;
  let again = false;
  // Per filter name, the chosen value as the index has it (a label).
  const chosen = {};
  const facets = new Map(selects.map((s) => [s.dataset.filter, facetIds(s)]));
  const more = el("button", "btn search-more", "Show more");
  more.type = "button";
  more.hidden = true;
  list.after(more);
  // The query and the facets live in the address (?q=...&q-category=...),
  // replaced as they change (not one history entry per key), so that a
  // search can be shared and survives a reload. A facet goes there by its
  // catalog id, which a label's rewording leaves alone.
  const QUERY = "q";
  function remember() {
    const params = { [QUERY]: input.value.trim() };
    for (const s of selects) {
      const value = chosen[s.dataset.filter];
      params[s.dataset.param] = value ? facets.get(s.dataset.filter).toId(value) || "" : "";
    }
    history.replaceState(history.state, "", withParams(params));
  }
  function countFilters() {
    const n = Object.keys(chosen).length;
    if (toggle) toggle.textContent = n ? "Filters (" + n + ")" : "Filters";
  }

  function load() {
    if (!loading) {
      loading = (async () => {
        const runtime = box.getAttribute("data-pagefind");
        const pf = await import(runtime);
        await pf.options({ excerptLength: 24 });
        // A large site's index comes in parts, merged into one search, all
        // at once: Pagefind adds each part to its list when asked (so the
        // results' order does not depend on which part loads first) and
        // fetches each part's entry and metadata in parallel.
        const base = new URL(".", new URL(runtime, location.href));
        const parts = (box.getAttribute("data-pagefind-parts") || "").split(" ").filter(Boolean);
        await Promise.all(parts.map((part) => pf.mergeIndex(new URL(part, base).pathname)));
        await pf.init();
        return pf;
      })();
      loading.catch(() => { loading = null; });
    }
    return loading;
  }

  // The filters' values: every filter chunk of every part. Only when
  // wanted: once Pagefind holds a filter's chunks, every search counts
  // that filter's values over all its results, which made a word found
  // on 10,000 pages take 2 s, not 0.24 s, in an index of one part.
  function loadFilters() {
    if (!filtersLoading) {
      filtersLoading = load().then((pf) => pf.filters()).then(fillFilters);
      filtersLoading.catch(() => { filtersLoading = null; });
    }
    return filtersLoading;
  }

  function fillFilters(available) {
    for (const select of selects) {
      const name = select.dataset.filter;
      const facet = facets.get(name);
      // The catalog's order first (a route's verdicts under it, in the
      // catalog's order too), then whatever else the index holds.
      const present = new Set(Object.keys(available[name] || {}));
      const known = facet.values.filter((v) => present.has(v));
      const rest = [...present].filter((v) => !known.includes(v)).sort();
      const values = known.concat(rest);
      select.closest("label").hidden = !values.length;
      const labels = facet.labels;
      let parent = select;
      let group = "";
      for (const value of values) {
        // Grouped filters ("POST /v1/x: native") get an optgroup per
        // prefix, and show the verdict in words; the value keeps the id.
        const cut = select.dataset.grouped ? value.lastIndexOf(": ") : -1;
        if (cut > 0 && value.slice(0, cut) !== group) {
          group = value.slice(0, cut);
          parent = select.appendChild(el("optgroup"));
          parent.label = group;
        }
        const id = cut > 0 ? value.slice(cut + 2) : "";
        const option = parent.appendChild(el("option", "", cut > 0 ? labels[id] || id : value));
        option.value = value;
      }
      // A facet from the address that the index does not have is dropped.
      if (chosen[name]) select.value = chosen[name];
      if (chosen[name] && select.value !== chosen[name]) delete chosen[name];
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

  // The query as typed and the facets chosen, to tell a search gone stale.
  const query = () => JSON.stringify([input.value.trim(), chosen]);

  // Runs the search now, or after the one under way.
  function run() {
    if (searching) {
      again = true;
      return searching;
    }
    searching = search().catch(() => say("Search could not be loaded.")).finally(() => {
      searching = null;
      if (again) {
        again = false;
        run();
      }
    });
    return searching;
  }

  async function search() {
    const term = input.value.trim();
    show(true);
    remember();
    countFilters();
    if (!term && !Object.keys(chosen).length) return clear();
    say("Searching…");
    let pf;
    try {
      pf = await load();
      // A facet must be one the index has (see fillFilters).
      if (Object.keys(chosen).length) await loadFilters();
    } catch (e) {
      return say("Search could not be loaded.");
    }
    if (input.value.trim() !== term) return; // typed on: the next search follows
    const filtered = Object.keys(chosen).length > 0;
    if (!term && !filtered) return clear();
    const asked = query();
    const { results } = await pf.search(term || null, { filters: Object.assign({}, chosen) });
    if (asked !== query()) return;
    const n = results.length;
    list.textContent = "";
    list.scrollTop = 0;
    setActive(-1);
    current = { results, shown: 0, loading: null, count: n === 1 ? "1 result" : n + " results", filtered };
    showMore();
    if (!n) {
      return say((term ? "No results for “" + term + "”" : "No results") + (filtered ? " with these filters." : ". Try other words."), filtered);
    }
    nextPage();
  }

  function clear() {
    current = null;
    list.textContent = "";
    showMore();
    setActive(-1);
    say("Type to search the runbooks and routes, or pick a filter.");
  }

  // Lists the next page of the current results: their data fetched all at
  // once, each shown as soon as it and those before it are there.
  function nextPage() {
    const q = current;
    if (!q || q.loading || q.shown >= q.results.length) return (q && q.loading) || Promise.resolve();
    const from = q.shown;
    const batch = q.results.slice(from, from + PAGE).map((r) => r.data());
    q.loading = (async () => {
      for (let j = 0; j < batch.length; j++) {
        const data = await batch[j];
        if (current !== q) return;
        list.appendChild(item(data, from + j));
        q.shown = from + j + 1;
        if (!from && !j) {
          say(q.count, q.filtered);
          setActive(0);
        }
      }
    })().catch(() => {
      if (current === q) say("Some results could not be loaded.");
    }).finally(() => {
      q.loading = null;
      if (current === q) showMore();
    });
    showMore();
    return q.loading;
  }

  function showMore() {
    const q = current;
    const left = q ? q.results.length - q.shown : 0;
    more.hidden = !q || !!q.loading || left <= 0;
    more.textContent = "Show more (" + left + " left)";
  }
  more.addEventListener("click", () => { nextPage(); });
  // Scrolled to the list's end: the next page.
  list.addEventListener("scroll", () => {
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 48) nextPage();
  }, { passive: true });

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

  // Filters fold away behind a button where the screen is narrow (CSS),
  // so that the results stay in view.
  if (toggle) {
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      panel.classList.toggle("filters-open", open);
      if (open) loadFilters().catch(() => {});
    });
  }
  // The filters answer the keyboard before their values are there; a
  // pointer coming near or a focus on them loads those values.
  for (const s of selects) s.disabled = false;
  if (filtersGroup) {
    for (const type of ["pointerenter", "focusin", "touchstart"]) {
      filtersGroup.addEventListener(type, () => { loadFilters().catch(() => {}); }, { passive: true });
    }
  }

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const term = input.value.trim();
    if (!term) return run();
    // The index chunks this prefix needs, fetched while typing goes on
    // (only for what is still typed once the index is there).
    load().then((pf) => {
      if (input.value.trim() === term) return pf.preload(term, { filters: Object.assign({}, chosen) });
    }).catch(() => {});
    timer = setTimeout(run, PAUSE);
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
      else if (e.key === "ArrowDown" && n && active === n - 1 && current && current.shown < current.results.length) {
        nextPage().then(() => setActive(Math.min(active + 1, items().length - 1)));
      } else if (n) setActive(e.key === "ArrowDown" ? Math.min(active + 1, n - 1) : Math.max(active - 1, 0));
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

  // A search in the address opens the panel with it; an id the page does
  // not know is left out.
  const params = new URLSearchParams(location.search);
  for (const s of selects) {
    const v = params.get(s.dataset.param);
    const value = v ? facets.get(s.dataset.filter).toValue(v) : null;
    if (value) chosen[s.dataset.filter] = value;
  }
  input.value = params.get(QUERY) || "";
  if (input.value || Object.keys(chosen).length) run();
}

function start() {
  initTheme();
  initCopy();
  initCopyMarkdown();
  initChecklists();
  initMatrix();
  initNotes();
  initLinkedRow();
  initToc();
  initSearch();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
}
