//! `matrix.json`: every runbook's matrix row, loaded once by the home
//! page's matrix to filter and sort it.

use indexmap::IndexSet;

use super::paging::Lists;
use super::view::{score, support_look};
use crate::markdown::to_plain;
use crate::model::{Book, SupportLevel};
use crate::render::context::RenderError;
use crate::render::paths::runbook_path;

/// Every runbook's matrix row, for the matrix's filters and sorting.
pub(super) const MATRIX_DATA: &str = "matrix.json";

/// [`MATRIX_DATA`]: every runbook's matrix row in display order, compact:
/// `[title, path, category, compatibility, key preset, score, cells,
/// note set]`, the terms as indexes into the lists beside the rows, each
/// cell a verdict's index (`-1`: unknown), the note set an index into
/// `note_sets`; then, only when some are stale, the stale cells as
/// `[route index, verification text]` pairs.
///
/// A cell's note (its tooltip) is stored once however many cells say it:
/// `notes` holds each distinct text, `note_sets` each distinct row of
/// indexes into it (`-1`: none). Runbooks written from one another share
/// their notes, so the notes cost what their distinct texts cost, not
/// rows × routes of them (10,000 runbooks copied from 23 carry 23 sets).
pub(super) fn matrix_data(book: &Book, lists: &Lists<'_>) -> Result<Vec<u8>, RenderError> {
    let c = &book.catalog;
    let terms = |list: &[crate::model::Term]| -> Vec<[String; 2]> {
        list.iter()
            .map(|t| [t.id.clone(), t.label.clone()])
            .collect()
    };
    // Distinct values, each kept once, referred to by their index.
    let mut notes: IndexSet<String> = IndexSet::new();
    let mut note_sets: IndexSet<Vec<i64>> = IndexSet::new();
    let rows: Vec<serde_json::Value> = lists
        .ordered
        .iter()
        .map(|rb| {
            let cells: Vec<i64> = rb
                .routes
                .iter()
                .map(|m| m.verdict.map_or(-1, |v| v as i64))
                .collect();
            let set: Vec<i64> = rb
                .routes
                .iter()
                .map(|m| {
                    m.integration
                        .as_deref()
                        .map_or(-1, |n| notes.insert_full(to_plain(n)).0 as i64)
                })
                .collect();
            let stale: Vec<(usize, String)> = rb
                .routes
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    let v = book.verification(rb, m)?;
                    book.is_stale(&v).then(|| (i, book.verification_text(&v)))
                })
                .collect();
            let mut row = serde_json::json!([
                rb.title,
                runbook_path(rb),
                rb.category,
                rb.compatibility,
                rb.key_preset,
                score(book, rb),
                cells,
                note_sets.insert_full(set).0
            ]);
            // Only where a cell is stale: the rows of a tree that records
            // no verification stay as they were.
            if !stale.is_empty()
                && let Some(list) = row.as_array_mut()
            {
                list.push(serde_json::json!(stale));
            }
            row
        })
        .collect();
    let verdicts: Vec<serde_json::Value> = c
        .verdicts
        .iter()
        .map(|v| {
            let support = SupportLevel::from(v.support);
            let (symbol, _) = support_look(support);
            serde_json::json!({"id": v.id, "label": v.label, "support": support, "symbol": symbol})
        })
        .collect();
    let routes: Vec<[&str; 2]> = c
        .routes
        .iter()
        .map(|r| [r.id.as_str(), r.route.as_str()])
        .collect();
    let data = serde_json::json!({
        "verdicts": verdicts,
        "routes": routes,
        "categories": terms(&c.categories),
        "compatibility": terms(&c.compatibility),
        "key_presets": terms(&c.key_presets),
        "notes": notes,
        "note_sets": note_sets,
        "rows": rows,
    });
    let mut bytes = serde_json::to_vec(&data)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cell's note is in the data once, reached through its row's
    /// set: the bundled tree's 23 runbooks have 23 sets (no two runbooks
    /// share all their notes) and as many texts as distinct notes.
    #[test]
    fn each_note_is_stored_once_and_reached_from_its_cell() {
        let (book, _) = crate::render::renderer::tests::bundled();
        let lists = Lists::new(&book);
        let data: serde_json::Value =
            serde_json::from_slice(&matrix_data(&book, &lists).expect("matrix data"))
                .expect("JSON");
        let notes = data["notes"].as_array().expect("notes");
        let distinct: std::collections::BTreeSet<String> = book
            .runbooks
            .iter()
            .flat_map(|rb| rb.routes.iter().filter_map(|m| m.integration.as_deref()))
            .map(to_plain)
            .collect();
        assert_eq!(notes.len(), distinct.len());
        let sets = data["note_sets"].as_array().expect("note sets");
        assert_eq!(sets.len(), 23);
        for (rb, row) in lists
            .ordered
            .iter()
            .zip(data["rows"].as_array().expect("rows"))
        {
            let set = &sets[row[7].as_u64().expect("set index") as usize];
            for (m, i) in rb.routes.iter().zip(set.as_array().expect("set")) {
                let shown = usize::try_from(i.as_i64().expect("index"))
                    .ok()
                    .map(|i| notes[i].as_str().expect("text").to_owned());
                assert_eq!(shown, m.integration.as_deref().map(to_plain), "{}", rb.slug);
            }
        }
    }
}
