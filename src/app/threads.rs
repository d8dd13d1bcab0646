//! Collapsed reply threads as one user sees them: the threads they follow in a team,
//! listed, counted and marked read in SQL (never loaded whole), and one thread's view.

use super::{channels, posts, users};
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::{post, thread, thread_membership, user};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef, Select,
};
use std::collections::HashMap;

/// Which of a user's followed threads a listing takes.
pub struct Followed<'a> {
    pub user_id: &'a str,
    pub team_id: &'a str,
    /// Threads whose root is deleted (and archived channels) too.
    pub include_deleted: bool,
    /// Only threads with a reply after this (milliseconds).
    pub since: i64,
}

/// threads ⋈ thread_memberships on the root post.
fn membership_join() -> RelationDef {
    thread::Entity::belongs_to(thread_membership::Entity)
        .from(thread::Column::PostId)
        .to(thread_membership::Column::PostId)
        .into()
}

/// The followed threads of `f`, with their membership joined.
fn followed(f: &Followed<'_>) -> Select<thread::Entity> {
    let mut find = thread::Entity::find()
        .join(JoinType::InnerJoin, membership_join())
        .filter(thread_membership::Column::UserId.eq(f.user_id))
        .filter(thread_membership::Column::Following.eq(true))
        .filter(
            thread::Column::ChannelId.in_subquery(channels::member_channel_ids(
                f.user_id,
                f.team_id,
                f.include_deleted,
            )),
        )
        .filter(thread::Column::LastReplyAt.gt(f.since));
    if !f.include_deleted {
        find = find.filter(thread::Column::DeleteAt.eq(0));
    }
    find
}

/// Replies by others after the member last looked (for the joined membership row).
fn has_unread_replies(user_id: &str) -> Condition {
    let replies = Query::select()
        .expr(Expr::val(1))
        .from(post::Entity)
        .and_where(
            Expr::col((post::Entity, post::Column::RootId))
                .equals((thread::Entity, thread::Column::PostId)),
        )
        .and_where(Expr::col((post::Entity, post::Column::DeleteAt)).eq(0))
        .and_where(Expr::col((post::Entity, post::Column::UserId)).ne(user_id))
        .and_where(
            Expr::col((post::Entity, post::Column::CreateAt)).gt(Expr::col((
                thread_membership::Entity,
                thread_membership::Column::LastViewed,
            ))),
        )
        .to_owned();
    Condition::all().add(Expr::exists(replies))
}

/// The total of the joined memberships' unread mentions.
fn mention_sum() -> Expr {
    super::rosters::sum(Expr::col((
        thread_membership::Entity,
        thread_membership::Column::UnreadMentions,
    )))
}

#[derive(FromQueryResult)]
struct Sum {
    n: i64,
}

/// How many threads `f` takes, how many have unread replies, and their unread mentions.
pub async fn totals(caller: &Caller, f: &Followed<'_>) -> Result<(u64, u64, i64), ApiError> {
    let db = caller.state.db();
    let total = followed(f).count(db).await?;
    let unread = followed(f)
        .filter(has_unread_replies(f.user_id))
        .count(db)
        .await?;
    let mentions = followed(f)
        .select_only()
        .expr_as(mention_sum(), "n")
        .into_model::<Sum>()
        .one(db)
        .await?
        .map_or(0, |s| s.n);
    Ok((total, unread, mentions))
}

/// A page of the threads of `f`, most recently active first.
pub async fn page(
    caller: &Caller,
    f: &Followed<'_>,
    offset: u64,
    limit: u64,
) -> Result<Vec<types::UserThread>, ApiError> {
    let rows = followed(f)
        .order_by_desc(thread::Column::LastReplyAt)
        .order_by_desc(thread::Column::PostId)
        .offset(offset)
        .limit(limit)
        .all(caller.state.db())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for t in &rows {
        out.push(view(caller, t, f.user_id).await?);
    }
    Ok(out)
}

#[derive(FromQueryResult)]
struct ChannelSum {
    channel_id: String,
    n: i64,
}

/// Unread mentions in live followed threads, by channel (channels without any left out).
pub async fn mention_counts(
    caller: &Caller,
    user_id: &str,
    team_id: &str,
) -> Result<HashMap<String, i64>, ApiError> {
    let f = Followed {
        user_id,
        team_id,
        include_deleted: false,
        since: 0,
    };
    let rows = followed(&f)
        .filter(thread_membership::Column::UnreadMentions.gt(0))
        .select_only()
        .column(thread::Column::ChannelId)
        .expr_as(mention_sum(), "n")
        .group_by(thread::Column::ChannelId)
        .into_model::<ChannelSum>()
        .all(caller.state.db())
        .await?;
    Ok(rows.into_iter().map(|r| (r.channel_id, r.n)).collect())
}

