//! Deep links in a real browser (`run.mjs` scenarios `deeplinks` and
//! `search-url`): a view of the matrix has one URL (`/?route=R&support=S`)
//! that shows exactly the clients the manifest says, also past the home
//! page's first rows; a runbook's `#route-<id>` opens that row in view and
//! marks it; a support level without a route filters nothing and its
//! control says so; a matrix cell's note is its link's description, shown
//! on keyboard focus and on hover, hidden by Esc; a search in the address
//! survives a reload, its facets by catalog id. Every assertion is here; run.mjs only observes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{axe_runs, hygiene, run};
use crate::common::assert_none;
use crate::html_site::{Built, build_bundled, build_scaled};

/// A note as the page shows it: plain text, the code spans' backticks gone.
/// The bundled notes use no other Markdown; a note with other markup
/// would need to_plain's reading, so it stops the test rather than pass.
fn plain(note: &str) -> String {
    let text = note.replace('`', "");
    assert!(
        !text.contains(['*', '[', ']', '<', '>', '\\', '~']),
        "the note {note:?} holds Markdown this test does not read"
    );
    text
}

/// Per verdict id (and `unknown`): its support level and its words.
fn verdicts(manifest: &Value) -> BTreeMap<String, (String, String)> {
    let mut map: BTreeMap<String, (String, String)> = manifest["catalog"]["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .map(|v| {
            (
                v["id"].as_str().expect("id").to_owned(),
                (
                    v["support"].as_str().expect("support").to_owned(),
                    v["label"].as_str().expect("label").to_owned(),
                ),
            )
        })
        .collect();
    map.insert("unknown".into(), ("unknown".into(), "Unknown".into()));
    map
}

/// One runbook's mapping of a route (`runbooks[].routes[]` by `route_id`).
fn mapping<'a>(rb: &'a Value, route_id: &str) -> &'a Value {
    rb["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|r| r["route_id"] == route_id)
        .unwrap_or_else(|| panic!("{} maps no route {route_id}", rb["slug"]))
}

/// Titles of the runbooks whose `route_id` verdict has support `support`.
fn titles_with_support(manifest: &Value, route_id: &str, support: &str) -> BTreeSet<String> {
    manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .filter(|rb| mapping(rb, route_id)["support"] == support)
        .map(|rb| rb["title"].as_str().expect("title").to_owned())
        .collect()
}

/// Filters to try: two routes whose clients differ in support, two levels
/// each (the two most common), and one level no client has on the first
/// of them (the empty view), when there is one.
fn filter_plan(manifest: &Value) -> Vec<(String, String)> {
    let mut plan = Vec::new();
    let mut empty = None;
    for route in manifest["catalog"]["routes"].as_array().expect("routes") {
        let id = route["id"].as_str().expect("route id");
        let mut by_level: Vec<(usize, &str)> = ["full", "partial", "none", "unknown"]
            .into_iter()
            .map(|s| (titles_with_support(manifest, id, s).len(), s))
            .collect();
        by_level.sort_by_key(|l| std::cmp::Reverse(l.0));
        if by_level[1].0 == 0 || plan.len() >= 4 {
            continue;
        }
        for (_, level) in &by_level[..2] {
            plan.push((id.to_owned(), (*level).to_owned()));
        }
        if empty.is_none()
            && let Some((_, level)) = by_level.iter().find(|(n, _)| *n == 0)
        {
            empty = Some((id.to_owned(), (*level).to_owned()));
        }
    }
    assert!(
        plan.len() == 4,
        "fewer than two routes whose clients differ in support: {plan:?}"
    );
    plan.extend(empty);
    plan
}

/// Runs `deeplinks` over `site` with `plan`.
fn deep_links(site: &Built, plan: &Value) -> Value {
    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("plan.json");
    std::fs::write(&file, plan.to_string()).expect("write plan");
    run(
        site,
        "deeplinks",
        out.path(),
        &[("plan", file.to_str().expect("utf-8"))],
    )
}

