//! The System Console's site and team statistics (GetAnalyticsOld): Mattermost's row names,
//! counted from the database.

use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::{channel, post, session, status, team, team_member, user};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Statement,
};

const DAY_MS: i64 = 86_400_000;

fn row(name: &str, value: u64) -> types::GetAnalyticsOldResponseItem {
    types::GetAnalyticsOldResponseItem {
        name: Some(name.to_owned()),
        value: Some(i64::try_from(value).unwrap_or(i64::MAX)),
    }
}

/// The live channels of the team (all when None), as a subquery condition on post rows.
fn in_team(team_id: Option<&str>) -> Condition {
    match team_id {
        None => Condition::all(),
        Some(team_id) => Condition::all().add(
            post::Column::ChannelId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(channel::Column::Id)
                    .from(channel::Entity)
                    .and_where(channel::Column::TeamId.eq(team_id))
                    .to_owned(),
            ),
        ),
    }
}

/// `standard`: the counts the console's site (or team) statistics open with.
async fn standard(
    db: &impl ConnectionTrait,
    team_id: Option<&str>,
    connections: u64,
) -> Result<Vec<types::GetAnalyticsOldResponseItem>, ApiError> {
    let channels = |kind: &'static str| {
        let mut find = channel::Entity::find()
            .filter(channel::Column::ChannelType.eq(kind))
            .filter(channel::Column::DeleteAt.eq(0));
        if let Some(team_id) = team_id {
            find = find.filter(channel::Column::TeamId.eq(team_id));
        }
        find
    };
    let open = channels("O").count(db).await?;
    let private = channels("P").count(db).await?;
    let posts = post::Entity::find()
        .filter(post::Column::DeleteAt.eq(0))
        .filter(in_team(team_id))
        .count(db)
        .await?;
    let users = match team_id {
        Some(team_id) => {
            team_member::Entity::find()
                .filter(team_member::Column::TeamId.eq(team_id))
                .filter(team_member::Column::DeleteAt.eq(0))
                .count(db)
                .await?
        }
        None => {
            user::Entity::find()
                .filter(user::Column::DeleteAt.eq(0))
                .count(db)
                .await?
        }
    };
    let teams = team::Entity::find()
        .filter(team::Column::DeleteAt.eq(0))
        .count(db)
        .await?;
    let now = now_millis();
    let active_since = |since: i64| {
        status::Entity::find()
            .filter(status::Column::LastActivityAt.gt(since))
            .count(db)
    };
    let daily = active_since(now - DAY_MS).await?;
    let monthly = active_since(now - 30 * DAY_MS).await?;
    let inactive = user::Entity::find()
        .filter(user::Column::DeleteAt.ne(0))
        .count(db)
        .await?;
    Ok(vec![
        row("channel_open_count", open),
        row("channel_private_count", private),
        row("post_count", posts),
        row("unique_user_count", users),
        row("team_count", teams),
        row("total_websocket_connections", 0),
        row("total_master_db_connections", connections),
        row("total_read_db_connections", 0),
        row("daily_active_users", daily),
        row("monthly_active_users", monthly),
        row("inactive_user_count", inactive),
    ])
}

/// Posts (or distinct posters) a day over the last 30 days, oldest day first, named
/// `YYYY-MM-DD` (UTC).
async fn per_day(
    db: &impl ConnectionTrait,
    team_id: Option<&str>,
    distinct_users: bool,
) -> Result<Vec<types::GetAnalyticsOldResponseItem>, ApiError> {
    let backend = db.get_database_backend();
    let since = (now_millis() / DAY_MS - 30) * DAY_MS;
    let counted = if distinct_users {
        "COUNT(DISTINCT user_id)"
    } else {
        "COUNT(*)"
    };
    let placeholder = |n: usize| match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let mut sql = format!(
        "SELECT create_at / {DAY_MS} AS day, {counted} AS n FROM posts \
         WHERE delete_at = 0 AND create_at >= {}",
        placeholder(1)
    );
    let mut values: Vec<sea_orm::Value> = vec![since.into()];
    if let Some(team_id) = team_id {
        sql.push_str(&format!(
            " AND channel_id IN (SELECT id FROM channels WHERE team_id = {})",
            placeholder(2)
        ));
        values.push(team_id.into());
    }
    sql.push_str(" GROUP BY create_at / 86400000 ORDER BY day");
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let day: i64 = r.try_get("", "day")?;
        let n: i64 = r.try_get("", "n")?;
        let (y, m, d) = crate::logs::civil_from_days(day);
        out.push(row(
            &format!("{y:04}-{m:02}-{d:02}"),
            u64::try_from(n).unwrap_or(0),
        ));
    }
    Ok(out)
}

/// `extra_counts`: posts with files and hashtags, integrations, sessions.
async fn extra(
    db: &impl ConnectionTrait,
    team_id: Option<&str>,
) -> Result<Vec<types::GetAnalyticsOldResponseItem>, ApiError> {
    let live = || {
        post::Entity::find()
            .filter(post::Column::DeleteAt.eq(0))
            .filter(in_team(team_id))
    };
    let with_files = live()
        .filter(post::Column::FileIds.ne("[]"))
        .filter(post::Column::FileIds.ne(""))
        .count(db)
        .await?;
    let with_hashtags = live()
        .filter(post::Column::Hashtags.ne(""))
        .count(db)
        .await?;
    let sessions = session::Entity::find().select_only().count(db).await?;
    Ok(vec![
        row("file_post_count", with_files),
        row("hashtag_post_count", with_hashtags),
        row("incoming_webhook_count", 0),
        row("outgoing_webhook_count", 0),
        row("command_count", 0),
        row("session_count", sessions),
    ])
}

/// The rows of the statistics `name` (`standard` when empty); unknown names answer none.
pub async fn rows(
    db: &impl ConnectionTrait,
    name: &str,
    team_id: Option<&str>,
    connections: u64,
) -> Result<Vec<types::GetAnalyticsOldResponseItem>, ApiError> {
    match name {
        "" | "standard" => standard(db, team_id, connections).await,
        "post_counts_day" => per_day(db, team_id, false).await,
        "user_counts_with_posts_day" => per_day(db, team_id, true).await,
        "extra_counts" => extra(db, team_id).await,
        _ => Ok(Vec::new()),
    }
}
