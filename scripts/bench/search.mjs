#!/usr/bin/env node
// Browser-search benchmark: gtdocs' search box against Pagefind's own index
// of Hugo's output (the peer of scripts/bench/run.py), in Debian's Chromium
// driven by playwright-core (both installed by scripts/bench/install.sh).
//
//   node scripts/bench/search.mjs --gtdocs-site DIR --peer-site DIR --rare WORD --common WORD \
//        [--runs 7] [--out FILE.json] [--key-gap-ms 120] [--think-ms 300]
//        [--stacks gtdocs,pagefind-ui,pagefind-api] [--chromium /usr/bin/chromium]
//
// --gtdocs-site: gtdocs' site/html folder; --peer-site: Hugo's public/ folder
// with Pagefind's pagefind/ inside and its search page at /search/ (Pagefind's
// default UI). Each folder is served at / on its own 127.0.0.1 port (node:http,
// keep-alive, Cache-Control: max-age=600 as GitHub Pages sends: a new context
// starts with an empty cache, a page asking twice for a file gets it from
// its cache). The bench server adds /__bench/api.html to each site: an input whose
// every input event runs pagefind.js' search(term) (latest wins) and shows the
// first result's data(); on the gtdocs site it merges the index parts named
// by the home page's data-pagefind-parts first, all at once. The browser may
// reach nothing but these two servers.
//
// Stacks: "gtdocs" (the search box on gtdocs' home page), "pagefind-ui" (the
// Hugo site's /search/, Pagefind's UI: 300 ms debounce, preload per key),
// "pagefind-api" on both sites (index structure without any UI).
//
// Per stack x word (rare: found on one page; common) x cache, over --runs runs:
//   cold  a new browser context (empty cache): the page loaded, the box
//         clicked, --think-ms waited, the word typed;
//   warm  the same page: the box cleared (select all, Backspace), 500 ms
//         waited, the word typed again.
// Typing: one key press per character, a key down every --key-gap-ms (120 ms,
// a brisk typist). Measured:
//   first_result_ms  from the keydown of the last character (the page's own
//                    clock) to the first mutation of the results area, after
//                    it, at which a visible result holding the word (its text,
//                    case-insensitive) is there that was not there at that
//                    keydown;
//   requests, bytes  what the server answered (body bytes) for requests that
//                    reached it from the first keydown until that first result
//                    (workers' fetches included: counted at the server);
//   init_*           cold only: what the page fetched from the click until the
//                    first keydown (the runtime and index a focus may load),
//                    and page_* what loading the page fetched.
// Medians over the runs; every sample is in the JSON. A run that shows no
// result within 30 s is a sample with first_result_ms null and an error.
//
// Output: --out FILE.json (default: none) {chromium, playwright, runs,
// key_gap_ms, think_ms, sites, results: [{stack, site, word_kind, word, cache,
// first_result_ms, requests, bytes, ..., samples: [...]}]}, and a Markdown
// table on stdout. Exit 0 when every measurement found its result, 1 otherwise,
// 2 on bad usage.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- arguments
const USAGE =
  "usage: node scripts/bench/search.mjs --gtdocs-site DIR --peer-site DIR --rare WORD --common WORD " +
  "[--runs 7] [--out FILE.json] [--key-gap-ms 120] [--think-ms 300] [--stacks gtdocs,pagefind-ui,pagefind-api] " +
  "[--chromium /usr/bin/chromium]";
const STACKS = ["gtdocs", "pagefind-ui", "pagefind-api"];

