#!/usr/bin/env node
// Real-browser checks of a site built by `gtdocs build`, driven by
// tests/testsuite/html_browser.rs. This file only observes: it serves the
// site, drives Chromium and writes what it saw to a JSON file; every
// assertion lives in the Rust test, so a failure there reads as a diff.
//
//   node run.mjs --site <dir with index.html> --base /docs/ --out <results dir> \
//                --scenario search|axe|screenshots|xss|layout|matrix|verification|history|deeplinks|search-url|search-parts
//                [--word W --expect-slug S --expect-titles titles.json]   (search)
//                [--plan plan.json]                                        (search-parts)
//                [--plan plan.json]                                        (deeplinks)
//                [--word W --category ID --facet LABEL --plan plan.json]  (search-url)
//                [--chromium /usr/bin/chromium]
//   node run.mjs --url http://127.0.0.1:PORT/BASE/ --out <results dir> --scenario serve|serve-tabs --plan plan.json
//
// The `serve` scenario drives a running `gtdocs serve` (started by
// tests/testsuite/serve.rs) instead of serving --site itself: it opens
// plan.page, waits for live.js to long-poll, scrolls to plan.scrollTo, then
// for each of plan.steps writes step.content to plan.file (the handshake:
// this file does the edits, at the moments it is ready for them) and
// records what the page did: the new text shown, the scroll position kept,
// #gtdocs-overlay shown or removed. `serve-tabs` opens plan.pages one by
// one as tabs (the older ones hidden) and times each load, then a link
// followed in the front tab (plan.navigateTo).
//
// Writes <out>/<scenario>.json and exits 0 when the scenario ran to its end
// (whatever it found), 1 when it could not run (the JSON then has `error`),
// 2 on bad usage.
//
// The site is served by node:http on 127.0.0.1 (port chosen by the OS); the
// browser may reach nothing else: every other request is aborted, and listed
// in `foreignRequests` for the Rust side to fail on.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- arguments
const USAGE =
  "usage: node run.mjs --site DIR --base /PREFIX/ --out DIR --scenario search|axe|screenshots|xss|layout|matrix|verification|history|deeplinks|search-url|search-parts|markdown " +
  "[--word W] [--expect-slug S] [--expect-titles FILE] [--category ID] [--facet LABEL] [--plan FILE] [--chromium PATH]\n" +
  "       node run.mjs --url http://127.0.0.1:PORT/BASE/ --out DIR --scenario serve|serve-tabs --plan FILE [--chromium PATH]";

function parseArgs(argv) {
  const known = new Set(["site", "base", "out", "scenario", "word", "expect-slug", "expect-titles", "category", "facet", "chromium", "url", "plan"]);
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (!key.startsWith("--") || !known.has(key.slice(2)) || i + 1 >= argv.length) {
      usage(`bad argument ${JSON.stringify(key)}`);
    }
    args[key.slice(2)] = argv[i + 1];
  }
  for (const k of ["out", "scenario"]) if (!args[k]) usage(`--${k} is required`);
  if (!SCENARIOS[args.scenario]) usage(`unknown scenario ${JSON.stringify(args.scenario)}`);
  if (args.scenario.startsWith("serve")) {
    // An outside server (gtdocs serve) on 127.0.0.1; nothing is served here.
    for (const k of ["url", "plan"]) if (!args[k]) usage(`--${k} is required with --scenario ${args.scenario}`);
    let u;
    try {
      u = new URL(args.url);
    } catch {
      usage(`bad --url ${JSON.stringify(args.url)}`);
    }
    if (u.protocol !== "http:" || u.hostname !== "127.0.0.1") usage("--url must be http://127.0.0.1:PORT/...");
    args.base = u.pathname;
  } else {
    if (!args.site) usage("--site is required");
    if (!fs.existsSync(path.join(args.site, "index.html"))) usage(`no index.html in --site ${args.site}`);
  }
  args.base = args.base || "/";
  if (!args.base.startsWith("/") || !args.base.endsWith("/")) usage("--base must start and end with '/'");
  args.chromium = args.chromium || process.env.GTDOCS_CHROMIUM || "/usr/bin/chromium";
  return args;
}

function usage(msg) {
  process.stderr.write(`run.mjs: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

// ------------------------------------------------------------------- server
const epochNow = () => performance.timeOrigin + performance.now();
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".xml": "application/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".wasm": "application/wasm",
};

/** Serves `root` under the path prefix `base`; resolves once listening. */
export function serve(root, base) {
  const rootReal = fs.realpathSync(root);
  const log = [];
  const inside = (p) => p === rootReal || p.startsWith(rootReal + path.sep);

  function send(req, res, status, file) {
    const type = TYPES[path.extname(file).toLowerCase()] || "application/octet-stream";
    const body = fs.readFileSync(file);
    res.writeHead(status, {
      "Content-Type": type,
      "Content-Length": body.length,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  function notFound(req, res) {
    const page = path.join(rootReal, "404.html");
    if (fs.existsSync(page)) return send(req, res, 404, page);
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("not found\n");
  }

  function handle(req, res) {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" });
      return res.end();
    }
    let pathname;
    try {
      // The WHATWG parser already resolves "." and ".." segments (also %2e).
      pathname = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400);
      return res.end();
    }
    if (pathname.includes("\0")) {
      res.writeHead(400);
      return res.end();
    }
    if (!pathname.startsWith(base)) return notFound(req, res);
    let file = path.resolve(rootReal, "." + path.sep + pathname.slice(base.length));
    if (!inside(file)) return notFound(req, res); // a decoded %2F.. escape
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return notFound(req, res);
    }
    if (stat.isDirectory()) {
      if (!pathname.endsWith("/")) {
        res.writeHead(301, { Location: new URL(req.url, "http://127.0.0.1").pathname + "/" });
        return res.end();
      }
      file = path.join(file, "index.html");
      if (!fs.existsSync(file)) return notFound(req, res);
    }
    let real;
    try {
      real = fs.realpathSync(file);
    } catch {
      return notFound(req, res);
    }
    if (!inside(real) || !fs.statSync(real).isFile()) return notFound(req, res);
    return send(req, res, 200, real);
  }

  const server = http.createServer((req, res) => {
    // t: when the request came, done: when its answer was sent (epoch ms,
    // the clock of the page's performance.timeOrigin + now()).
    const entry = { method: req.method, url: req.url, status: 0, t: epochNow(), done: null };
    log.push(entry);
    res.on("finish", () => {
      entry.status = res.statusCode;
      entry.done = epochNow();
    });
    try {
      handle(req, res);
    } catch (e) {
      entry.error = String(e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ server, log, origin: `http://127.0.0.1:${port}` });
    });
  });
}

// ------------------------------------------------------------------ browser
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Belt and braces: no host name resolves, so nothing can leave the machine.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/** What every scenario collects, whatever page it is on. */
class Watch {
  constructor(origin) {
    this.origin = origin;
    this.requests = new Set();
    this.foreignRequests = [];
    this.failedRequests = [];
    this.answered = new Set(); // URLs some request fetched in full with a 2xx
    this.consoleErrors = [];
    this.pageErrors = [];
    this.dialogs = [];
    this.quietUrls = new Set(); // pages whose own 404 console line is expected
  }

  allowed(url) {
    if (url.startsWith("data:") || url.startsWith("blob:") || url === "about:blank") return true;
    try {
      const u = new URL(url);
      return (u.protocol === "http:" || u.protocol === "ws:") && u.host === new URL(this.origin).host;
    } catch {
      return false;
    }
  }

  async attach(context) {
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (this.allowed(url)) return route.continue();
      this.foreignRequests.push(url);
      return route.abort("blockedbyclient");
    });
    context.on("request", (r) => {
      this.requests.add(r.url());
      if (!this.allowed(r.url()) && !this.foreignRequests.includes(r.url())) this.foreignRequests.push(r.url());
    });
    context.on("requestfinished", async (r) => {
      const answer = await r.response().catch(() => null);
      if (answer && answer.ok()) this.answered.add(r.url());
    });
    context.on("requestfailed", (r) => {
      if (this.allowed(r.url())) this.failedRequests.push({ url: r.url(), error: (r.failure() || {}).errorText || "" });
    });
    context.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const loc = msg.location() || {};
      const page = msg.page() ? msg.page().url() : "";
      if (this.quietUrls.has(page) && loc.url === page && /status of 404/.test(msg.text())) return;
      this.consoleErrors.push({ page, text: msg.text(), source: loc.url ? `${loc.url}:${loc.lineNumber}:${loc.columnNumber}` : "" });
    });
    context.on("weberror", (e) => {
      const err = e.error();
      this.pageErrors.push({ page: e.page() ? e.page().url() : "", message: err.message, stack: err.stack || "" });
    });
    context.on("page", (page) => {
      page.on("dialog", async (d) => {
        this.dialogs.push({ page: page.url(), type: d.type(), message: d.message() });
        await d.dismiss().catch(() => {});
      });
    });
  }

  report() {
    return {
      requests: [...this.requests].sort(),
      foreignRequests: this.foreignRequests,
      // A fetch the browser itself cancelled (net::ERR_ABORTED: the page
      // navigated on or closed while, say, the favicon was still loading)
      // is no failure of the site when another request of the same URL was
      // answered in full; any other failure, or an abort of a URL never
      // answered, is.
      failedRequests: this.failedRequests.filter(
        (f) => !(f.error === "net::ERR_ABORTED" && this.answered.has(f.url)),
      ),
      consoleErrors: this.consoleErrors,
      pageErrors: this.pageErrors,
      dialogs: this.dialogs,
    };
  }
}