/// Every live followed thread of the team is read now, in one UPDATE.
pub async fn mark_all_read(caller: &Caller, user_id: &str, team_id: &str) -> Result<(), ApiError> {
    let now = now_millis();
    let live_threads = Query::select()
        .column(thread::Column::PostId)
        .from(thread::Entity)
        .and_where(thread::Column::DeleteAt.eq(0))
        .and_where(
            thread::Column::ChannelId
                .in_subquery(channels::member_channel_ids(user_id, team_id, false)),
        )
        .to_owned();
    thread_membership::Entity::update_many()
        .col_expr(thread_membership::Column::LastViewed, Expr::value(now))
        .col_expr(thread_membership::Column::LastUpdated, Expr::value(now))
        .col_expr(thread_membership::Column::UnreadMentions, Expr::value(0))
        .filter(thread_membership::Column::UserId.eq(user_id))
        .filter(thread_membership::Column::Following.eq(true))
        .filter(thread_membership::Column::PostId.in_subquery(live_threads))
        .exec(caller.state.db())
        .await?;
    Ok(())
}

/// The thread `thread_id` (a root post with replies) in a channel the caller can read.
pub async fn readable(caller: &Caller, thread_id: &str) -> Result<thread::Model, ApiError> {
    let db = caller.state.db();
    let root = posts::get(db, thread_id).await?;
    channels::require_read(caller, &channels::get(db, &root.channel_id).await?).await?;
    thread::Entity::find_by_id(thread_id)
        .one(db)
        .await?
        .ok_or_else(posts::not_found)
}

/// `user_id`'s view of a thread: counts, participants, the root post, and what is unread.
pub async fn view(
    caller: &Caller,
    t: &thread::Model,
    user_id: &str,
) -> Result<types::UserThread, ApiError> {
    let db = caller.state.db();
    let root = posts::get(db, &t.post_id).await?;
    let m = posts::membership(db, &t.post_id, user_id).await?;
    let last_viewed = m.as_ref().map_or(0, |m| m.last_viewed);
    let unread = unread_replies(db, &t.post_id, user_id, last_viewed).await?;
    let mut post = posts::to_api(&root, Some(t));
    post.is_following = Some(m.as_ref().is_some_and(|m| m.following));
    Ok(types::UserThread {
        id: Some(t.post_id.clone()),
        reply_count: Some(t.reply_count),
        last_reply_at: Some(t.last_reply_at),
        last_viewed_at: Some(last_viewed),
        participants: participants(caller, db, t).await?,
        post: Some(post),
        unread_replies: Some(i64::try_from(unread).unwrap_or(i64::MAX)),
        unread_mentions: Some(m.as_ref().map_or(0, |m| m.unread_mentions)),
        is_urgent: Some(false),
        deleted: Some(t.delete_at != 0),
    })
}

async fn unread_replies(
    db: &impl ConnectionTrait,
    root_id: &str,
    user_id: &str,
    last_viewed: i64,
) -> Result<u64, ApiError> {
    Ok(post::Entity::find()
        .filter(post::Column::RootId.eq(root_id))
        .filter(post::Column::DeleteAt.eq(0))
        .filter(post::Column::CreateAt.gt(last_viewed))
        .filter(post::Column::UserId.ne(user_id))
        .count(db)
        .await?)
}

/// Those who replied, oldest first, as profiles.
async fn participants(
    caller: &Caller,
    db: &impl ConnectionTrait,
    t: &thread::Model,
) -> Result<Vec<types::User>, ApiError> {
    let ids: Vec<String> = serde_json::from_str(&t.participants).unwrap_or_default();
    let mut people = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    people.sort_by_key(|u| ids.iter().position(|id| *id == u.id));
    let config = caller.state.config();
    Ok(people
        .iter()
        .map(|u| users::to_api(u, users::View::Profile, &config, None))
        .collect())
}

/// The thread is unread for `user_id` from post `from_id` (the root or one of its
/// replies) on.
pub async fn set_unread_from(
    caller: &Caller,
    t: &thread::Model,
    user_id: &str,
    from_id: &str,
) -> Result<(), ApiError> {
    let db = caller.state.db();
    let from = posts::get(db, from_id).await?;
    if from.root_id != t.post_id && from.id != t.post_id {
        return Err(ApiError::invalid_url_param("post_id"));
    }
    let change = posts::MembershipChange {
        last_viewed: Some(from.create_at - 1),
        ..posts::MembershipChange::default()
    };
    posts::upsert_membership(db, &t.post_id, user_id, change).await?;
    Ok(())
}

