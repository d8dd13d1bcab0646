//! Post search, done by the database through its full-text index (SQLite FTS5,
//! PostgreSQL tsvector; see migration m20261202_000011_search) and paged there.
//!
//! Mattermost's syntax: words (all of them, or any with `is_or_search`), `"quoted
//! phrases"`, `prefix*`, `-excluded` words, `#hashtags`, `from:username`, `in:channel`,
//! and the dates `on:`, `before:` and `after:` (YYYY-MM-DD in the caller's time zone).

use crate::error::ApiError;
use crate::store::entity::{channel, file_info, post, user};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// What one search asks for, parsed from its terms.
#[derive(Debug, Default)]
pub struct Search {
    /// Words, phrases and prefixes (ending in `*`), lower-case.
    pub words: Vec<String>,
    pub excluded: Vec<String>,
    /// Hashtags, with their `#`, lower-case.
    pub hashtags: Vec<String>,
    pub from: Vec<String>,
    pub in_channels: Vec<String>,
    /// File extensions (`ext:`), for file search.
    pub extensions: Vec<String>,
    pub on: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Search {
    pub fn parse(terms: &str) -> Self {
        let mut out = Self::default();
        let mut rest = terms.trim();
        while !rest.is_empty() {
            let (token, tail) = if let Some(quoted) = rest.strip_prefix('"') {
                match quoted.find('"') {
                    Some(end) => (&quoted[..end], &quoted[end + 1..]),
                    None => (quoted, ""),
                }
            } else {
                match rest.find(char::is_whitespace) {
                    Some(end) => (&rest[..end], &rest[end..]),
                    None => (rest, ""),
                }
            };
            rest = tail.trim_start();
            let token = token.trim().to_lowercase();
            if token.is_empty() {
                continue;
            }
            if let Some(who) = token.strip_prefix("from:") {
                out.from.push(who.trim_start_matches('@').to_owned());
            } else if let Some(name) = token.strip_prefix("in:") {
                out.in_channels
                    .push(name.trim_start_matches('~').to_owned());
            } else if let Some(ext) = token.strip_prefix("ext:") {
                out.extensions.push(ext.trim_start_matches('.').to_owned());
            } else if let Some(day) = token.strip_prefix("on:") {
                out.on = Some(day.to_owned());
            } else if let Some(day) = token.strip_prefix("before:") {
                out.before = Some(day.to_owned());
            } else if let Some(day) = token.strip_prefix("after:") {
                out.after = Some(day.to_owned());
            } else if let Some(word) = token.strip_prefix('-') {
                out.excluded.push(word.to_owned());
            } else if token.starts_with('#') && token.len() > 1 && !token.contains(' ') {
                out.hashtags.push(token);
            } else {
                out.words.push(token);
            }
        }
        out
    }
}

/// Where and how to search.
pub struct Scope {
    /// The searcher: their channels of `team_id` and their direct and group channels are
    /// searched.
    pub user_id: String,
    pub team_id: String,
    pub include_deleted_channels: bool,
    pub is_or: bool,
    /// The caller's offset from UTC in seconds, for the dates.
    pub time_zone_offset: i64,
    pub offset: u64,
    pub limit: u64,
}

/// A page of the live posts matching `search` in `scope`, newest first, each with the
/// words it matched.
pub async fn posts(
    db: &impl ConnectionTrait,
    search: &Search,
    scope: &Scope,
) -> Result<Vec<(post::Model, Vec<String>)>, ApiError> {
    let channel_ids = searched_channels(db, search, scope).await?;
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut find = post::Entity::find()
        .filter(post::Column::ChannelId.is_in(channel_ids))
        .filter(post::Column::DeleteAt.eq(0))
        .filter(post::Column::PostType.eq(""));
    if !search.from.is_empty() {
        find = find.filter(post::Column::UserId.in_subquery(authors(search)));
    }
    let (from, until) = date_range(search, scope.time_zone_offset);
    if let Some(from) = from {
        find = find.filter(post::Column::CreateAt.gte(from));
    }
    if let Some(until) = until {
        find = find.filter(post::Column::CreateAt.lt(until));
    }
    let words: Vec<&str> = search
        .words
        .iter()
        .map(String::as_str)
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let mut wanted = if scope.is_or {
        Condition::any()
    } else {
        Condition::all()
    };
    if !words.is_empty() {
        wanted = wanted.add(text_match(backend, &words, scope.is_or));
    }
    for tag in &search.hashtags {
        wanted = wanted.add(has_hashtag(tag));
    }
    if !words.is_empty() || !search.hashtags.is_empty() {
        find = find.filter(wanted);
    }
    for word in &search.excluded {
        if word.chars().any(char::is_alphanumeric) {
            find = find.filter(text_match(backend, &[word.as_str()], false).not());
        }
    }
    let rows = find
        .order_by_desc(post::Column::CreateAt)
        .order_by_desc(post::Column::Id)
        .offset(scope.offset)
        .limit(scope.limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let matched = search
                .words
                .iter()
                .chain(&search.hashtags)
                .filter(|w| has_word(&p.message, w))
                .map(|w| w.trim_end_matches('*').to_owned())
                .collect();
            (p, matched)
        })
        .collect())
}