// ------------------------------------------------------------ page helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const activeId = (page) => page.evaluate(() => (document.activeElement ? document.activeElement.id : null));

/** Reads the search panel once. */
function readPanel(page) {
  return page.evaluate(() => {
    const panel = document.getElementById("search-panel");
    const status = panel ? panel.querySelector(".search-status") : null;
    const items = panel ? Array.from(panel.querySelectorAll("ol.search-results > li")) : [];
    return {
      panelHidden: panel ? panel.hidden : null,
      status: status ? status.textContent : null,
      results: items.map((li) => {
        const a = li.querySelector(".result-title");
        const ex = li.querySelector("p.result-excerpt");
        // Where the result leads: the title link's href, or, where the
        // option holds no focusable link, its data-href.
        const target = a ? a.getAttribute("href") ?? a.getAttribute("data-href") : null;
        return {
          role: li.getAttribute("role"),
          selected: li.getAttribute("aria-selected"),
          title: a ? a.textContent : null,
          href: target,
          hrefAttribute: a ? a.getAttribute("href") : null,
          url: target === null ? null : new URL(target, location.href).href,
          excerptHtml: ex ? ex.innerHTML : null,
          marks: ex ? Array.from(ex.querySelectorAll("mark"), (m) => m.textContent) : [],
          // Elements in an excerpt other than <mark> would be injected markup.
          foreignElements: ex ? Array.from(ex.querySelectorAll("*:not(mark)"), (e) => e.tagName) : [],
        };
      }),
    };
  });
}

/** Brings the pointer to the search filters, which loads their values
 *  (app.js loads them only when wanted), and waits until they are there. */
async function wantFilters(page) {
  await page.hover(".search-filters");
  await page.waitForFunction(() => [...document.querySelectorAll(".search-filters select")].some((s) => s.options.length > 1), null, { timeout: 10000 });
}

const selectedIndex = (panel) => panel.results.findIndex((r) => r.selected === "true");

/**
 * Waits until the search panel shows a finished search: a status with a
 * result count (or "No results") and as many results listed as it counts,
 * unchanged for 300 ms (or, if the list is shorter than the count, for
 * 1.5 s). Typing fires one search per pause; only the last one counts.
 */
async function searchSettled(page, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  let since = 0;
  for (;;) {
    const panel = await readPanel(page);
    const status = (panel.status || "").trim();
    const counted = /^(\d+) results?\b/.exec(status);
    const none = /^No results\b/.test(status);
    const done = none || counted !== null;
    const complete = none ? panel.results.length === 0 : counted !== null && panel.results.length === Number(counted[1]);
    const key = JSON.stringify(panel);
    if (done && key === last) {
      const quiet = Date.now() - since;
      if ((complete && quiet >= 300) || quiet >= 1500) return panel;
    } else {
      last = key;
      since = Date.now();
    }
    if (Date.now() > deadline) {
      throw new Error(`search did not settle within ${timeoutMs} ms; panel: ${key}`);
    }
    await sleep(100);
  }
}

/** The accessible name and description (Chromium's, over CDP) of the
 *  focused matrix cell link, or null when no cell has focus. */
async function focusedCellAx(cdp) {
  const { root: doc } = await cdp.send("DOM.getDocument", { depth: 0 });
  const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: doc.nodeId, selector: "a.cell:focus" });
  if (!nodeId) return null;
  const { nodes } = await cdp.send("Accessibility.getPartialAXTree", { nodeId, fetchRelatives: false });
  const node = nodes.find((n) => !n.ignored) || nodes[0];
  return {
    name: node && node.name ? node.name.value : null,
    description: node && node.description ? node.description.value : null,
  };
}

async function openPage(page, url) {
  const response = await page.goto(url, { waitUntil: "load" });
  // app.js is deferred; "load" is after it ran. Let fonts settle too.
  await page.evaluate(() => document.fonts && document.fonts.ready);
  return response;
}

// --------------------------------------------------------------- scenarios
const SCENARIOS = {
  search: scenarioSearch,
  axe: scenarioAxe,
  screenshots: scenarioScreenshots,
  xss: scenarioXss,
  layout: scenarioLayout,
  deeplinks: scenarioDeepLinks,
  "search-url": scenarioSearchUrl,
  "search-parts": scenarioSearchParts,
  matrix: scenarioMatrix,
  verification: scenarioVerification,
  history: scenarioHistory,
  markdown: scenarioMarkdown,
  serve: scenarioServe,
  "serve-tabs": scenarioServeTabs,
};

async function scenarioSearch(env) {
  const { browser, watch, root, args } = env;
  const out = {};
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  await watch.attach(context);
  const page = await context.newPage();
  await openPage(page, root);

  // "/" focuses the search box.
  out.activeBeforeSlash = await activeId(page);
  await page.keyboard.press("/");
  out.activeAfterSlash = await activeId(page);

  // A client's name finds its runbook first.
  await page.keyboard.type("librechat", { delay: 15 });
  out.inputValue = await page.inputValue("#search-input");
  out.librechat = await searchSettled(page);
  out.ariaExpanded = await page.getAttribute("#search-input", "aria-expanded");
  await wantFilters(page);
  out.filters = await page.evaluate(() =>
    Array.from(document.querySelectorAll(".search-filters select[data-filter]"), (s) => ({
      name: s.dataset.filter,
      values: Array.from(s.options, (o) => o.value),
      texts: Array.from(s.options, (o) => o.textContent),
    })),
  );

  // Arrow keys move the selection; Enter opens the selected result. A
  // word many runbooks share gives a list to move through.
  await page.fill("#search-input", "");
  await page.keyboard.type("embeddings", { delay: 15 });
  out.many = await searchSettled(page);
  out.selectedBefore = selectedIndex(out.many);
  await page.keyboard.press("ArrowDown");
  const afterDown = await readPanel(page);
  out.selectedAfterDown = selectedIndex(afterDown);
  out.activeDescendantAfterDown = await page.getAttribute("#search-input", "aria-activedescendant");
  await page.keyboard.press("ArrowUp");
  out.selectedAfterUp = selectedIndex(await readPanel(page));
  await page.keyboard.press("ArrowDown");
  const beforeEnter = await readPanel(page);
  out.selectedBeforeEnter = selectedIndex(beforeEnter);
  out.expectedUrlAfterEnter = out.selectedBeforeEnter >= 0 ? beforeEnter.results[out.selectedBeforeEnter].url : null;
  await Promise.all([page.waitForEvent("load"), page.keyboard.press("Enter")]);
  out.urlAfterEnter = page.url();

  // Ctrl+K focuses the search box on that other page.
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  out.activeBeforeCtrlK = await activeId(page);
  await page.keyboard.press("Control+k");
  out.activeAfterCtrlK = await activeId(page);

  // A word from one runbook's caveats finds that runbook first.
  if (args.word) {
    await page.keyboard.type(args.word, { delay: 15 });
    out.word = { word: args.word, expectSlug: args["expect-slug"] || null, panel: await searchSettled(page) };
  }

  // A route verdict filter alone lists exactly the runbooks with it.
  await page.fill("#search-input", "");
  await page.waitForFunction(() => /^Type to search/.test(document.querySelector(".search-status").textContent));
  const verdict = "POST /v1/embeddings: not_supported";
  const select = page.locator('.search-filters select[data-filter="Route verdict"]');
  out.filterPresent = (await select.count()) === 1;
  if (out.filterPresent) {
    await wantFilters(page);
    await select.selectOption(verdict);
    out.filter = { verdict, panel: await searchSettled(page) };
    if (args["expect-titles"]) out.filter.expectTitles = JSON.parse(fs.readFileSync(args["expect-titles"], "utf8"));
  }
  await page.close();

  // The JSON links, followed: the matrix's manifest, the opened runbook's own.
  out.json = [];
  for (const [from, name] of [
    [root, "Manifest (JSON)"],
    [out.urlAfterEnter, "JSON"],
  ]) {
    const p = await context.newPage();
    await openPage(p, from);
    const link = p.getByRole("link", { name, exact: true });
    const found = { from, name, links: await link.count() };
    out.json.push(found);
    if (found.links !== 1) {
      await p.close();
      continue;
    }
    const target = new URL(await link.getAttribute("href"), p.url()).href;
    const [response] = await Promise.all([p.waitForResponse((r) => r.url() === target), link.click()]);
    await p.waitForLoadState("load");
    found.url = p.url();
    found.status = response.status();
    found.contentType = response.headers()["content-type"] || null;
    try {
      const body = JSON.parse(await response.text());
      found.slug = body.slug ?? null;
      found.runbooks = Array.isArray(body.runbooks) ? body.runbooks.length : null;
    } catch (e) {
      found.parseError = String(e);
    }
    await p.close();
  }

  // A missing page gets the site's 404 page, styled, from any depth.
  const missing = root + "no/such/page/";
  watch.quietUrls.add(missing);
  const p404 = await context.newPage();
  const response = await openPage(p404, missing);
  out.notFound = await p404.evaluate(() => ({
    h1: document.querySelector("h1") ? document.querySelector("h1").textContent : null,
    styled: Array.from(document.styleSheets).some((s) => {
      try {
        return s.cssRules.length > 0;
      } catch {
        return false;
      }
    }),
    searchInput: !!document.getElementById("search-input"),
  }));
  out.notFound.status = response ? response.status() : null;
  await context.close();
  return out;
}

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