function usage(msg) {
  process.stderr.write(`search.mjs: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const known = new Set(["gtdocs-site", "peer-site", "rare", "common", "runs", "out", "key-gap-ms", "think-ms", "stacks", "chromium"]);
  const a = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    if (!k.startsWith("--") || !known.has(k.slice(2)) || i + 1 >= argv.length) usage(`bad argument ${JSON.stringify(k)}`);
    a[k.slice(2)] = argv[i + 1];
  }
  for (const k of ["gtdocs-site", "peer-site", "rare", "common"]) if (!a[k]) usage(`--${k} is required`);
  if (!fs.existsSync(path.join(a["gtdocs-site"], "index.html"))) usage(`no index.html in --gtdocs-site ${a["gtdocs-site"]}`);
  if (!fs.existsSync(path.join(a["peer-site"], "search", "index.html"))) usage(`no search/index.html in --peer-site ${a["peer-site"]}`);
  if (!fs.existsSync(path.join(a["peer-site"], "pagefind", "pagefind.js"))) usage(`no pagefind/pagefind.js in --peer-site ${a["peer-site"]}`);
  const int = (k, d, min) => {
    const v = a[k] === undefined ? d : Number(a[k]);
    if (!Number.isInteger(v) || v < min) usage(`--${k} must be an integer >= ${min}`);
    return v;
  };
  const stacks = (a.stacks || STACKS.join(",")).split(",").filter(Boolean);
  for (const s of stacks) if (!STACKS.includes(s)) usage(`unknown stack ${JSON.stringify(s)}`);
  for (const k of ["rare", "common"]) if (!/^\S+$/.test(a[k])) usage(`--${k} must be one word`);
  return {
    gtdocsSite: path.resolve(a["gtdocs-site"]),
    peerSite: path.resolve(a["peer-site"]),
    rare: a.rare,
    common: a.common,
    runs: int("runs", 7, 1),
    out: a.out || null,
    keyGap: int("key-gap-ms", 120, 0),
    think: int("think-ms", 300, 0),
    stacks,
    chromium: a.chromium || process.env.GTDOCS_CHROMIUM || "/usr/bin/chromium",
  };
}

// ------------------------------------------------------------------- server
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".xml": "application/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".wasm": "application/wasm",
  ".pagefind": "application/octet-stream",
};
const typeOf = (file) => {
  const ext = path.extname(file).toLowerCase();
  if (ext.startsWith(".pf_")) return "application/octet-stream";
  return TYPES[ext] || "application/octet-stream";
};

const now = () => performance.timeOrigin + performance.now();

/** Serves `root` at /, plus `extra` (pathname -> HTML) ; logs every
 *  request: epoch ms of arrival, path, body bytes. */
function serve(root, extra) {
  const log = [];
  const rootReal = fs.realpathSync(root);
  const server = http.createServer((req, res) => {
    const entry = { t: now(), url: req.url, status: 0, bytes: 0 };
    log.push(entry);
    const send = (status, type, body) => {
      entry.status = status;
      entry.bytes = body.length;
      res.writeHead(status, { "Content-Type": type, "Content-Length": body.length, "Cache-Control": "max-age=600" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      return send(400, "text/plain", Buffer.from("bad request\n"));
    }
    if (extra[pathname]) return send(200, TYPES[".html"], Buffer.from(extra[pathname]));
    let file = path.resolve(rootReal, "." + pathname);
    if (file !== rootReal && !file.startsWith(rootReal + path.sep)) return send(404, "text/plain", Buffer.from("not found\n"));
    try {
      if (fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
      return send(200, typeOf(file), fs.readFileSync(file));
    } catch {
      return send(404, "text/plain", Buffer.from("not found\n"));
    }
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ server, log, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

/** The Pagefind runtime, the index parts to merge and the language of a
 *  site: from gtdocs' home page (data-pagefind, data-pagefind-parts) or,
 *  for the peer, /pagefind/pagefind.js and no parts. */
function siteIndex(root, gtdocs) {
  const home = fs.readFileSync(path.join(root, gtdocs ? "index.html" : "search/index.html"), "utf8");
  const lang = (/<html[^>]*\blang="([^"]+)"/.exec(home) || [])[1] || "en";
  if (!gtdocs) return { runtime: "/pagefind/pagefind.js", parts: [], lang };
  const runtime = (/data-pagefind="([^"]+)"/.exec(home) || [])[1];
  if (!runtime) throw new Error(`no data-pagefind in ${root}/index.html`);
  const parts = ((/data-pagefind-parts="([^"]*)"/.exec(home) || [])[1] || "").split(" ").filter(Boolean);
  const base = new URL(".", new URL(runtime, "http://x/"));
  return { runtime, parts: parts.map((p) => new URL(p, base).pathname), lang };
}

/** The API page: Pagefind's search() per input event, latest wins, the
 *  first result's data() shown. Parts merged all at once (as app.js does). */
function apiPage({ runtime, parts, lang }) {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>Pagefind API</title></head>
<body><input id="q" autocomplete="off" aria-label="Search"><div id="out"></div>
<script type="module">
const runtime = ${JSON.stringify(runtime)};
const parts = ${JSON.stringify(parts)};
const q = document.getElementById("q");
const out = document.getElementById("out");
let loading = null;
const load = () => loading || (loading = (async () => {
  const pf = await import(runtime);
  await pf.options({ excerptLength: 24 });
  await Promise.all(parts.map((p) => pf.mergeIndex(p)));
  await pf.init();
  return pf;
})());
q.addEventListener("focus", () => { load(); });
let serial = 0;
q.addEventListener("input", async () => {
  const mine = ++serial;
  const term = q.value.trim();
  if (!term) { out.textContent = ""; return; }
  const pf = await load();
  const { results } = await pf.search(term);
  if (mine !== serial) return;
  if (!results.length) { out.textContent = "No results"; return; }
  const data = await results[0].data();
  if (mine !== serial) return;
  const a = document.createElement("a");
  a.className = "result";
  a.href = data.url;
  a.textContent = (data.meta && data.meta.title) || data.url;
  const p = document.createElement("p");
  p.innerHTML = data.excerpt;
  const div = document.createElement("div");
  div.className = "result";
  div.append(a, p);
  out.replaceChildren(div);
});
</script></body></html>
`;
}

// ------------------------------------------------------------------- stacks
// url: the page; input: the search box; area: what to observe; result: a
// shown result (the whole item, whose text must hold the word).
const PAGES = {
  gtdocs: { url: "/", input: "#search-input", area: "#search-results", result: "#search-results > li" },
  "pagefind-ui": { url: "/search/", input: ".pagefind-ui__search-input", area: "#search", result: ".pagefind-ui__result" },
  "pagefind-api": { url: "/__bench/api.html", input: "#q", area: "#out", result: "#out > .result" },
};

/** In the page: watches for the first result after the last keydown. */
function installProbe({ area, result, word }) {
  const clock = () => performance.timeOrigin + performance.now();
  const probe = { keys: [], last: null, stale: new WeakSet(), found: null, foundTitle: null };
  window.__bench = probe;
  document.addEventListener("keydown", (e) => {
    const t = clock();
    probe.keys.push(t);
    if (probe.armed && probe.keys.length === probe.expect) {
      probe.last = t;
      for (const el of document.querySelectorAll(result)) probe.stale.add(el);
    }
  }, true);
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const check = () => {
    if (probe.last === null || probe.found !== null) return;
    for (const el of document.querySelectorAll(result)) {
      if (probe.stale.has(el) || !visible(el)) continue;
      if (!el.textContent.toLowerCase().includes(word)) continue;
      probe.found = clock();
      probe.foundTitle = el.textContent.trim().slice(0, 80);
      return;
    }
  };
  const start = () => {
    const target = document.querySelector(area);
    if (!target) return setTimeout(start, 20);
    new MutationObserver(check).observe(target, { subtree: true, childList: true, characterData: true, attributes: true });
  };
  start();
  // Arms the probe for the next word: `n` keys, the last one counts.
  probe.arm = (n) => {
    probe.keys = [];
    probe.expect = n;
    probe.last = null;
    probe.found = null;
    probe.foundTitle = null;
    probe.stale = new WeakSet();
    probe.armed = true;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function slice(log, from, to) {
  const hit = log.filter((e) => e.t >= from && (to === null || e.t <= to));
  return { requests: hit.length, bytes: hit.reduce((s, e) => s + e.bytes, 0), urls: hit.map((e) => e.url) };
}

/** Waits until the server saw no request for `quietMs` (max `maxMs`). */
async function quiet(log, quietMs = 400, maxMs = 15_000) {
  const end = Date.now() + maxMs;
  for (;;) {
    const last = log.length ? log[log.length - 1].t : 0;
    if (now() - last >= quietMs || Date.now() > end) return;
    await sleep(50);
  }
}

/** Types `word` into the focused box, one keydown every `gap` ms, and waits
 *  for the first result; returns the sample. */
async function typeAndWait(page, site, word, gap) {
  await page.evaluate((n) => window.__bench.arm(n), word.length);
  const t0 = now();
  for (let i = 0; i < word.length; i++) {
    const due = t0 + i * gap;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    await page.keyboard.press(word[i]);
  }
  let error = null;
  try {
    await page.waitForFunction(() => window.__bench.found !== null, null, { timeout: 30_000, polling: 20 });
  } catch (e) {
    error = `no result within 30 s: ${String(e.message || e).split("\n")[0]}`;
  }
  const p = await page.evaluate(() => ({ keys: window.__bench.keys, last: window.__bench.last, found: window.__bench.found, title: window.__bench.foundTitle }));
  const firstKey = p.keys[0] ?? t0;
  const fetched = slice(site.log, firstKey, p.found);
  const gaps = p.keys.slice(1).map((k, i) => k - p.keys[i]);
  return {
    first_result_ms: p.found === null || p.last === null ? null : round(p.found - p.last),
    requests: fetched.requests,
    bytes: fetched.bytes,
    key_gap_ms: gaps.length ? round(median(gaps)) : null,
    first_title: p.title,
    error,
    first_key: firstKey,
    fetched: fetched.urls,
  };
}

async function measure(browser, stack, site, wordKind, word, opts) {
  const spec = PAGES[stack];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  await context.route("**/*", (route) => {
    const u = new URL(route.request().url());
    return u.origin === site.origin ? route.continue() : route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  await page.addInitScript(installProbe, { area: spec.area, result: spec.result, word: word.toLowerCase() });
  const loadStart = now();
  await page.goto(site.origin + spec.url, { waitUntil: "load" });
  await quiet(site.log, 300);
  const pageLoad = slice(site.log, loadStart, null);
  const clickAt = now();
  await page.click(spec.input);
  await sleep(opts.think);
  const cold = await typeAndWait(page, site, word, opts.keyGap);
  // What the click and the wait fetched: up to the first keydown.
  const pre = slice(site.log, clickAt, cold.first_key - 0.001);
  cold.page_requests = pageLoad.requests;
  cold.page_bytes = pageLoad.bytes;
  cold.init_requests = pre.requests;
  cold.init_bytes = pre.bytes;
  await quiet(site.log, 500);
  // Warm: the same page, the box cleared, the word again.
  await page.focus(spec.input);
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Backspace");
  await sleep(500);
  await quiet(site.log, 300);
  const warm = await typeAndWait(page, site, word, opts.keyGap);
  await context.close();
  return { cold, warm };
}

// -------------------------------------------------------------------- stats
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

function summarize(stack, siteName, wordKind, word, cache, samples) {
  const pick = (k) => median(samples.map((s) => s[k]));
  const ms = samples.map((s) => s.first_result_ms).filter((x) => x !== null);
  const r = {
    stack,
    site: siteName,
    word_kind: wordKind,
    word,
    cache,
    first_result_ms: pick("first_result_ms"),
    first_result_ms_min: ms.length ? Math.min(...ms) : null,
    first_result_ms_max: ms.length ? Math.max(...ms) : null,
    requests: pick("requests"),
    bytes: pick("bytes"),
    failures: samples.filter((s) => s.first_result_ms === null).length,
  };
  if (cache === "cold") {
    r.init_requests = pick("init_requests");
    r.init_bytes = pick("init_bytes");
    r.page_requests = pick("page_requests");
    r.page_bytes = pick("page_bytes");
  }
  // The URLs the first run fetched say what was fetched; the other samples
  // keep only their figures.
  r.samples = samples.map(({ fetched, first_key, ...s }, i) => (i === 0 ? { ...s, fetched } : s));
  return r;
}

function table(results) {
  const kb = (b) => (b === null ? "–" : (b / 1024).toFixed(0));
  const ms = (x) => (x === null ? "–" : x.toFixed(0));
  const L = [
    "| stack | site | word | cache | first result, ms (median; min–max) | requests | KB | cold init: requests / KB |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const init = r.cache === "cold" ? `${r.init_requests} / ${kb(r.init_bytes)}` : "";
    const fail = r.failures ? ` (${r.failures} failed)` : "";
    L.push(
      `| ${r.stack} | ${r.site} | ${r.word_kind} \`${r.word}\` | ${r.cache} | ${ms(r.first_result_ms)} (${ms(r.first_result_ms_min)}–${ms(r.first_result_ms_max)})${fail} | ${r.requests} | ${kb(r.bytes)} | ${init} |`,
    );
  }
  return L.join("\n");
}

// --------------------------------------------------------------------- main
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const gIndex = siteIndex(opts.gtdocsSite, true);
  const pIndex = siteIndex(opts.peerSite, false);
  const sites = {
    gtdocs: { root: opts.gtdocsSite, ...(await serve(opts.gtdocsSite, { "/__bench/api.html": apiPage(gIndex) })), parts: gIndex.parts.length + 1 },
    peer: { root: opts.peerSite, ...(await serve(opts.peerSite, { "/__bench/api.html": apiPage(pIndex) })), parts: 1 },
  };
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
    timeout: 60_000,
  });
  const chromiumVersion = browser.version();
  const combos = [];
  for (const stack of opts.stacks) {
    const onSites = stack === "gtdocs" ? ["gtdocs"] : stack === "pagefind-ui" ? ["peer"] : ["gtdocs", "peer"];
    for (const s of onSites) for (const [kind, word] of [["rare", opts.rare], ["common", opts.common]]) combos.push({ stack, site: s, kind, word });
  }
  const samples = new Map(combos.map((c) => [c, { cold: [], warm: [] }]));
  let failed = 0;
  try {
    for (let run = 0; run < opts.runs; run++) {
      // Each run in another order, so that no stack always goes first.
      const order = combos.map((c, i) => combos[(i + run) % combos.length]);
      for (const c of order) {
        const m = await measure(browser, c.stack, sites[c.site], c.kind, c.word, opts);
        for (const cache of ["cold", "warm"]) {
          samples.get(c)[cache].push(m[cache]);
          if (m[cache].first_result_ms === null) failed++;
        }
        process.stderr.write(
          `search.mjs: run ${run + 1}/${opts.runs} ${c.stack}@${c.site} ${c.kind} ${c.word}: cold ${m.cold.first_result_ms} ms ` +
            `${m.cold.requests} req, warm ${m.warm.first_result_ms} ms ${m.warm.requests} req\n`,
        );
      }
    }
  } finally {
    await browser.close().catch(() => {});
    for (const s of Object.values(sites)) s.server.close();
  }
  const results = [];
  for (const c of combos) for (const cache of ["cold", "warm"]) results.push(summarize(c.stack, c.site, c.kind, c.word, cache, samples.get(c)[cache]));
  const report = {
    chromium: chromiumVersion,
    playwright: require("playwright-core/package.json").version,
    node: process.version,
    runs: opts.runs,
    key_gap_ms: opts.keyGap,
    think_ms: opts.think,
    sites: {
      gtdocs: { dir: opts.gtdocsSite, index_parts: sites.gtdocs.parts },
      peer: { dir: opts.peerSite, index_parts: 1 },
    },
    results,
  };
  if (opts.out) fs.writeFileSync(opts.out, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(
    `Chromium ${report.chromium}, ${opts.runs} runs, medians; key gap ${opts.keyGap} ms, ${opts.think} ms from click to first key; ` +
      `gtdocs index in ${sites.gtdocs.parts} part(s)\n\n${table(results)}\n`,
  );
  if (failed) {
    process.stderr.write(`search.mjs: ${failed} measurement(s) showed no result\n`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`search.mjs: ${(e && e.stack) || e}\n`);
  process.exit(1);
});