/// Whether collapsed reply threads are on for each of `user_ids`: the server's
/// `ServiceSettings.CollapsedThreads`, and with `default_on`/`default_off` each user's
/// `display_settings`/`collapsed_reply_threads` preference.
async fn with_threads_on(caller: &Caller, user_ids: Vec<String>) -> Result<Vec<String>, ApiError> {
    use crate::store::entity::preference;
    let setting = caller
        .state
        .config()
        .setting("ServiceSettings", "CollapsedThreads")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let default_on = match setting.as_str() {
        "disabled" => return Ok(Vec::new()),
        "default_on" => true,
        "default_off" => false,
        _ => return Ok(user_ids),
    };
    let chosen: HashMap<String, String> = preference::Entity::find()
        .select_only()
        .column(preference::Column::UserId)
        .column(preference::Column::Value)
        .filter(preference::Column::UserId.is_in(user_ids.clone()))
        .filter(preference::Column::Category.eq("display_settings"))
        .filter(preference::Column::Name.eq("collapsed_reply_threads"))
        .into_tuple::<(String, String)>()
        .all(caller.state.db())
        .await?
        .into_iter()
        .collect();
    Ok(user_ids
        .into_iter()
        .filter(|id| chosen.get(id).map_or(default_on, |v| v == "on"))
        .collect())
}

/// What a new reply tells the followers of its thread.
pub struct ReplyNotice {
    /// Those the `posted` event names in `followers` (each sees only themself): followers
    /// with collapsed threads on, other than the author, whose desktop settings ask for
    /// this reply.
    pub followers: Vec<String>,
    /// `thread_updated`, one to each follower with collapsed threads on (the author too),
    /// with the thread as they see it now and what was unread before this reply.
    pub events: Vec<super::events::Event>,
}

/// Whether a follower's desktop settings ask to hear of a reply: the channel's setting
/// when it has one, else the account's (`desktop` not `none`, and the reply mentions
/// them or `desktop_threads` or `desktop` is `all`).
fn desktop_wants(account_props: &str, member_props: &str, mentioned: bool) -> bool {
    let prop = |json: &str, key: &str| -> String {
        serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v.get(key).and_then(|v| v.as_str().map(str::to_owned)))
            .unwrap_or_default()
    };
    match prop(member_props, "desktop").as_str() {
        "all" => true,
        "none" => false,
        "mention" => mentioned,
        _ => {
            let desktop = prop(account_props, "desktop");
            let threads = prop(account_props, "desktop_threads");
            desktop != "none" && (mentioned || threads != "mention" || desktop == "all")
        }
    }
}

/// What reply `reply` (stored) tells its thread's followers who are still in the channel.
pub async fn reply_notice(
    caller: &Caller,
    reply: &post::Model,
    team_id: &str,
    mentioned: &[String],
) -> Result<ReplyNotice, ApiError> {
    use crate::store::entity::channel_member;
    let db = caller.state.db();
    let mut notice = ReplyNotice {
        followers: Vec::new(),
        events: Vec::new(),
    };
    let Some(t) = thread::Entity::find_by_id(reply.root_id.clone())
        .one(db)
        .await?
    else {
        return Ok(notice);
    };
    let followers: Vec<String> = thread_membership::Entity::find()
        .select_only()
        .column(thread_membership::Column::UserId)
        .filter(thread_membership::Column::PostId.eq(t.post_id.clone()))
        .filter(thread_membership::Column::Following.eq(true))
        .filter(thread_membership::Column::UserId.in_subquery(channels::member_ids(&t.channel_id)))
        .into_tuple()
        .all(db)
        .await?;
    let followers = with_threads_on(caller, followers).await?;
    let accounts: HashMap<String, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::NotifyProps)
        .filter(user::Column::Id.is_in(followers.clone()))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let members: HashMap<String, String> = channel_member::Entity::find()
        .select_only()
        .column(channel_member::Column::UserId)
        .column(channel_member::Column::NotifyProps)
        .filter(channel_member::Column::ChannelId.eq(t.channel_id.clone()))
        .filter(channel_member::Column::UserId.is_in(followers.clone()))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for user_id in followers {
        let is_mentioned = mentioned.contains(&user_id);
        let props = |m: &HashMap<String, String>| m.get(&user_id).cloned().unwrap_or_default();
        if user_id != reply.user_id
            && desktop_wants(&props(&accounts), &props(&members), is_mentioned)
        {
            notice.followers.push(user_id.clone());
        }
        let shown = view(caller, &t, &user_id).await?;
        let previous = (
            std::cmp::max(
                shown.unread_mentions.unwrap_or(0) - i64::from(is_mentioned),
                0,
            ),
            std::cmp::max(shown.unread_replies.unwrap_or(0) - 1, 0),
        );
        let updated = super::events::thread_updated(&user_id, team_id, &shown, previous);
        notice.events.push(updated);
    }
    Ok(notice)
}