async function runAxe(page, axeSource) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.addScriptTag({ content: axeSource });
  }
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: tags },
      resultTypes: ["violations", "incomplete"],
    });
    const nodes = (list) =>
      list.map((n) => ({ target: n.target.map(String), html: n.html.slice(0, 300), summary: n.failureSummary || "" }));
    return {
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: nodes(v.nodes) })),
      incomplete: r.incomplete.map((v) => ({ id: v.id, help: v.help, count: v.nodes.length })),
      passes: r.passes.length,
    };
  }, AXE_TAGS);
}

const themeState = (page) =>
  page.evaluate(() => {
    let stored = null;
    try {
      stored = localStorage.getItem("gtdocs-theme");
    } catch {
      stored = "unavailable";
    }
    const bg = getComputedStyle(document.body).backgroundColor;
    return { dataTheme: document.documentElement.getAttribute("data-theme"), stored, bodyBackground: bg };
  });

async function scenarioAxe(env) {
  const { browser, watch, root } = env;
  const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  const axeVersion = require("axe-core/package.json").version;
  const runs = [];
  const targets = [
    { name: "home", path: "" },
    { name: "runbook librechat", path: "runbooks/librechat/" },
    { name: "route post-v1-embeddings", path: "routes/post-v1-embeddings/" },
    { name: "home with search results (chat)", path: "", search: "chat" },
  ];

  async function check(page, name, theme, how) {
    const result = await runAxe(page, axeSource);
    runs.push({ page: name, theme, how, url: page.url(), state: await themeState(page), ...result });
  }

  // bypassCSP: axe is injected as an inline script, which the site's CSP forbids.
  for (const scheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, serviceWorkers: "block" });
    await watch.attach(context);
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    for (const t of targets) {
      await openPage(page, root + t.path);
      if (t.search) {
        await page.keyboard.press("/");
        await page.keyboard.type(t.search, { delay: 15 });
        await searchSettled(page);
      }
      await check(page, t.name, scheme, "prefers-color-scheme");
    }
    await context.close();
  }

  // The toggle, against the system's scheme: light system -> dark page, and
  // dark system -> light page; the choice is saved and survives a reload.
  const toggles = [];
  for (const [system, wanted] of [
    ["light", "dark"],
    ["dark", "light"],
  ]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, serviceWorkers: "block" });
    await watch.attach(context);
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: system });
    await openPage(page, root);
    const before = await themeState(page);
    const labelBefore = await page.getAttribute("button.theme-toggle", "aria-label");
    await page.click("button.theme-toggle");
    const after = await themeState(page);
    const labelAfter = await page.getAttribute("button.theme-toggle", "aria-label");
    await check(page, "home", wanted, `toggle (system ${system})`);
    await openPage(page, root + "runbooks/librechat/");
    const persisted = await themeState(page);
    await check(page, "runbook librechat", wanted, `toggle (system ${system}), next page`);
    toggles.push({ system, wanted, before, after, persisted, labelBefore, labelAfter });
    await context.close();
  }
  return { axeVersion, tags: AXE_TAGS, runs, toggles };
}

// Each page of `pages` ({name: path below the root}) in light and dark:
// `observe(name, page)` once per page (in light), then axe on it in both.
// Returns what `observe` gave, by page name, and the axe runs.
async function pagesInBothSchemes(env, pages, observe) {
  const { browser, watch, root } = env;
  const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  const out = { runs: [] };
  for (const scheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, serviceWorkers: "block" });
    await watch.attach(context);
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    for (const [name, path] of Object.entries(pages)) {
      await openPage(page, root + path);
      if (scheme === "light") out[name] = await observe(name, page);
      out.runs.push({ page: name, theme: scheme, ...(await runAxe(page, axeSource)) });
    }
    await context.close();
  }
  return out;
}

// Where stale verdicts are marked, as a reader sees them: the runbook
// page's route rows and the home matrix's cells whose "stale" flag is
// visible (with its words), and axe on both pages in light and dark. Then
// the keyboard: Tab from the --expect-slug row's client link through its
// cells, each cell's note as shown and as Chromium's accessible
// description, and axe with the last stale cell's note shown, light and dark.
async function scenarioVerification(env) {
  const visibleFlags = (scope) =>
    [...scope.querySelectorAll(".stale-flag")]
      .filter((f) => f.getClientRects().length > 0 && getComputedStyle(f).visibility !== "hidden")
      .map((f) => f.textContent.trim());
  const seen = await pagesInBothSchemes(env, { runbook: `runbooks/${env.args["expect-slug"]}/`, home: "" }, async (name, page) => {
    if (name === "runbook") {
      const rows = await page.evaluate(`(() => { const visibleFlags = ${visibleFlags.toString()};
        return [...document.querySelectorAll("table.routes tbody tr")].map((tr) => ({
          route: tr.querySelector("th").textContent.replace(/\\s+/g, " ").trim(),
          flags: visibleFlags(tr),
          verified: [...tr.querySelectorAll(".verified time")].map((t) => t.getAttribute("datetime")),
        })); })()`);
      const facts = await page.evaluate(() => {
        const dd = [...document.querySelectorAll("dl.facts > div")].find((d) => d.querySelector("dt").textContent === "Verified");
        return dd ? dd.querySelector("dd").textContent.replace(/\s+/g, " ").trim() : null;
      });
      return { rows, facts };
    }
    return page.evaluate(`(() => { const visibleFlags = ${visibleFlags.toString()};
      const heads = [...document.querySelectorAll("table.matrix thead th")].map((th) => th.textContent.replace(/\\s+/g, " ").trim());
      const cells = [];
      for (const tr of document.querySelectorAll("tr.matrix-row")) {
        const title = tr.querySelector("th a").textContent.trim();
        [...tr.querySelectorAll("td")].forEach((td, i) => {
          const flags = visibleFlags(td);
          if (flags.length) cells.push({ title, route: heads[i + 1], flags });
        });
      }
      return cells; })()`);
  });
  const { browser, watch, root, args } = env;
  const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  const href = `${args.base}runbooks/${args["expect-slug"]}/`;
  let keyboard = null;
  for (const scheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, serviceWorkers: "block" });
    await watch.attach(context);
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    await openPage(page, root);
    const cdp = await context.newCDPSession(page);
    const description = async () => {
      const ax = await focusedCellAx(cdp);
      return ax ? ax.description : null;
    };
    await page.focus(`tr.matrix-row th a[href="${href}"]`);
    const cells = await page.evaluate((href) => document.querySelector(`tr.matrix-row th a[href="${href}"]`).closest("tr").cells.length - 1, href);
    const seenCells = [];
    let lastStale = -1;
    for (let i = 0; i < cells; i++) {
      await page.keyboard.press("Tab");
      const cell = await page.evaluate(() => {
        const a = document.activeElement;
        const td = a && a.closest("td");
        const note = td && td.querySelector(".cell-note");
        const r = note ? note.getBoundingClientRect() : null;
        const head = td ? td.closest("table").tHead.rows[0].cells[td.cellIndex] : null;
        return {
          cellLink: !!a && a.matches("a.cell"),
          route: head ? head.textContent.replace(/\s+/g, " ").trim() : null,
          staleFlag: td && td.querySelector(".stale-flag") ? td.querySelector(".stale-flag").textContent : null,
          staleFlagTitle: td && td.querySelector(".stale-flag") ? td.querySelector(".stale-flag").getAttribute("title") : null,
          note: note ? note.textContent : null,
          stale: note && note.querySelector(".cell-note-stale") ? note.querySelector(".cell-note-stale").textContent : null,
          noteVisible: !!r && r.width > 0 && r.height > 0 && getComputedStyle(note).visibility !== "hidden",
          noteInViewport: !!r && r.left >= 0 && r.right <= innerWidth,
        };
      });
      cell.description = await description();
      if (cell.staleFlag !== null) lastStale = i;
      seenCells.push(cell);
    }
    // Back to the last stale cell, its note shown, for axe.
    for (let i = cells - 1; i > lastStale && lastStale >= 0; i--) await page.keyboard.press("Shift+Tab");
    const shown = await page.evaluate(() => {
      const note = document.activeElement.closest("td").querySelector(".cell-note");
      return !!note && note.getBoundingClientRect().height > 0;
    });
    seen.runs.push({ page: "home with a stale cell's note shown by keyboard focus", theme: scheme, noteShown: shown, ...(await runAxe(page, axeSource)) });
    if (scheme === "light") keyboard = seenCells;
    await context.close();
  }
  return { runbookRows: seen.runbook.rows, runbookFacts: seen.runbook.facts, matrixCells: seen.home, keyboard, runs: seen.runs };
}

