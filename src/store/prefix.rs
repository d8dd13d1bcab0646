//! Name searches that indexes answer: "a lower-cased column starts with a term" written
//! as the range `lower(col) >= term AND lower(col) < term'` (term' = term with its last
//! character's successor), which the expression indexes `lower(col)` of migration 12
//! serve on both databases (in byte order: `COLLATE "C"` on PostgreSQL, SQLite's default).
//! A LIKE on `lower(col)` would read every row.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, LikeExpr};
use sea_orm::{DbBackend, EntityTrait, IdenStatic};

/// The smallest string above every string that starts with `prefix` (None when no such
/// string exists: `prefix` ends in the last code point).
fn successor(prefix: &str) -> Option<String> {
    let mut out = prefix.to_owned();
    let last = out.pop()?;
    let next = match u32::from(last) {
        0xD7FF => Some('\u{E000}'),
        n => char::from_u32(n + 1),
    }?;
    out.push(next);
    Some(out)
}

/// `lower(table.column)` as the index holds it on `backend`.
fn lowered(backend: DbBackend, table: &str, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("lower(\"{table}\".\"{column}\") COLLATE \"C\""),
        _ => format!("lower(\"{table}\".\"{column}\")"),
    }
}

/// Any of `columns` of `E`, lower-cased, starts with `term` (lower-cased here; `%`, `_`
/// and every other character match only themselves).
pub fn any_starts_with<E: EntityTrait>(
    backend: DbBackend,
    columns: &[E::Column],
    term: &str,
) -> Condition {
    let term = term.to_lowercase();
    let table = E::default().table_name().to_owned();
    let upper = successor(&term);
    columns.iter().fold(Condition::any(), |any, c| {
        let col = lowered(backend, &table, c.as_str());
        let mut range = Condition::all().add(Expr::cust(col.clone()).gte(term.clone()));
        if let Some(upper) = &upper {
            range = range.add(Expr::cust(col).lt(upper.clone()));
        }
        any.add(range)
    })
}

/// `%` and `_` in a search term match themselves.
pub fn escape_like(term: &str) -> String {
    term.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A LIKE pattern whose `\\` escapes `%` and `_` on every backend.
pub fn like(pattern: &str) -> LikeExpr {
    LikeExpr::new(pattern).escape('\\')
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn successors_bound_every_extension() {
        assert_eq!(successor("ab").as_deref(), Some("ac"));
        assert_eq!(successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(successor("z\u{10FFFF}"), None);
        assert_eq!(successor(""), None);
        for s in ["abz", "ab\u{0}", "ab~", "abé", "ab\u{10FFFF}"] {
            assert!(s >= "ab" && s < successor("ab").unwrap().as_str(), "{s}");
        }
    }
}