/// A page of the live files matching `search` in `scope` (by name: every word, or any
/// with `is_or`; `ext:`, `from:`, `in:` and the dates), newest first. Files of deleted
/// posts are not found.
pub async fn files(
    db: &impl ConnectionTrait,
    search: &Search,
    scope: &Scope,
) -> Result<Vec<file_info::Model>, ApiError> {
    let channel_ids = searched_channels(db, search, scope).await?;
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut find = file_info::Entity::find()
        .filter(file_info::Column::ChannelId.is_in(channel_ids))
        .filter(file_info::Column::DeleteAt.eq(0))
        .filter(file_info::Column::PostId.ne(""));
    if !search.from.is_empty() {
        find = find.filter(file_info::Column::CreatorId.in_subquery(authors(search)));
    }
    let (from, until) = date_range(search, scope.time_zone_offset);
    if let Some(from) = from {
        find = find.filter(file_info::Column::CreateAt.gte(from));
    }
    if let Some(until) = until {
        find = find.filter(file_info::Column::CreateAt.lt(until));
    }
    if !search.extensions.is_empty() {
        find = find.filter(file_info::Column::Extension.is_in(search.extensions.clone()));
    }
    // Names are indexed as words split at anything but letters and digits; a term is
    // split the same way (`report.pdf` is the phrase `report pdf`).
    let backend = db.get_database_backend();
    let words: Vec<String> = search
        .words
        .iter()
        .chain(&search.hashtags)
        .filter_map(|w| name_words(w))
        .collect();
    let terms: Vec<&str> = words.iter().map(String::as_str).collect();
    if terms.is_empty() && !(search.words.is_empty() && search.hashtags.is_empty()) {
        // Words with nothing to look for in a name (`%`, `--`): nothing matches them.
        return Ok(Vec::new());
    }
    if !terms.is_empty() {
        find = find.filter(index_match(&FILE_NAMES, backend, &terms, scope.is_or));
    }
    for word in search.excluded.iter().filter_map(|w| name_words(w)) {
        find = find.filter(index_match(&FILE_NAMES, backend, &[word.as_str()], false).not());
    }
    Ok(find
        .order_by_desc(file_info::Column::CreateAt)
        .order_by_desc(file_info::Column::Id)
        .offset(scope.offset)
        .limit(scope.limit)
        .all(db)
        .await?)
}

/// A search term as file names are indexed: its letters and digits, the rest made spaces
/// (a trailing `*` kept); None when nothing is left.
fn name_words(term: &str) -> Option<String> {
    let (stem, prefix) = match term.strip_suffix('*') {
        Some(stem) => (stem, "*"),
        None => (term, ""),
    };
    let words: Vec<&str> = stem
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| format!("{}{prefix}", words.join(" ")))
}