// The history as a reader meets it: the events of a runbook's History
// section and of the changes page (their anchors and dates, and whether
// they show), the feed each page links to (and its answer), and axe on
// both pages in light and dark.
async function scenarioHistory(env) {
  const pages = { runbook: `runbooks/${env.args["expect-slug"]}/`, changes: "changes/" };
  return pagesInBothSchemes(env, pages, async (name, page) => {
    const seen = await page.evaluate(() => {
      const scope = document.querySelector("#history") || document.querySelector("main");
      const events = [...scope.querySelectorAll("li.history-event")].map((li) => ({
        id: li.id,
        date: li.querySelector("time") && li.querySelector("time").getAttribute("datetime"),
        visible: li.getClientRects().length > 0,
        text: li.textContent.replace(/\s+/g, " ").trim().slice(0, 300),
      }));
      const feed = document.querySelector('link[rel="alternate"][type="application/atom+xml"]');
      return { events, feed: feed && feed.href };
    });
    if (seen.feed) {
      const answer = await page.request.get(seen.feed);
      seen.feedStatus = answer.status();
      seen.feedType = answer.headers()["content-type"] || "";
    }
    return seen;
  });
}

// "Copy as Markdown" as a reader uses it, on a runbook page (--expect-slug)
// and the route page its first route row links to: the page's
// <link rel=alternate type=text/markdown> and its answer, the button and
// its status, what the clipboard holds after a click (read back through
// the granted permission), and any CSP violation. Then the runbook page
// without script, where the button must not show.
async function scenarioMarkdown(env) {
  const { browser, watch, root, args } = env;
  const out = { pages: [] };
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(root).origin });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile }),
    );
  });
  await watch.attach(context);
  const page = await context.newPage();
  const runbook = root + `runbooks/${args["expect-slug"]}/`;
  await openPage(page, runbook);
  const routeHref = await page.evaluate(() => {
    const a = document.querySelector("table.routes a[href*='routes/']");
    return a ? a.href : null;
  });
  for (const [name, url] of [["runbook", runbook], ["route", routeHref]]) {
    if (!url) throw new Error(`no ${name} page to open`);
    await openPage(page, url);
    const seen = await page.evaluate(() => {
      const link = document.querySelector('link[rel="alternate"][type="text/markdown"]');
      const box = document.querySelector(".copy-markdown");
      const button = box && box.querySelector("button");
      return {
        path: location.pathname,
        alternate: link ? link.href : null,
        boxHidden: box ? box.hidden : null,
        buttonVisible: !!(button && button.getClientRects().length > 0),
        buttonText: button ? button.textContent : null,
      };
    });
    if (seen.alternate) {
      const answer = await page.request.get(seen.alternate);
      seen.alternateStatus = answer.status();
      seen.alternateType = answer.headers()["content-type"] || "";
    }
    // Something else on the clipboard first: a copy that never happens shows.
    await page.evaluate(() => navigator.clipboard.writeText("(the clipboard before the click)"));
    await page.click(".copy-markdown button");
    await page.waitForFunction(() => {
      const s = document.querySelector(".copy-markdown-status");
      return s && s.textContent && s.textContent !== "Copying…";
    }, null, { timeout: 10_000 });
    seen.status = await page.textContent(".copy-markdown-status");
    seen.statusLive = await page.getAttribute(".copy-markdown-status", "aria-live");
    seen.clipboard = await page.evaluate(() => navigator.clipboard.readText());
    seen.csp = await page.evaluate(() => window.__cspViolations);
    out.pages.push({ name, ...seen });
  }
  await context.close();
  const noScript = await browser.newContext({ javaScriptEnabled: false, serviceWorkers: "block" });
  await watch.attach(noScript);
  const bare = await noScript.newPage();
  await bare.goto(runbook, { waitUntil: "load" });
  out.withoutScript = {
    buttonCount: await bare.locator(".copy-markdown button").count(),
    buttonVisible: await bare.locator(".copy-markdown button").isVisible(),
  };
  await noScript.close();
  return out;
}

async function scenarioScreenshots(env) {
  const { browser, watch, root, args } = env;
  const shots = [];
  const pages = [
    { name: "home", path: "" },
    { name: "librechat", path: "runbooks/librechat/" },
  ];
  for (const width of [1280, 375]) {
    const context = await browser.newContext({ viewport: { width, height: 800 }, serviceWorkers: "block" });
    await watch.attach(context);
    const page = await context.newPage();
    for (const theme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: theme });
      for (const p of pages) {
        await openPage(page, root + p.path);
        const file = path.join(args.out, `${p.name}-${theme}-${width}.png`);
        await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
        const size = await page.evaluate(() => ({
          width: document.documentElement.scrollWidth,
          height: document.documentElement.scrollHeight,
        }));
        shots.push({ page: p.name, theme, width, file, bytes: fs.statSync(file).size, document: size });
      }
    }
    await context.close();
  }
  return { shots };
}

/** Every page of the site: folders with an index.html (not pagefind/), and 404.html. */
function sitePages(site) {
  const found = [];
  const walk = (dir, rel) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (rel === "" && (e.name === "pagefind" || e.name === "static")) continue;
        walk(path.join(dir, e.name), rel + e.name + "/");
      } else if (e.name === "index.html") {
        found.push(rel);
      }
    }
  };
  walk(site, "");
  found.sort();
  if (fs.existsSync(path.join(site, "404.html"))) found.push("404.html");
  return found;
}

async function scenarioXss(env) {
  const { browser, watch, root, args } = env;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  await watch.attach(context);
  // Runs before any page script: any alert/confirm/prompt/print sets a flag.
  await context.addInitScript(() => {
    window.__xss = [];
    for (const name of ["alert", "confirm", "prompt", "print"]) {
      window[name] = function (...a) {
        window.__xss.push(name + "(" + a.map(String).join(",") + ")");
      };
    }
  });
  const page = await context.newPage();
  const pages = [];
  for (const rel of sitePages(args.site)) {
    await openPage(page, root + rel);
    // Give any injected handler (onerror of a broken <img>, etc.) time to fire.
    await sleep(150);
    const seen = await page.evaluate(() => {
      const all = Array.from(document.querySelectorAll("*"));
      const onAttrs = [];
      const jsUrls = [];
      for (const el of all) {
        for (const a of Array.from(el.attributes)) {
          if (/^on/i.test(a.name)) onAttrs.push(`${el.tagName.toLowerCase()}[${a.name}]`);
          const v = a.value.replace(/[\u0000-\u0020]/g, "").toLowerCase();
          if (/^(href|src|action|formaction|xlink:href|data|srcset|poster)$/i.test(a.name) && /^(javascript|vbscript|data:text\/html)/.test(v)) {
            jsUrls.push(`${el.tagName.toLowerCase()}[${a.name}=${a.value}]`);
          }
        }
      }
      return {
        title: document.title,
        scripts: Array.from(document.scripts, (s) => s.getAttribute("src") || `inline: ${s.textContent.slice(0, 80)}`),
        onAttrs,
        jsUrls,
        javascriptLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
        embeds: Array.from(document.querySelectorAll("iframe, object, embed, frame, base, form[action], [formaction], meta[http-equiv=refresh]"), (e) => e.outerHTML.slice(0, 120)),
        images: Array.from(document.images, (i) => i.getAttribute("src")),
        xss: window.__xss,
        text: document.body.innerText,
      };
    });
    pages.push({ path: rel, url: page.url(), ...seen });
  }

  // Search over hostile text: excerpts keep only <mark>, nothing runs.
  await openPage(page, root);
  await page.keyboard.press("/");
  await page.keyboard.type("alert", { delay: 15 });
  const panel = await searchSettled(page);
  await sleep(150);
  const search = { panel, xss: await page.evaluate(() => window.__xss) };
  await context.close();
  return { pages, search };
}