/// Each filter of the run shows exactly the manifest's clients for it,
/// every shown cell of that route linking to the runbook's row, in words,
/// described by its note.
fn check_filters(site: &Built, d: &Value, problems: &mut Vec<String>) -> usize {
    let manifest = &site.manifest;
    let verdicts = verdicts(manifest);
    let by_title: BTreeMap<&str, &Value> = manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .map(|rb| (rb["title"].as_str().expect("title"), rb))
        .collect();
    let filters = d["filters"].as_array().cloned().unwrap_or_default();
    for f in &filters {
        let route = f["route"].as_str().unwrap_or("?");
        let support = f["support"].as_str().unwrap_or("?");
        let view = format!("{}?route={route}&support={support}", site.base);
        let want = titles_with_support(manifest, route, support);
        let rows = f["rows"].as_array().cloned().unwrap_or_default();
        let shown: Vec<&str> = rows.iter().filter_map(|r| r["title"].as_str()).collect();
        let shown_set: BTreeSet<String> = shown.iter().map(|t| t.to_string()).collect();
        if shown_set != want || shown.len() != want.len() {
            problems.push(format!(
                "{view}: {} rows shown, {} expected; missing {:?}, unexpected {:?}",
                shown.len(),
                want.len(),
                want.difference(&shown_set).collect::<Vec<_>>(),
                shown_set.difference(&want).collect::<Vec<_>>()
            ));
        }
        let count = format!(
            "{} {}",
            want.len(),
            if want.len() == 1 { "client" } else { "clients" }
        );
        if f["count"] != count.as_str() || f["empty"] != want.is_empty() {
            problems.push(format!(
                "{view}: the count says {}, the empty note shown: {}; want {count:?}",
                f["count"], f["empty"]
            ));
        }
        let search = f["search"].as_str().unwrap_or("");
        if f["routeSelect"] != route
            || f["supportSelect"] != support
            || f["column"].as_i64().unwrap_or(0) < 1
        {
            problems.push(format!("{view}: the controls show {f}"));
        }
        if !search.contains(&format!("route={route}"))
            || !search.contains(&format!("support={support}"))
        {
            problems.push(format!("{view}: the address became {search:?}"));
        }
        for r in &rows {
            let title = r["title"].as_str().unwrap_or("?");
            let Some(rb) = by_title.get(title) else {
                continue;
            };
            let m = mapping(rb, route);
            let slug = rb["slug"].as_str().unwrap_or("?");
            let href = format!("{}runbooks/{slug}/#route-{route}", site.base);
            let verdict = m["verdict"].as_str().unwrap_or("?");
            let words = verdicts.get(verdict).map(|(_, l)| l.as_str());
            let note = m["integration"].as_str().map(plain);
            if r["href"].as_str() != Some(&href)
                || r["verdict"].as_str() != Some(verdict)
                || r["words"].as_str() != words
                || r["note"].as_str() != note.as_deref()
                || r["noteInCell"] != note.is_some()
            {
                problems.push(format!(
                    "{view}: {title}'s cell is {r}; want a link to {href}, `{verdict}` in words {words:?}, the note {note:?}"
                ));
            }
        }
    }
    filters.len()
}