/// The channels a search looks in: the searcher's in the team, and their direct and group
/// channels, cut to those named by `in:`.
async fn searched_channels(
    db: &impl ConnectionTrait,
    search: &Search,
    scope: &Scope,
) -> Result<Vec<String>, ApiError> {
    let mut channels = channel::Entity::find()
        .select_only()
        .column(channel::Column::Id)
        .filter(
            channel::Column::Id.in_subquery(super::channels::member_channel_ids(
                &scope.user_id,
                &scope.team_id,
                scope.include_deleted_channels,
            )),
        );
    if !search.in_channels.is_empty() {
        channels = channels.filter(channel::Column::Name.is_in(search.in_channels.clone()));
    }
    Ok(channels.into_tuple().all(db).await?)
}

/// The ids of the users `from:` names.
fn authors(search: &Search) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::Username.is_in(search.from.clone()))
        .to_owned()
}

/// A full-text index: PostgreSQL's `tsvector` column, SQLite's FTS5 table and the table
/// mapping its rows to the indexed rows' ids.
struct FullText {
    /// The indexed rows' id column (quoted, with its table).
    id: &'static str,
    tsvector: &'static str,
    fts: &'static str,
    fts_ids: &'static str,
    /// The id column of `fts_ids`.
    fts_key: &'static str,
}

const POST_MESSAGES: FullText = FullText {
    id: r#""posts"."id""#,
    tsvector: r#""posts"."message_tsv""#,
    fts: "posts_fts",
    fts_ids: "posts_fts_ids",
    fts_key: "post_id",
};

const FILE_NAMES: FullText = FullText {
    id: r#""file_infos"."id""#,
    tsvector: r#""file_infos"."name_tsv""#,
    fts: "file_infos_fts",
    fts_ids: "file_infos_fts_ids",
    fts_key: "file_id",
};

/// The posts whose message has every one of `terms` (any, with `any`) by the full-text
/// index.
fn text_match(backend: DatabaseBackend, terms: &[&str], any: bool) -> SimpleExpr {
    index_match(&POST_MESSAGES, backend, terms, any)
}

/// The rows of `index` holding every one of `terms` (any, with `any`); a term ending in
/// `*` is a prefix, one of several words a phrase.
fn index_match(
    index: &FullText,
    backend: DatabaseBackend,
    terms: &[&str],
    any: bool,
) -> SimpleExpr {
    if backend == DatabaseBackend::Postgres {
        // sea-query numbers PostgreSQL's placeholders ($1, $2, ...).
        let mut sql = format!("{} @@ (", index.tsvector);
        let mut values = Vec::with_capacity(terms.len());
        for (i, term) in terms.iter().enumerate() {
            if i > 0 {
                sql.push_str(if any { " || " } else { " && " });
            }
            match term.strip_suffix('*') {
                Some(stem) => {
                    // Only letters and digits reach to_tsquery's own syntax: each word of
                    // the stem, in sequence, the last a prefix.
                    let words: Vec<String> = stem
                        .split_whitespace()
                        .map(|w| {
                            w.chars()
                                .filter(|c| c.is_alphanumeric())
                                .collect::<String>()
                        })
                        .filter(|w| !w.is_empty())
                        .collect();
                    sql.push_str(&format!("to_tsquery('simple', ${})", i + 1));
                    values.push(format!("{}:*", words.join(" <-> ")));
                }
                None => {
                    sql.push_str(&format!("phraseto_tsquery('simple', ${})", i + 1));
                    values.push((*term).to_owned());
                }
            }
        }
        sql.push(')');
        return Expr::cust_with_values(sql, values);
    }
    let query = terms
        .iter()
        .map(|term| match term.strip_suffix('*') {
            Some(stem) => format!("\"{}\"*", stem.replace('"', "\"\"")),
            None => format!("\"{}\"", term.replace('"', "\"\"")),
        })
        .collect::<Vec<_>>()
        .join(if any { " OR " } else { " AND " });
    Expr::cust_with_values(
        format!(
            "{} IN (SELECT i.{key} FROM {fts} f JOIN {ids} i ON i.rowid = f.rowid \
             WHERE {fts} MATCH ?)",
            index.id,
            key = index.fts_key,
            fts = index.fts,
            ids = index.fts_ids
        ),
        [query],
    )
}