// Every element that reaches past the viewport's left or right edge, in
// or out of a scroll container (inside one it still needs a sideways
// scroll to be read): [selector, left, right, text], the first 12.
function pastTheEdges(w) {
  const describe = (el) =>
    el.tagName.toLowerCase() + (el.className && typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const overflowing = [];
  for (const el of document.body.querySelectorAll("*")) {
    // A visually hidden element is a 1-px box that no one sees.
    if (el.closest(".visually-hidden")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > w + 0.5 || r.left < -0.5) {
      const parent = el.parentElement ? describe(el.parentElement) : "";
      overflowing.push({ element: `${parent} > ${describe(el)}`, left: Math.round(r.left), right: Math.round(r.right), text: (el.textContent || "").trim().slice(0, 60) });
    }
  }
  return overflowing;
}

async function measureLayout(context, name, url, scheme, width, act) {
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme: scheme });
  await openPage(page, url);
  await sleep(1000);
  // The shift of the load alone: what the action then moves (results
  // arriving in the panel) is the reader's doing.
  const load = await page.evaluate(() => ({ cls: window.__cls, shifts: window.__shifts }));
  if (act) await act(page);
  const seen = await page.evaluate(`(() => { const pastTheEdges = ${pastTheEdges.toString()};
    const se = document.scrollingElement;
    const overflowing = pastTheEdges(${width});
    const shown = (sel) => [...document.querySelectorAll(sel)].filter((e) => e.getClientRects().length > 0).length;
    return {
      scrollWidth: se.scrollWidth,
      clientWidth: se.clientWidth,
      innerWidth: window.innerWidth,
      overflowing: overflowing.slice(0, 12),
      overflowCount: overflowing.length,
      // The stacked layouts: a matrix row and a route row are blocks,
      // each matrix cell names its route.
      matrixRowDisplay: document.querySelector("tr.matrix-row") ? getComputedStyle(document.querySelector("tr.matrix-row")).display : null,
      cellRoutesShown: shown("tr.matrix-row:not([hidden]) .cell-route"),
      cells: document.querySelectorAll("tr.matrix-row:not([hidden]) td").length,
      routeRowDisplay: document.querySelector("table.routes tbody tr") ? getComputedStyle(document.querySelector("table.routes tbody tr")).display : null,
      panelOpen: !!document.getElementById("search-panel") && !document.getElementById("search-panel").hidden,
      results: shown("#search-results > li"),
      firstResultInView: (() => {
        const li = document.querySelector("#search-results > li");
        if (!li) return null;
        const r = li.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight;
      })(),
      filtersShown: shown(".search-filters select"),
    }; })()`);
  const result = { page: name, theme: scheme, url: page.url(), width, ...seen, ...load };
  await page.close();
  return result;
}

// The open search panel: a query typed, its results listed.
async function openSearch(page, word) {
  await page.click("#search-input");
  await page.keyboard.type(word, { delay: 15 });
  await searchSettled(page);
}

// A home page that holds only the first page of a large matrix: filters,
// sorting and "show more" work over every runbook (from matrix.json).
async function scenarioMatrix(env) {
  const { browser, watch, root, args } = env;
  const out = {};
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  await watch.attach(context);
  const page = await context.newPage();
  await openPage(page, root);
  const view = () => page.evaluate(() => ({
    visible: Array.from(document.querySelectorAll("tr.matrix-row"))
      .filter((r) => !r.hidden && !r.closest("tbody").hidden)
      .map((r) => ({ title: r.querySelector("th a").textContent, href: r.querySelector("th a").getAttribute("href"), category: r.dataset.category, cells: r.querySelectorAll("td .mark").length })),
    count: document.querySelector(".matrix-count").textContent,
    moreHidden: document.querySelector(".matrix-more") ? document.querySelector(".matrix-more").hidden : null,
  }));
  const settle = async (before) => {
    await page.waitForFunction((b) => document.querySelector(".matrix-count").textContent !== b || document.querySelectorAll("tr.matrix-row").length > 100, before, { timeout: 10000 }).catch(() => {});
    await page.waitForTimeout(200);
    return view();
  };
  out.initial = await view();
  let before = out.initial.count;
  await page.locator('select[name="category"]').selectOption(args.category);
  out.filtered = await settle(before);
  await page.locator('button[type="reset"]').first().click();
  await page.waitForTimeout(300);
  out.reset = await view();
  out.more = [];
  for (let i = 0; i < 4 && !(await view()).moreHidden; i++) {
    await page.locator("[data-more]").click();
    await page.waitForTimeout(300);
    out.more.push(await view());
  }
  before = (await view()).count;
  await page.locator('select[name="sort"]').selectOption("client");
  await page.waitForTimeout(300);
  out.sorted = await view();
  out.url = page.url();
  await context.close();
  return out;
}

const CLS_OBSERVER = () => {
  window.__cls = 0;
  window.__shifts = [];
  const describe = (n) => {
    if (!n || n.nodeType !== 1) return n ? n.nodeName : null;
    return n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") + (n.className && typeof n.className === "string" ? "." + n.className.trim().split(/\s+/).join(".") : "");
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        window.__cls += e.value;
        window.__shifts.push({ value: e.value, time: e.startTime, sources: (e.sources || []).map((s) => describe(s.node)) });
      }
    }).observe({ type: "layout-shift", buffered: true });
  } catch (e) {
    window.__cls = -1;
  }
};

// Phones (360 and 390 px, light and dark): what reaches past the screen's
// edges on the home page, a runbook, a route page and the open search panel
// (its filters folded, then unfolded), and the layout shift while loading;
// the keyboard hints on a touch screen and without one; the matrix at
// 1280x800: no scroll box of its own, its header stuck to the top of the
// window as the page scrolls.
async function scenarioLayout(env) {
  const { browser, watch, root } = env;
  const pages = [];
  const targets = [
    ["home", "", null],
    ["runbook librechat", "runbooks/librechat/", null],
    ["route post-v1-embeddings", "routes/post-v1-embeddings/", null],
    ["search panel", "", (page) => openSearch(page, "chat")],
    ["search panel, filters unfolded", "", async (page) => {
      await openSearch(page, "chat");
      if (await page.isVisible(".search-filters-toggle")) await page.click(".search-filters-toggle");
    }],
  ];
  for (const width of [360, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 760 }, serviceWorkers: "block" });
    await watch.attach(context);
    await context.addInitScript(CLS_OBSERVER);
    // One scheme at a time, its pages side by side: each waits 1 s after load.
    for (const scheme of ["light", "dark"]) {
      const batch = await Promise.all(targets.map(([name, rel, act]) => measureLayout(context, name, root + rel, scheme, width, act)));
      pages.push(...batch);
    }
    await context.close();
  }

  // Keyboard hints: shown with a mouse, not on a touch screen.
  const hints = [];
  for (const touch of [false, true]) {
    const context = await browser.newContext({ viewport: { width: 390, height: 760 }, hasTouch: touch, isMobile: touch, serviceWorkers: "block" });
    await watch.attach(context);
    const page = await context.newPage();
    await openPage(page, root);
    const shown = (sel) => page.evaluate((s) => {
      const e = document.querySelector(s);
      return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
    }, sel);
    const slashHint = await shown(".search-hint");
    if (touch) await page.tap("#search-input");
    else await page.click("#search-input");
    await page.keyboard.type("chat", { delay: 15 });
    await searchSettled(page);
    hints.push({
      touch,
      media: await page.evaluate(() => ({ hoverNone: matchMedia("(hover: none)").matches, coarse: matchMedia("(pointer: coarse)").matches })),
      slashHint,
      keysLine: await shown(".search-keys"),
    });
    await context.close();
  }

  // The matrix on a desktop screen.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: "block" });
  await watch.attach(context);
  const page = await context.newPage();
  await openPage(page, root);
  const matrix = () => page.evaluate(() => {
    const box = document.querySelector(".matrix-scroll");
    const table = document.querySelector("table.matrix");
    // The header cells stick, not the row group that holds them.
    const head = table.tHead.rows[0].cells[0].getBoundingClientRect();
    const rows = [...table.querySelectorAll("tr.matrix-row")].filter((r) => {
      const b = r.getBoundingClientRect();
      return b.height > 0 && b.top >= head.bottom - 1 && b.bottom <= innerHeight;
    });
    const style = getComputedStyle(box);
    return {
      overflowY: style.overflowY,
      boxScrollHeight: box.scrollHeight,
      boxClientHeight: box.clientHeight,
      pageScrollWidth: document.scrollingElement.scrollWidth,
      tableTop: Math.round(table.getBoundingClientRect().top),
      headTop: Math.round(head.top),
      headBottom: Math.round(head.bottom),
      rowsInView: rows.length,
      scrollY: Math.round(scrollY),
    };
  });
  const desktop = { atLoad: await matrix() };
  // Scroll the page so that the table's top is well above the window.
  await page.evaluate(() => {
    const table = document.querySelector("table.matrix");
    scrollTo(0, scrollY + table.getBoundingClientRect().top + 400);
  });
  await sleep(200);
  desktop.scrolled = await matrix();
  await context.close();
  return { pages, hints, desktop };
}