/// `/?route=R&support=S` on the bundled tree, `runbooks/<slug>/#route-<id>`,
/// and a cell's note reached by Tab, hovered and dismissed with Esc; axe on
/// the filtered home, the linked row and the shown note, light and dark.
#[test]
fn a_view_a_row_and_a_note_each_have_one_link() {
    let site = build_bundled("/");
    let plan = filter_plan(&site.manifest);
    let (slug, route) = ("librechat", "post-v1-embeddings");
    let rb = site.manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .find(|rb| rb["slug"] == slug)
        .expect("librechat");
    let note = plain(
        mapping(rb, route)["integration"]
            .as_str()
            .expect("librechat notes embeddings"),
    );
    let v = deep_links(
        &site,
        &json!({
            "filters": plan.iter().map(|(r, s)| json!({"route": r, "support": s})).collect::<Vec<_>>(),
            "target": {"slug": slug, "route": route},
            "note": {"slug": slug, "route": route},
            "supportOnly": "full",
            "axe": true,
        }),
    );
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    let n = check_filters(&site, d, &mut problems);
    if n != plan.len() {
        problems.push(format!("{n} filters ran, {} planned", plan.len()));
    }

    // A support level without a route filters nothing: the address drops
    // it, and its control, off, reads "Any" as the view is.
    let s = &d["supportOnly"];
    let all = site.manifest["runbooks"].as_array().map_or(0, Vec::len);
    if s["search"] != ""
        || s["routeSelect"] != ""
        || s["supportSelect"] != ""
        || s["supportShows"] != "Any"
        || s["supportDisabled"] != true
        || s["rows"] != all
        || s["count"] != format!("{all} clients").as_str()
    {
        problems.push(format!(
            "/?support=full: want the address `/`, every one of {all} clients, the support control off and reading \"Any\"; saw {s}"
        ));
    }

    // The linked row: in view, below whatever sticks to the top, marked.
    let t = &d["target"];
    let top = t["top"].as_f64().unwrap_or(-1.0);
    let bottom = t["bottom"].as_f64().unwrap_or(f64::MAX);
    let stuck = t["stuckBottom"].as_f64().unwrap_or(f64::MAX);
    let height = t["innerHeight"].as_f64().unwrap_or(0.0);
    if t["found"] != true || t["tag"] != "TR" {
        problems.push(format!("runbooks/{slug}/#route-{route}: no such row: {t}"));
    }
    if top < stuck - 1.0
        || top < 0.0
        || bottom > height
        || t["scrollY"].as_f64().unwrap_or(0.0) <= 0.0
    {
        problems.push(format!(
            "runbooks/{slug}/#route-{route}: the row spans {top}..{bottom} px of a {height} px window below {stuck} px of sticky header: {t}"
        ));
    }
    if t["target"] != true || t["ariaCurrent"] != "true" || t["linked"] != true || t["marked"] != 1
    {
        problems.push(format!(
            "runbooks/{slug}/#route-{route}: the row is not marked (:target, aria-current=true, one row): {t}"
        ));
    }
    if t["look"] == t["otherLook"] {
        problems.push(format!(
            "runbooks/{slug}/#route-{route}: the linked row looks like the others: {t}"
        ));
    }

    // The note, by keyboard, then by pointer.
    let k = &d["note"];
    let href = format!("{}runbooks/{slug}/#route-{route}", site.base);
    let at = &k["atCell"];
    if at["cellLink"] != true || at["href"].as_str() != Some(&href) {
        problems.push(format!(
            "Tab from {slug}'s row lands on {at}, not the cell link to {href} (tabs: {})",
            k["tabs"]
        ));
    }
    if at["noteVisible"] != true
        || at["noteInViewport"] != true
        || at["note"].as_str() != Some(&note)
    {
        problems.push(format!(
            "the focused cell's note is not shown in the window, or is not {note:?}: {at}"
        ));
    }
    if k["ax"]["description"].as_str() != Some(&note) {
        problems.push(format!(
            "the focused cell link's accessible description is {}, not its note {note:?}",
            k["ax"]
        ));
    }
    if k["afterEscape"]["noteVisible"] != false || k["afterEscape"]["href"].as_str() != Some(&href)
    {
        problems.push(format!(
            "Esc should hide the note and keep the focus on the cell: {}",
            k["afterEscape"]
        ));
    }
    if k["refocused"]["noteVisible"] != true {
        problems.push(format!(
            "focused again, the cell shows no note: {}",
            k["refocused"]
        ));
    }
    if k["hover"]["visible"] != true
        || k["overNote"]["visible"] != true
        || k["hoverEscape"]["visible"] != false
    {
        problems.push(format!(
            "the note on hover: {}, with the pointer over it: {}, after Esc: {} (want shown, shown, hidden)",
            k["hover"], k["overNote"], k["hoverEscape"]
        ));
    }
    axe_runs(&d["runs"], 6, &mut problems);
    assert_none("deep links on the bundled site", &problems);
}