/// The posts carrying hashtag `tag` (`#` included).
fn has_hashtag(tag: &str) -> SimpleExpr {
    Expr::cust(r#"(' ' || LOWER("posts"."hashtags") || ' ')"#)
        .like(format!("% {} %", tag.replace(['%', '_', '\\'], "")))
}

/// Whether `message` contains `word` as a word (or, ending in `*`, a word starting so).
fn has_word(message: &str, word: &str) -> bool {
    let lower = message.to_lowercase();
    if word.contains(char::is_whitespace) {
        return lower.contains(word);
    }
    let (stem, prefix) = match word.strip_suffix('*') {
        Some(stem) => (stem, true),
        None => (word, false),
    };
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '#' || c == '@'))
        .any(|w| {
            if prefix {
                w.starts_with(stem)
            } else {
                w == stem
            }
        })
}

/// The creation times (milliseconds, from inclusive, until exclusive) the dates allow.
/// `after:` means after that day ends, as in Mattermost; unreadable dates are ignored.
fn date_range(search: &Search, offset_seconds: i64) -> (Option<i64>, Option<i64>) {
    const DAY: i64 = 86_400_000;
    let start = |day: &Option<String>| {
        day.as_deref()
            .and_then(day_number)
            .map(|d| d * DAY - offset_seconds * 1000)
    };
    let mut from = start(&search.after).map(|s| s + DAY);
    let mut until = start(&search.before);
    if let Some(on) = start(&search.on) {
        from = Some(from.map_or(on, |f| std::cmp::max(f, on)));
        until = Some(until.map_or(on + DAY, |u| std::cmp::min(u, on + DAY)));
    }
    (from, until)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date in the proleptic Gregorian calendar.
fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let in_month = *month_days.get(usize::try_from(month - 1).ok()?)?;
    if !(1..=in_month).contains(&day) {
        return None;
    }
    // Count from March so that the leap day ends a year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = (month + 9) % 12;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The posts matching `terms` in `scope` as a post list with each post's matched words.
pub async fn post_list(
    caller: &crate::auth::Caller,
    terms: &str,
    scope: &Scope,
) -> Result<crate::contract::types::PostListWithSearchMatches, ApiError> {
    let db = caller.state.db();
    let page = posts(db, &Search::parse(terms), scope).await?;
    let mut matches = std::collections::HashMap::with_capacity(page.len());
    let mut rows = Vec::with_capacity(page.len());
    for (p, words) in page {
        matches.insert(p.id.clone(), words);
        rows.push(p);
    }
    let list = super::posts::post_list(db, rows).await?;
    Ok(crate::contract::types::PostListWithSearchMatches {
        order: list.order,
        posts: list.posts,
        matches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mattermost_syntax() {
        let s = Search::parse(
            r#"Deploy "release notes" roll* -staging #ops from:@ann in:~town-square on:2026-12-02"#,
        );
        assert_eq!(s.words, ["deploy", "release notes", "roll*"]);
        assert_eq!(s.excluded, ["staging"]);
        assert_eq!(s.hashtags, ["#ops"]);
        assert_eq!(s.from, ["ann"]);
        assert_eq!(s.in_channels, ["town-square"]);
        assert_eq!(s.on.as_deref(), Some("2026-12-02"));
    }

    #[test]
    fn day_numbers_are_days_since_the_epoch() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(day_number("2024-02-29"), Some(19_782));
        assert_eq!(day_number("2023-02-29"), None);
        assert_eq!(day_number("2026-13-01"), None);
        assert_eq!(day_number("soon"), None);
    }

    #[test]
    fn after_starts_when_its_day_ends_in_the_callers_zone() {
        let s = Search::parse("after:1970-01-01 before:1970-01-03");
        assert_eq!(
            date_range(&s, 3600),
            (
                Some(86_400_000 - 3_600_000),
                Some(2 * 86_400_000 - 3_600_000)
            )
        );
        let on = Search::parse("on:1970-01-02");
        assert_eq!(date_range(&on, 0), (Some(86_400_000), Some(2 * 86_400_000)));
    }
}