// A view's one URL (`?route=R&support=S`), the row a link opens
// (`#route-<id>`) and a matrix cell's note, as a reader meets them; axe on
// each of those states in light and dark. `--plan` holds:
// {"filters": [{"route", "support"}], "target": {"slug", "route"} | null,
//  "note": {"slug", "route"} | null, "axe": bool}.
async function scenarioDeepLinks(env) {
  const { browser, watch, root, args } = env;
  const plan = JSON.parse(fs.readFileSync(args.plan, "utf8"));
  const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  const out = { filters: [], runs: [] };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: !!plan.axe, serviceWorkers: "block" });
  await watch.attach(context);
  const page = await context.newPage();
  const axe = async (name) => {
    if (!plan.axe) return;
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      out.runs.push({ page: name, theme: scheme, ...(await runAxe(page, axeSource)) });
    }
    await page.emulateMedia({ colorScheme: "light" });
  };

  // The filter from the address, every matching row shown ("show more"
  // until it goes): the rows, each one's cell of that route.
  for (const f of plan.filters) {
    await openPage(page, `${root}?route=${encodeURIComponent(f.route)}&support=${encodeURIComponent(f.support)}`);
    await page.waitForLoadState("networkidle");
    await sleep(300);
    let clicks = 0;
    while (clicks < 200 && (await page.isVisible(".matrix-more [data-more]"))) {
      await page.click(".matrix-more [data-more]");
      await sleep(100);
      clicks += 1;
    }
    const seen = await page.evaluate((route) => {
      const col = [...document.querySelectorAll("table.matrix thead th")].findIndex((th) => th.dataset.route === route);
      const rows = [...document.querySelectorAll("tr.matrix-row")].filter((r) => !r.hidden && !r.closest("tbody").hidden && r.getClientRects().length > 0);
      return {
        column: col,
        rows: rows.map((r) => {
          const cell = r.cells[col];
          const link = cell && cell.querySelector("a.cell");
          const noteId = link && link.getAttribute("aria-describedby");
          const note = noteId ? document.getElementById(noteId) : null;
          const mark = cell && cell.querySelector(".mark");
          return {
            title: r.querySelector("th a").textContent,
            href: link ? link.getAttribute("href") : null,
            verdict: mark ? mark.dataset.verdict : null,
            words: mark ? mark.querySelector(".mark-text").textContent : null,
            note: note ? note.textContent : null,
            noteInCell: !!note && cell.contains(note),
          };
        }),
        count: document.querySelector(".matrix-count").textContent,
        empty: !document.querySelector(".matrix-empty").hidden,
        routeSelect: document.querySelector('select[name="route"]').value,
        supportSelect: document.querySelector('select[name="support"]').value,
        search: location.search,
      };
    }, f.route);
    out.filters.push({ ...f, clicks, ...seen });
  }
  if (plan.filters.length) await axe("home filtered by a route's support");

  // A support level with no route (plan.supportOnly): what the view and
  // its controls say.
  if (plan.supportOnly) {
    await openPage(page, `${root}?support=${encodeURIComponent(plan.supportOnly)}`);
    await page.waitForLoadState("networkidle");
    await sleep(300);
    out.supportOnly = await page.evaluate(() => {
      const support = document.querySelector('select[name="support"]');
      return {
        search: location.search,
        routeSelect: document.querySelector('select[name="route"]').value,
        supportSelect: support.value,
        supportShows: support.selectedOptions[0] ? support.selectedOptions[0].textContent : null,
        supportDisabled: support.disabled,
        rows: [...document.querySelectorAll("tr.matrix-row")].filter((r) => !r.hidden && !r.closest("tbody").hidden && r.getClientRects().length > 0).length,
        count: document.querySelector(".matrix-count").textContent,
      };
    });
  }

  // The row a link opens.
  if (plan.target) {
    const id = "route-" + plan.target.route;
    await openPage(page, `${root}runbooks/${plan.target.slug}/#${id}`);
    await sleep(300);
    out.target = await page.evaluate((id) => {
      const row = document.getElementById(id);
      if (!row) return { found: false };
      // What sticks to the top of the window, whatever it is.
      let stuck = 0;
      for (const el of document.querySelectorAll("body *")) {
        const pos = getComputedStyle(el).position;
        if (pos !== "sticky" && pos !== "fixed") continue;
        const r = el.getBoundingClientRect();
        if (r.height > 0 && r.top <= 1 && r.bottom > 0) stuck = Math.max(stuck, r.bottom);
      }
      const r = row.getBoundingClientRect();
      const other = [...row.parentElement.children].find((tr) => tr !== row);
      const bg = (tr) => getComputedStyle(tr.querySelector("td")).backgroundColor + " " + getComputedStyle(tr).backgroundColor;
      return {
        found: true,
        tag: row.tagName,
        top: r.top,
        bottom: r.bottom,
        innerHeight,
        scrollY,
        stuckBottom: stuck,
        target: row.matches(":target"),
        ariaCurrent: row.getAttribute("aria-current"),
        linked: row.classList.contains("linked"),
        look: bg(row),
        otherLook: other ? bg(other) : null,
        marked: document.querySelectorAll("tr[aria-current]").length,
      };
    }, id);
    await axe("runbook with a linked route row");
  }

  // A cell's note, by keyboard: Tab from the row's client link lands on
  // the first cell; then to the cell of plan.note.route.
  if (plan.note) {
    await openPage(page, root);
    const cdp = await context.newCDPSession(page);
    const href = `${args.base}runbooks/${plan.note.slug}/`;
    const description = () => focusedCellAx(cdp);
    const focused = () => page.evaluate(() => {
      const a = document.activeElement;
      const td = a && a.closest("td");
      const note = td && td.querySelector(".cell-note");
      const r = note ? note.getBoundingClientRect() : null;
      return {
        tag: a ? a.tagName : null,
        href: a ? a.getAttribute("href") : null,
        cellLink: !!a && a.matches("a.cell"),
        describedBy: a ? a.getAttribute("aria-describedby") : null,
        note: note ? note.textContent : null,
        noteVisible: !!r && r.width > 0 && r.height > 0 && getComputedStyle(note).visibility !== "hidden",
        noteInViewport: !!r && r.left >= 0 && r.right <= innerWidth,
      };
    });
    await page.focus(`tr.matrix-row th a[href="${href}"]`);
    const col = await page.evaluate((route) => [...document.querySelectorAll("table.matrix thead th")].findIndex((th) => th.dataset.route === route), plan.note.route);
    const tabs = [];
    for (let i = 0; i < Math.max(col, 1); i++) {
      await page.keyboard.press("Tab");
      tabs.push(await focused());
    }
    const note = { column: col, tabs, atCell: await focused(), ax: await description() };
    await axe("home with a cell's note shown by keyboard focus");
    await page.keyboard.press("Escape");
    note.afterEscape = await focused();
    // Hover shows it again, and it stays while the pointer is over it.
    await page.mouse.move(0, 0);
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    note.refocused = await focused();
    const cell = page.locator(`tr.matrix-row:has(th a[href="${href}"]) td`).nth(col - 1);
    await page.evaluate(() => document.activeElement.blur());
    await cell.locator("a.cell").hover();
    const hovered = () => cell.evaluate((td) => {
      const n = td.querySelector(".cell-note");
      const r = n.getBoundingClientRect();
      return { visible: r.width > 0 && r.height > 0, x: r.left + r.width / 2, y: r.top + Math.min(r.height / 2, 8) };
    });
    note.hover = await hovered();
    if (note.hover.visible) {
      await page.mouse.move(note.hover.x, note.hover.y, { steps: 4 });
      note.overNote = await hovered();
      await page.keyboard.press("Escape");
      note.hoverEscape = await hovered();
    }
    out.note = note;
  }
  await context.close();
  return out;
}

