//! `matrix.json`: every runbook's matrix row, loaded once by the home
//! page's matrix to filter and sort it.

use super::paging::Lists;
use super::view::{score, support_look};
use crate::model::{Book, SupportLevel};
use crate::render::context::RenderError;
use crate::render::paths::runbook_path;

/// Every runbook's matrix row, for the matrix's filters and sorting.
pub(super) const MATRIX_DATA: &str = "matrix.json";

/// [`MATRIX_DATA`]: every runbook's matrix row in display order, compact:
/// `[title, path, category, compatibility, key preset, score, cells]`, the
/// terms as indexes into the lists beside the rows, each cell a verdict's
/// index (`-1`: unknown); then, only when some are stale, the stale cells
/// as `[route index, verification text]` pairs.
pub(super) fn matrix_data(book: &Book, lists: &Lists<'_>) -> Result<Vec<u8>, RenderError> {
    let c = &book.catalog;
    let terms = |list: &[crate::model::Term]| -> Vec<[String; 2]> {
        list.iter()
            .map(|t| [t.id.clone(), t.label.clone()])
            .collect()
    };
    let rows: Vec<serde_json::Value> = lists
        .ordered
        .iter()
        .map(|rb| {
            let cells: Vec<i64> = rb
                .routes
                .iter()
                .map(|m| m.verdict.map_or(-1, |v| v as i64))
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
                cells
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
            serde_json::json!({"id": v.id, "support": support, "symbol": symbol})
        })
        .collect();
    let data = serde_json::json!({
        "verdicts": verdicts,
        "categories": terms(&c.categories),
        "compatibility": terms(&c.compatibility),
        "key_presets": terms(&c.key_presets),
        "rows": rows,
    });
    let mut bytes = serde_json::to_vec(&data)?;
    bytes.push(b'\n');
    Ok(bytes)
}