/// 250 runbooks: the home page holds 100 rows, yet `/?route=R&support=S`
/// shows every client with that support, the rows past the first page
/// built from matrix.json like the page's own (links, words, notes).
#[test]
fn a_route_and_support_filter_reaches_past_the_first_page() {
    let site = build_scaled(250);
    let plan = filter_plan(&site.manifest);
    let home = std::fs::read_to_string(site.html.join("index.html")).expect("home");
    let on_home: BTreeSet<String> =
        regex::Regex::new(r#"<th scope="row" class="col-client"><a href="[^"]*">([^<]*)</a>"#)
            .expect("regex")
            .captures_iter(&home)
            .map(|c| c[1].to_owned())
            .collect();
    assert_eq!(on_home.len(), 100, "the home page holds its first 100 rows");
    let beyond = plan
        .iter()
        .filter(|(r, s)| {
            titles_with_support(&site.manifest, r, s)
                .iter()
                .any(|t| !on_home.contains(t))
        })
        .count();
    assert!(
        beyond >= 2,
        "the plan {plan:?} should reach rows past the home page's first 100"
    );
    let v = deep_links(
        &site,
        &json!({
            "filters": plan.iter().map(|(r, s)| json!({"route": r, "support": s})).collect::<Vec<_>>(),
            "target": null,
            "note": null,
            "axe": false,
        }),
    );
    let mut problems = hygiene(&v, &[]);
    let n = check_filters(&site, &v["data"], &mut problems);
    if n != plan.len() {
        problems.push(format!("{n} filters ran, {} planned", plan.len()));
    }
    assert_none("route and support filters over 250 runbooks", &problems);
}

/// A query and a facet live in the address beside the matrix's own filter,
/// replaced as one types (no history entry per key), the facet by its
/// catalog id (`q-category=frameworks`, `q-route-verdict=<route id>:<verdict
/// id>`), not by the label a rewording would break; a reload opens the
/// panel with the same query, facet and first result; clearing the search
/// takes its keys out of the address, the matrix's stay. The route verdict
/// filter groups its options in the catalog's route order. A shared link
/// with ids restores the facets; ids the catalog lacks are left out.
#[test]
fn a_search_in_the_address_survives_a_reload() {
    let site = build_bundled("/");
    let rb = site.manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .find(|rb| rb["slug"] == "librechat")
        .expect("librechat");
    let category = rb["category"]["id"].as_str().expect("category id");
    let facet = rb["category"]["label"].as_str().expect("category label");
    let word = "chat";
    let route = "post-v1-embeddings";
    let verdict = mapping(rb, route)["verdict"].as_str().expect("verdict");
    let catalog_routes: Vec<&str> = site.manifest["catalog"]["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| r["route"].as_str().expect("route"))
        .collect();
    let route_name = site.manifest["catalog"]["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|r| r["id"] == route)
        .and_then(|r| r["route"].as_str())
        .expect("the embeddings route");
    // The index's value of the route verdict filter.
    let route_value = format!("{route_name}: {verdict}");
    let shared = format!("?q={word}&q-category={category}");
    let unknown =
        format!("?q={word}&q-category=no-such-category&q-route-verdict={route}:no-such-verdict");
    let unknown_route = format!("?q={word}&q-route-verdict=no-such-route:{verdict}");
    let out = tempfile::tempdir().expect("tempdir");
    let plan = out.path().join("plan.json");
    std::fs::write(
        &plan,
        json!({"routeVerdict": route_value, "links": [shared, unknown, unknown_route]}).to_string(),
    )
    .expect("write plan");
    let v = run(
        &site,
        "search-url",
        out.path(),
        &[
            ("word", word),
            ("category", category),
            ("facet", facet),
            ("plan", plan.to_str().expect("utf-8")),
        ],
    );
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    let params = |key: &str| -> BTreeMap<String, String> {
        let search = d[key]["search"].as_str().unwrap_or("");
        url_params(search)
    };
    let matrix_key = ("category".to_string(), category.to_string());
    let typed = params("typed");
    if d["typed"]["history"] != d["historyBefore"] {
        problems.push(format!(
            "typing {word:?} added history entries: {} before, {} after",
            d["historyBefore"], d["typed"]["history"]
        ));
    }
    let want_typed = BTreeMap::from([matrix_key.clone(), ("q".into(), word.into())]);
    if typed != want_typed {
        problems.push(format!(
            "after typing, the address holds {typed:?}, not {want_typed:?}"
        ));
    }
    let before = params("before");
    let mut want = want_typed.clone();
    want.insert("q-category".into(), category.into());
    if before != want {
        problems.push(format!(
            "with the facet, the address holds {before:?}, not {want:?}"
        ));
    }
    let a = &d["after"];
    if params("after") != want
        || a["input"] != word
        || a["facet"] != facet
        || a["matrixCategory"] != category
        || a["panelHidden"] != false
    {
        problems.push(format!(
            "after a reload: address {:?}, box {}, facet {}, the matrix's category {}, panel hidden {}",
            params("after"),
            a["input"],
            a["facet"],
            a["matrixCategory"],
            a["panelHidden"]
        ));
    }
    let first = &d["before"]["first"]["href"];
    if first.is_null() || a["first"]["href"] != *first || a["count"] != d["before"]["count"] {
        problems.push(format!(
            "before the reload the first of {} results was {first}, after it the first of {} is {}",
            d["before"]["count"], a["count"], a["first"]["href"]
        ));
    }
    let cleared = params("cleared");
    if cleared != BTreeMap::from([matrix_key.clone()]) {
        problems.push(format!(
            "cleared, the address still holds {cleared:?}; only the matrix's category should stay"
        ));
    }

    // The route verdict facet: grouped in catalog order, by ids in the address.
    if d["routeGroups"] != json!(catalog_routes) {
        problems.push(format!(
            "the route verdict filter's groups are {}, not the catalog's routes in order {catalog_routes:?}",
            d["routeGroups"]
        ));
    }
    let want_route = BTreeMap::from([
        matrix_key.clone(),
        ("q".to_string(), word.to_string()),
        ("q-route-verdict".to_string(), format!("{route}:{verdict}")),
    ]);
    let chosen = params("routeVerdict");
    let after = &d["routeVerdictAfter"];
    if chosen != want_route || params("routeVerdictAfter") != want_route {
        problems.push(format!(
            "with {route_value:?} chosen, the address holds {chosen:?}, after a reload {:?}; want {want_route:?}",
            params("routeVerdictAfter")
        ));
    }
    let first = &d["routeVerdict"]["first"]["href"];
    if after["facets"]["Route verdict"] != route_value.as_str()
        || first.is_null()
        || after["first"]["href"] != *first
        || after["count"] != d["routeVerdict"]["count"]
    {
        problems.push(format!(
            "{route_value:?}: before the reload the first of {} results was {first}, after it the facet is {} and the first of {} is {}",
            d["routeVerdict"]["count"],
            after["facets"]["Route verdict"],
            after["count"],
            after["first"]["href"]
        ));
    }

    // Shared links: ids restore the facets; unknown ids are left out.
    let links = d["links"].as_array().cloned().unwrap_or_default();
    if links.len() != 3 {
        problems.push(format!("{} shared links opened, 3 planned", links.len()));
    }
    let only_query = BTreeMap::from([("q".to_string(), word.to_string())]);
    for (i, l) in links.iter().enumerate() {
        let link = l["link"].as_str().unwrap_or("?");
        let at = url_params(l["search"].as_str().unwrap_or(""));
        let (want_params, want_facet, want_first, want_count) = if i == 0 {
            (
                BTreeMap::from([
                    ("q".to_string(), word.to_string()),
                    ("q-category".to_string(), category.to_string()),
                ]),
                facet,
                &d["before"]["first"]["href"],
                &d["before"]["count"],
            )
        } else {
            (only_query.clone(), "", &Value::Null, &d["typed"]["count"])
        };
        let facets_set: Vec<&str> = l["facets"]
            .as_object()
            .map(|m| {
                m.values()
                    .filter_map(Value::as_str)
                    .filter(|v| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let want_facets: Vec<&str> = [want_facet].into_iter().filter(|f| !f.is_empty()).collect();
        if at != want_params
            || l["input"] != word
            || l["facets"]["Category"] != want_facet
            || facets_set != want_facets
            || l["count"] != *want_count
            || (!want_first.is_null() && l["first"]["href"] != *want_first)
        {
            problems.push(format!(
                "the shared link {link}: address {at:?} (want {want_params:?}), facets {} (want Category {want_facet:?} only), {} results (want {want_count}), first {}",
                l["facets"], l["count"], l["first"]["href"]
            ));
        }
    }
    assert_none("a search in the address", &problems);
}

/// `?a=1&b=x+y` as decoded pairs.
fn url_params(search: &str) -> BTreeMap<String, String> {
    let decode = |s: &str| crate::html_site::percent_decode(&s.replace('+', " "));
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

#[test]
fn url_params_decode_the_address() {
    assert_eq!(
        url_params("?category=a-b&q=chat+app&q-route-verdict=POST+%2Fv1%2Fx%3A+native"),
        BTreeMap::from([
            ("category".to_string(), "a-b".to_string()),
            ("q".to_string(), "chat app".to_string()),
            (
                "q-route-verdict".to_string(),
                "POST /v1/x: native".to_string()
            ),
        ])
    );
    assert!(url_params("").is_empty());
    assert_eq!(
        plain("sends to `/v1/chat/completions`"),
        "sends to /v1/chat/completions"
    );
}