// A site whose search index comes in parts (plan: {common, lastWord}): what
// the search box fetches and when. The box clicked and plan.common typed
// (a word found on more pages than one page of results lists): the
// requests the server saw until the first result showed, and those of the
// whole search; the filters' chunks fetched before and after the pointer
// comes to the filters; then "Show more" until it goes; then
// plan.lastWord, listed to its end the same way.
async function scenarioSearchParts(env) {
  const { browser, watch, root, args, served } = env;
  const plan = JSON.parse(fs.readFileSync(args.plan, "utf8"));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  await watch.attach(context);
  const page = await context.newPage();
  // The first moment (epoch ms) a result is in the list.
  await page.addInitScript(() => {
    window.__firstResult = null;
    new MutationObserver(() => {
      if (window.__firstResult === null && document.querySelector("#search-results > li")) {
        window.__firstResult = performance.timeOrigin + performance.now();
      }
    }).observe(document, { subtree: true, childList: true });
  });
  const log = served.log;
  const since = (from) => log.slice(from).map(({ url, t, done, status }) => ({ url, t, done, status }));
  const showAll = async () => {
    const clicks = [];
    for (let i = 0; i < 100 && (await page.isVisible(".search-more")); i++) {
      const before = (await readPanel(page)).results.length;
      clicks.push({ text: (await page.textContent(".search-more")).trim(), listed: before });
      await page.click(".search-more");
      await page.waitForFunction((n) => document.querySelectorAll("#search-results > li").length > n, before, { timeout: 10000 });
    }
    return { clicks, panel: await searchSettled(page) };
  };
  const out = {};
  await openPage(page, root);
  const opened = log.length;
  await page.click("#search-input");
  const typedFrom = log.length;
  out.typedAt = epochNow();
  // The word comes as one input: typed key by key, a machine slow enough
  // to pause past the search's debounce between two keys would search a
  // prefix too, and fetch that search's results besides.
  await page.keyboard.insertText(plan.common);
  out.common = await searchSettled(page);
  out.firstResultAt = await page.evaluate(() => window.__firstResult);
  out.moreShown = await page.isVisible(".search-more");
  out.moreText = out.moreShown ? (await page.textContent(".search-more")).trim() : null;
  // No filter chunk until the filters are wanted; then their values fill.
  await sleep(500);
  out.filterRequestsBeforeHover = since(opened).filter((r) => r.url.includes("/filter/")).map((r) => r.url);
  out.filterOptionsBeforeHover = await page.evaluate(() => [...document.querySelectorAll(".search-filters select")].map((s) => s.options.length));
  await wantFilters(page).catch(() => {});
  out.filterOptions = await page.evaluate(() => [...document.querySelectorAll(".search-filters select")].map((s) => s.options.length));
  out.requests = since(opened);
  out.typedFrom = typedFrom - opened;
  const afterCommon = log.length;
  out.commonAll = await showAll();
  out.showMoreRequests = since(afterCommon);
  // ArrowDown moves over what is listed; the last item stays selected.
  await page.fill("#search-input", "");
  await page.waitForFunction(() => /^Type to search/.test(document.querySelector(".search-status").textContent));
  await page.keyboard.type(plan.lastWord, { delay: 15 });
  out.last = await searchSettled(page);
  out.lastAll = await showAll();
  await context.close();
  return out;
}

// A search in the address: typed and a facet chosen, on a home page whose
// matrix is filtered too (`?category=...`); reloaded; then cleared.
// --word W --category ID (the matrix's) --facet LABEL (the search's Category).
// With --plan: the route verdict filter's groups; plan.routeVerdict (an
// option's value) chosen, then reloaded; each of plan.links (an address
// below the site's root) opened as a shared link.
async function scenarioSearchUrl(env) {
  const { browser, watch, root, args } = env;
  const plan = args.plan ? JSON.parse(fs.readFileSync(args.plan, "utf8")) : {};
  const out = {};
  const facetValues = () => page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll(".search-filters select[data-filter]")].map((s) => [s.dataset.filter, s.value])));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  await watch.attach(context);
  const page = await context.newPage();
  await openPage(page, `${root}?category=${encodeURIComponent(args.category)}`);
  out.historyBefore = await page.evaluate(() => history.length);
  await page.click("#search-input");
  await page.keyboard.type(args.word, { delay: 30 });
  const typed = await searchSettled(page);
  out.typed = { search: await page.evaluate(() => location.search), history: await page.evaluate(() => history.length), count: typed.results.length };
  await wantFilters(page);
  await page.locator('.search-filters select[data-filter="Category"]').selectOption({ label: args.facet });
  const before = await searchSettled(page);
  out.before = {
    search: await page.evaluate(() => location.search),
    first: before.results[0] || null,
    count: before.results.length,
    status: before.status,
  };
  await page.reload({ waitUntil: "load" });
  const after = await searchSettled(page);
  out.after = {
    search: await page.evaluate(() => location.search),
    input: await page.inputValue("#search-input"),
    facet: await page.evaluate(() => {
      const s = document.querySelector('.search-filters select[data-filter="Category"]');
      return s ? s.value : null;
    }),
    matrixCategory: await page.evaluate(() => document.querySelector('select[name="category"]').value),
    panelHidden: after.panelHidden,
    first: after.results[0] || null,
    count: after.results.length,
    status: after.status,
  };
  // Cleared: the words gone, the facet back to any.
  await page.fill("#search-input", "");
  await page.locator('.search-filters select[data-filter="Category"]').selectOption("");
  await page.waitForFunction(() => /^Type to search/.test(document.querySelector(".search-status").textContent));
  out.cleared = { search: await page.evaluate(() => location.search) };

  if (plan.routeVerdict) {
    const select = page.locator('.search-filters select[data-filter="Route verdict"]');
    out.routeGroups = await select.evaluate((s) => [...s.querySelectorAll("optgroup")].map((g) => g.label));
    await page.fill("#search-input", args.word);
    await select.selectOption(plan.routeVerdict);
    const chosen = await searchSettled(page);
    out.routeVerdict = { search: await page.evaluate(() => location.search), first: chosen.results[0] || null, count: chosen.results.length };
    await page.reload({ waitUntil: "load" });
    const reloaded = await searchSettled(page);
    out.routeVerdictAfter = {
      search: await page.evaluate(() => location.search),
      facets: await facetValues(),
      first: reloaded.results[0] || null,
      count: reloaded.results.length,
    };
  }
  out.links = [];
  for (const link of plan.links || []) {
    await openPage(page, root + link);
    const seen = await searchSettled(page);
    out.links.push({
      link,
      search: await page.evaluate(() => location.search),
      input: await page.inputValue("#search-input"),
      facets: await facetValues(),
      first: seen.results[0] || null,
      count: seen.results.length,
      status: seen.status,
    });
  }
  await context.close();
  return out;
}

// -------------------------------------------------------------------- serve
/** Polls `probe` (which may throw while the page navigates) until it returns a truthy value. */
async function until(probe, timeoutMs, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch {
      // The execution context went away: the page is reloading.
    }
    if (Date.now() > deadline) return null;
    await sleep(everyMs);
  }
}

async function scenarioServe(env) {
  const { browser, watch, args, root, responses } = env;
  const plan = JSON.parse(fs.readFileSync(args.plan, "utf8"));
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, serviceWorkers: "block" });
  await watch.attach(context);
  context.on("response", (r) => responses.push({ method: r.request().method(), url: r.url(), status: r.status() }));
  let waits = 0;
  context.on("request", (r) => {
    if (r.url().includes("/__gtdocs/wait")) waits += 1;
  });
  const page = await context.newPage();
  const out = { page: plan.page, steps: [] };
  const waitSeen = page.waitForRequest((r) => r.url().includes("/__gtdocs/wait"), { timeout: 15_000 }).then(
    () => true,
    () => false,
  );
  await openPage(page, root + plan.page);
  out.listening = await waitSeen;
  // Let the long-poll reach the server before the first edit.
  await sleep(300);
  out.scrollHeight = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.evaluate((y) => window.scrollTo(0, y), plan.scrollTo);
  await sleep(200);
  out.before = await page.evaluate(() => ({ scrollY: window.scrollY }));

  const state = () =>
    page.evaluate(() => {
      const o = document.getElementById("gtdocs-overlay");
      let visible = false;
      if (o) {
        const r = o.getBoundingClientRect();
        const cs = getComputedStyle(o);
        visible = r.width > 0 && r.height > 0 && cs.display !== "none" && cs.visibility !== "hidden" && cs.opacity !== "0";
      }
      return {
        marker: window.__gtdocsMarker || null,
        ready: document.readyState,
        scrollY: window.scrollY,
        text: document.body ? document.body.innerText : "",
        overlay: !!o,
        overlayVisible: visible,
        overlayText: o ? o.innerText || o.textContent : null,
      };
    });

  let previousText = null;
  const others = []; // pages opened while broken
  for (const step of plan.steps) {
    const marker = `before-${step.name}`;
    await page.evaluate((m) => {
      window.__gtdocsMarker = m;
    }, marker);
    const written = Date.now();
    fs.writeFileSync(plan.file, step.content);
    const r = { name: step.name };
    if (step.expectText) {
      const seen = await until(async () => {
        const s = await state();
        return s.ready === "complete" && s.text.includes(step.expectText) && !s.overlay ? s : null;
      }, 20_000);
      r.shown = !!seen;
      r.ms = Date.now() - written;
      if (seen) {
        r.reloaded = seen.marker !== marker;
        // Scroll restoration may land a moment after load.
        const t = Date.now();
        let s = seen;
        while (Date.now() - t < 2000 && Math.abs(s.scrollY - plan.scrollTo) > 50) {
          await sleep(100);
          s = (await until(state, 2000)) || s;
        }
        r.scrollY = s.scrollY;
        r.overlayGone = !s.overlay;
      } else {
        const s = await until(state, 2000);
        r.last = s ? { ...s, text: s.text.slice(0, 400) } : null;
        r.overlayGone = s ? !s.overlay : null;
      }
      previousText = step.expectText;
    }
    if (step.expectOverlay) {
      const seen = await until(async () => {
        const s = await state();
        return s.overlay ? s : null;
      }, 20_000);
      r.overlay = !!seen;
      r.ms = Date.now() - written;
      if (seen) {
        // Let it settle, then read it again.
        await sleep(300);
        const s = (await until(state, 2000)) || seen;
        r.overlayText = s.overlayText;
        r.overlayVisible = s.overlayVisible;
        r.reloaded = s.marker !== marker;
        r.stillShowsLastGood = previousText === null || s.text.includes(previousText);
      }
      // Other pages opened while the source is broken show it too.
      r.others = [];
      for (const rel of plan.alsoWhileBroken || []) {
        const other = await context.newPage();
        if (rel.startsWith("no/such/")) watch.quietUrls.add(root + rel); // a 404 on purpose
        await openPage(other, root + rel);
        const o = await until(
          () => other.evaluate(() => {
            const el = document.getElementById("gtdocs-overlay");
            return el ? { overlayText: el.innerText || el.textContent } : null;
          }),
          10_000,
        );
        r.others.push({ page: rel, overlay: !!o, overlayText: o ? o.overlayText : null });
        others.push({ rel, page: other });
      }
    }
    if (step.expectText && others.length) {
      // The other pages lose the overlay once the source is fixed.
      r.others = [];
      for (const { rel, page: other } of others) {
        const gone = await until(
          () => other.evaluate(() => document.readyState === "complete" && !document.getElementById("gtdocs-overlay")),
          10_000,
        );
        r.others.push({ page: rel, overlayGone: !!gone });
      }
    }
    out.steps.push(r);
    // Let the page settle before the next edit.
    await sleep(500);
  }
  out.waitRequests = waits;
  await context.close();
  return out;
}

/**
 * Many pages of `gtdocs serve` open at once, as tabs: each page but the
 * newest is in the background (document.hidden, emulated: Playwright keeps
 * every page visible), and each runs live.js. Records how long each new tab
 * and then a link followed in the front tab take to load. Browsers allow 6
 * HTTP/1.1 connections per host: pages that each hold a long-poll open can
 * starve the next page load.
 */
async function scenarioServeTabs(env) {
  const { browser, watch, args, root, responses } = env;
  const plan = JSON.parse(fs.readFileSync(args.plan, "utf8"));
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, serviceWorkers: "block" });
  await watch.attach(context);
  context.on("response", (r) => responses.push({ method: r.request().method(), url: r.url(), status: r.status() }));
  await context.addInitScript(() => {
    let hidden = false;
    Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
    Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => hidden });
    window.__gtdocsSetHidden = (h) => {
      hidden = h;
      document.dispatchEvent(new Event("visibilitychange"));
    };
  });
  const timeout = plan.timeoutMs || 15_000;
  const load = async (page, url) => {
    const t = Date.now();
    try {
      await page.goto(url, { waitUntil: "load", timeout });
      return { ok: true, ms: Date.now() - t };
    } catch (e) {
      return { ok: false, ms: Date.now() - t, error: String(e.message || e).split("\n")[0] };
    }
  };
  const tabs = [];
  const loads = [];
  for (const rel of plan.pages) {
    // Opening a tab sends the one in front to the background.
    if (tabs.length) await tabs[tabs.length - 1].evaluate(() => window.__gtdocsSetHidden(true)).catch(() => {});
    const page = await context.newPage();
    loads.push({ page: rel, ...(await load(page, root + rel)) });
    tabs.push(page);
    // Let its live.js start its long-poll.
    await sleep(300);
  }
  const front = tabs[tabs.length - 1];
  const navigation = { page: plan.navigateTo, ...(await load(front, root + plan.navigateTo)) };
  const waits = responses.filter((r) => r.url.includes("/__gtdocs/wait")).length;
  await context.close();
  return { loads, navigation, waitResponses: waits };
}

// --------------------------------------------------------------------- main
async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.out, { recursive: true });
  const resultFile = path.join(path.resolve(args.out), `${args.scenario}.json`);
  const started = Date.now();
  const result = {
    scenario: args.scenario,
    site: args.site ? path.resolve(args.site) : null,
    url: args.url || null,
    base: args.base,
    node: process.version,
    playwright: require("playwright-core/package.json").version,
    chromium: null,
    origin: null,
    durationMs: 0,
    error: null,
    data: null,
  };
  let served = null;
  const responses = []; // the serve scenario's view of an outside server
  let browser = null;
  let watch = null;
  // A hung browser must not hang the test: give up after 150 s.
  const watchdog = setTimeout(() => {
    result.error = "run.mjs: scenario did not finish within 150 s";
    fs.writeFileSync(resultFile, JSON.stringify(result, null, 2));
    process.stderr.write(result.error + "\n");
    process.exit(1);
  }, 150_000);
  try {
    if (args.url) {
      result.origin = new URL(args.url).origin;
    } else {
      served = await serve(args.site, args.base);
      result.origin = served.origin;
    }
    watch = new Watch(result.origin);
    const { chromium } = await import("playwright-core");
    // launch() gives Chromium a fresh temporary --user-data-dir and removes it on close.
    browser = await chromium.launch({
      executablePath: args.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
    result.chromium = browser.version();
    const env = { browser, watch, args, root: result.origin + args.base, responses, served };
    result.data = await SCENARIOS[args.scenario](env);
  } catch (e) {
    result.error = (e && e.stack) || String(e);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (served) served.server.close();
    clearTimeout(watchdog);
  }
  if (watch) Object.assign(result, watch.report());
  if (served) {
    result.served = served.log.length;
    result.notFound = served.log.filter((e) => e.status === 404).map((e) => e.url);
    result.serverErrors = served.log.filter((e) => e.status >= 500 || e.error);
  } else if (args.url) {
    result.served = responses.length;
    result.notFound = responses.filter((e) => e.status === 404).map((e) => e.url);
    result.serverErrors = responses.filter((e) => e.status >= 500);
  }
  result.durationMs = Date.now() - started;
  fs.writeFileSync(resultFile, JSON.stringify(result, null, 2));
  process.stdout.write(`${resultFile}\n`);
  if (result.error) {
    process.stderr.write(`run.mjs: ${args.scenario}: ${result.error}\n`);
    process.exitCode = 1;
  }
}

// Run only as a program, so that `serve` can be imported on its own.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
