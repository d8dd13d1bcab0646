//! Posts and threads: creating a post updates its channel's counters, the mentions of
//! those it names, and (for a reply) its thread and the thread memberships; reading builds
//! Mattermost's post lists; a thread's unread replies are those after the member last
//! looked.

use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::{channel, channel_member, file_info, post, thread, thread_membership};
use axum::http::StatusCode;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, HashMap, HashSet};

pub mod ids {
    pub const NOT_FOUND: &str = "app.post.get.app_error";
    pub const DELETED_CHANNEL: &str = "api.post.create_post.can_not_post_to_deleted.error";
    pub const ROOT_INVALID: &str = "api.post.create_post.root_id.app_error";
    pub const ROOT_CHANNEL: &str = "api.post.create_post.channel_root_id.app_error";
    pub const MESSAGE: &str = "model.post.is_valid.msg.app_error";
    pub const UPDATE_DELETED_CHANNEL: &str =
        "api.post.update_post.can_not_update_post_in_deleted.error";
    pub const PATCH_DELETED_CHANNEL: &str =
        "api.post.patch_post.can_not_update_post_in_deleted.error";
    pub const DELETE_DELETED_CHANNEL: &str =
        "api.post.delete_post.can_not_delete_post_in_deleted.error";
    pub const SYSTEM_MESSAGE: &str = "api.post.update_post.system_message.app_error";
    pub const ALREADY_DELETED: &str = "api.post.update_post.permissions_details.app_error";
}

/// The longest message Mattermost stores, in characters.
pub const MAX_MESSAGE_RUNES: usize = 16_383;

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::NOT_FOUND,
        "There is no such post.",
    )
}

/// A post by id, deleted or not.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<post::Model, ApiError> {
    post::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(not_found)
}

pub fn validate_message(message: &str) -> Result<(), ApiError> {
    if message.chars().count() > MAX_MESSAGE_RUNES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::MESSAGE,
            "The message is too long.",
        ));
    }
    Ok(())
}

/// The `#words` of a message, space-separated, as Mattermost stores them.
pub(super) fn hashtags(message: &str) -> String {
    let mut tags: Vec<&str> = Vec::new();
    for word in message.split_whitespace() {
        let word = word.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
        if word.len() > 1
            && word.starts_with('#')
            && word[1..].starts_with(char::is_alphabetic)
            && !tags.contains(&word)
        {
            tags.push(word);
        }
    }
    tags.join(" ")
}

/// The usernames a message mentions (`@name`), and whether it mentions the whole channel
/// (`@channel`, `@all`, `@here`).
pub(super) fn mentions(message: &str) -> (HashSet<String>, bool) {
    let mut names = HashSet::new();
    let mut everyone = false;
    for word in message.split_whitespace() {
        let Some(name) = word.strip_prefix('@') else {
            continue;
        };
        let name = name
            .trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .to_lowercase();
        match name.as_str() {
            "channel" | "all" | "here" => everyone = true,
            "" => {}
            _ => {
                names.insert(name);
            }
        }
    }
    (names, everyone)
}

/// Whether `message` mentions `username` (or, when `everyone` counts, the whole channel).
pub fn mentions_user(message: &str, username: &str, everyone: bool) -> bool {
    let (names, all) = mentions(message);
    names.contains(&username.to_lowercase()) || (all && everyone)
}

/// A reply's effect on its thread and the thread memberships.
pub(super) async fn record_reply(
    db: &impl ConnectionTrait,
    root: &post::Model,
    reply: &post::Model,
    mentioned: &[String],
) -> Result<(), ApiError> {
    // The thread row exists once (concurrent first replies: one insert wins). Its counts
    // move by SQL expressions, and that update locks the row until the transaction ends,
    // so the participants read after it are the latest and no concurrent reply is lost.
    let fresh = thread::Model {
        post_id: root.id.clone(),
        channel_id: root.channel_id.clone(),
        reply_count: 0,
        last_reply_at: 0,
        participants: "[]".to_owned(),
        delete_at: 0,
    };
    thread::Entity::insert(fresh.into_active_model())
        .on_conflict(
            OnConflict::column(thread::Column::PostId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let later = Expr::col(thread::Column::LastReplyAt).lt(reply.create_at);
    thread::Entity::update_many()
        .col_expr(
            thread::Column::ReplyCount,
            Expr::col(thread::Column::ReplyCount).add(1),
        )
        .col_expr(
            thread::Column::LastReplyAt,
            Expr::case(later, reply.create_at)
                .finally(Expr::col(thread::Column::LastReplyAt))
                .into(),
        )
        .filter(thread::Column::PostId.eq(root.id.clone()))
        .exec(db)
        .await?;
    let stored: Option<String> = thread::Entity::find_by_id(root.id.clone())
        .select_only()
        .column(thread::Column::Participants)
        .into_tuple()
        .one(db)
        .await?;
    let mut participants: Vec<String> = stored
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default();
    if !participants.contains(&reply.user_id) {
        participants.push(reply.user_id.clone());
        thread::Entity::update_many()
            .col_expr(
                thread::Column::Participants,
                Expr::value(serde_json::to_string(&participants).map_err(ApiError::internal)?),
            )
            .filter(thread::Column::PostId.eq(root.id.clone()))
            .exec(db)
            .await?;
    }
    // The replier follows and has read it all; the root's author follows unless they
    // stopped; the mentioned follow with one more unread mention.
    let replier = MembershipChange {
        following: Some(true),
        last_viewed: Some(reply.create_at),
        clear_mentions: true,
    };
    upsert_membership(db, &root.id, &reply.user_id, replier).await?;
    if root.user_id != reply.user_id {
        // Only a membership made now: one the author has (perhaps unfollowed) stays.
        ensure_memberships(db, &root.id, std::slice::from_ref(&root.user_id), true).await?;
    }
    if !mentioned.is_empty() {
        ensure_memberships(db, &root.id, mentioned, false).await?;
        thread_membership::Entity::update_many()
            .col_expr(thread_membership::Column::Following, Expr::value(true))
            .col_expr(
                thread_membership::Column::UnreadMentions,
                Expr::col(thread_membership::Column::UnreadMentions).add(1),
            )
            .col_expr(
                thread_membership::Column::LastUpdated,
                Expr::value(now_millis()),
            )
            .filter(thread_membership::Column::PostId.eq(root.id.clone()))
            .filter(thread_membership::Column::UserId.is_in(mentioned.to_vec()))
            .exec(db)
            .await?;
    }
    Ok(())
}

pub async fn membership(
    db: &impl ConnectionTrait,
    root_id: &str,
    user_id: &str,
) -> Result<Option<thread_membership::Model>, ApiError> {
    Ok(
        thread_membership::Entity::find_by_id((root_id.to_owned(), user_id.to_owned()))
            .one(db)
            .await?,
    )
}

/// What changes in a thread membership; `None` leaves a field as it is.
#[derive(Default)]
pub struct MembershipChange {
    pub following: Option<bool>,
    pub last_viewed: Option<i64>,
    /// The unread mentions go back to 0.
    pub clear_mentions: bool,
}

impl MembershipChange {
    pub fn follow(following: bool) -> Self {
        Self {
            following: Some(following),
            ..Self::default()
        }
    }
}

/// The memberships of `user_ids` in a thread exist (new ones: `following` or not, nothing
/// read; existing ones unchanged); whoever asks at the same time, each is made once.
async fn ensure_memberships(
    db: &impl ConnectionTrait,
    root_id: &str,
    user_ids: &[String],
    following: bool,
) -> Result<(), ApiError> {
    let fresh = user_ids.iter().map(|id| {
        thread_membership::Model {
            post_id: root_id.to_owned(),
            user_id: id.clone(),
            following,
            last_viewed: 0,
            last_updated: 0,
            unread_mentions: 0,
        }
        .into_active_model()
    });
    thread_membership::Entity::insert_many(fresh)
        .on_conflict(
            OnConflict::columns([
                thread_membership::Column::PostId,
                thread_membership::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Changes (or creates, not following, nothing read) `user_id`'s membership of a thread,
/// in one UPDATE of the fields named (no read-modify-write).
pub async fn upsert_membership(
    db: &impl ConnectionTrait,
    root_id: &str,
    user_id: &str,
    change: MembershipChange,
) -> Result<thread_membership::Model, ApiError> {
    ensure_memberships(db, root_id, &[user_id.to_owned()], false).await?;
    let mut update = thread_membership::Entity::update_many().col_expr(
        thread_membership::Column::LastUpdated,
        Expr::value(now_millis()),
    );
    if let Some(following) = change.following {
        update = update.col_expr(thread_membership::Column::Following, Expr::value(following));
    }
    if let Some(at) = change.last_viewed {
        update = update.col_expr(thread_membership::Column::LastViewed, Expr::value(at));
    }
    if change.clear_mentions {
        update = update.col_expr(thread_membership::Column::UnreadMentions, Expr::value(0));
    }
    update
        .filter(thread_membership::Column::PostId.eq(root_id))
        .filter(thread_membership::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    membership(db, root_id, user_id)
        .await?
        .ok_or_else(|| ApiError::internal("a thread membership vanished"))
}

/// Soft-deletes a post; a root post takes its replies and thread with it, a reply leaves
/// its thread one reply shorter.
pub async fn delete(db: &impl ConnectionTrait, p: post::Model) -> Result<(), ApiError> {
    let now = now_millis();
    post::Entity::update_many()
        .col_expr(post::Column::DeleteAt, Expr::value(now))
        .col_expr(post::Column::UpdateAt, Expr::value(now))
        .filter(
            Condition::any()
                .add(post::Column::Id.eq(p.id.clone()))
                .add(post::Column::RootId.eq(p.id.clone())),
        )
        .filter(post::Column::DeleteAt.eq(0))
        .exec(db)
        .await?;
    // Their files go with them.
    let with_replies = sea_orm::sea_query::Query::select()
        .column(post::Column::Id)
        .from(post::Entity)
        .cond_where(
            Condition::any()
                .add(post::Column::Id.eq(p.id.clone()))
                .add(post::Column::RootId.eq(p.id.clone())),
        )
        .to_owned();
    file_info::Entity::update_many()
        .col_expr(file_info::Column::DeleteAt, Expr::value(now))
        .col_expr(file_info::Column::UpdateAt, Expr::value(now))
        .filter(file_info::Column::PostId.in_subquery(with_replies))
        .filter(file_info::Column::DeleteAt.eq(0))
        .exec(db)
        .await?;
    if p.root_id.is_empty() {
        thread::Entity::update_many()
            .col_expr(thread::Column::DeleteAt, Expr::value(now))
            .filter(thread::Column::PostId.eq(p.id.clone()))
            .exec(db)
            .await?;
    } else {
        // Counted by the database as the update runs: concurrent deletes and replies agree.
        let live_replies = sea_orm::sea_query::Query::select()
            .expr(Expr::col(post::Column::Id).count())
            .from(post::Entity)
            .and_where(post::Column::RootId.eq(p.root_id.clone()))
            .and_where(post::Column::DeleteAt.eq(0))
            .to_owned();
        thread::Entity::update_many()
            .col_expr(
                thread::Column::ReplyCount,
                Expr::SubQuery(None, Box::new(live_replies.into())),
            )
            .filter(thread::Column::PostId.eq(p.root_id.clone()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Removes every post, thread and thread membership of the channels given (a team's,
/// when it is deleted for good).
pub async fn delete_in_channels(
    db: &impl ConnectionTrait,
    channel_ids: Vec<String>,
) -> Result<(), ApiError> {
    let roots: Vec<String> = thread::Entity::find()
        .filter(thread::Column::ChannelId.is_in(channel_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.post_id)
        .collect();
    thread_membership::Entity::delete_many()
        .filter(thread_membership::Column::PostId.is_in(roots))
        .exec(db)
        .await?;
    thread::Entity::delete_many()
        .filter(thread::Column::ChannelId.is_in(channel_ids.clone()))
        .exec(db)
        .await?;
    crate::store::entity::reaction::Entity::delete_many()
        .filter(crate::store::entity::reaction::Column::ChannelId.is_in(channel_ids.clone()))
        .exec(db)
        .await?;
    crate::store::entity::post_acknowledgement::Entity::delete_many()
        .filter(
            crate::store::entity::post_acknowledgement::Column::ChannelId
                .is_in(channel_ids.clone()),
        )
        .exec(db)
        .await?;
    crate::store::entity::post_reminder::Entity::delete_many()
        .filter(
            crate::store::entity::post_reminder::Column::PostId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(post::Column::Id)
                    .from(post::Entity)
                    .and_where(post::Column::ChannelId.is_in(channel_ids.clone()))
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    post::Entity::delete_many()
        .filter(post::Column::ChannelId.is_in(channel_ids))
        .exec(db)
        .await?;
    Ok(())
}

/// Saves an edited post: the message and props given, `edit_at` when the message changed.
pub async fn save(db: &impl ConnectionTrait, mut p: post::Model) -> Result<post::Model, ApiError> {
    validate_message(&p.message)?;
    p.hashtags = hashtags(&p.message);
    if p.props.contains("\"actions\"") {
        let props = serde_json::from_str(&p.props).unwrap_or_default();
        p.props = serde_json::Value::Object(super::post_actions::with_ids(props)).to_string();
    }
    p.update_at = now_millis();
    Ok(p.into_active_model().reset_all().update(db).await?)
}

/// The thread of each root among `posts` (for reply counts).
async fn threads_of(
    db: &impl ConnectionTrait,
    posts: &[post::Model],
) -> Result<BTreeMap<String, thread::Model>, ApiError> {
    let ids: Vec<String> = posts
        .iter()
        .filter(|p| p.root_id.is_empty())
        .map(|p| p.id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(thread::Entity::find()
        .filter(thread::Column::PostId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.post_id.clone(), t))
        .collect())
}

/// The post as Mattermost's JSON shows it; a deleted post shows no message or props.
pub fn to_api(p: &post::Model, t: Option<&thread::Model>) -> types::Post {
    let deleted = p.delete_at != 0;
    let props = if deleted {
        serde_json::Map::new()
    } else {
        super::post_actions::stripped(serde_json::from_str(&p.props).unwrap_or_default())
    };
    types::Post {
        id: Some(p.id.clone()),
        create_at: Some(p.create_at),
        update_at: Some(p.update_at),
        delete_at: Some(p.delete_at),
        edit_at: Some(p.edit_at),
        user_id: Some(p.user_id.clone()),
        channel_id: Some(p.channel_id.clone()),
        root_id: Some(p.root_id.clone()),
        original_id: Some(p.original_id.clone()),
        message: Some(if deleted {
            String::new()
        } else {
            p.message.clone()
        }),
        type_: Some(p.post_type.clone()),
        props,
        hashtag: None,
        hashtags: Some(p.hashtags.clone()),
        file_ids: serde_json::from_str(&p.file_ids).unwrap_or_default(),
        pending_post_id: Some(p.pending_post_id.clone()),
        metadata: None,
        is_pinned: Some(p.is_pinned),
        reply_count: Some(t.map_or(0, |t| t.reply_count)),
        last_reply_at: t.map(|t| t.last_reply_at),
        is_following: None,
    }
}

pub async fn to_api_one(
    db: &impl ConnectionTrait,
    p: &post::Model,
) -> Result<types::Post, ApiError> {
    let root_id = if p.root_id.is_empty() {
        &p.id
    } else {
        &p.root_id
    };
    let t = thread::Entity::find_by_id(root_id.clone()).one(db).await?;
    let mut shown = to_api(p, t.as_ref());
    with_files(db, std::iter::once(&mut shown)).await?;
    Ok(shown)
}

/// Fills `metadata.files` of the posts that have files, as Mattermost shows a post.
pub async fn with_files<'a>(
    db: &impl ConnectionTrait,
    posts: impl IntoIterator<Item = &'a mut types::Post>,
) -> Result<(), ApiError> {
    let mut with: Vec<&mut types::Post> = posts
        .into_iter()
        .filter(|p| !p.file_ids.is_empty() && p.delete_at == Some(0))
        .collect();
    if with.is_empty() {
        return Ok(());
    }
    let ids = with.iter().filter_map(|p| p.id.clone()).collect();
    let mut by_post: HashMap<String, Vec<types::FileInfo>> = HashMap::new();
    for f in super::files::for_posts(db, ids, false).await? {
        by_post
            .entry(f.post_id.clone())
            .or_default()
            .push(super::files::to_api(&f));
    }
    for p in &mut with {
        if let Some(files) = p.id.as_ref().and_then(|id| by_post.remove(id)) {
            p.metadata.get_or_insert_with(Default::default).files = files;
        }
    }
    Ok(())
}

/// The posts among `ids` (in the order given; unknown ones left out) in channels the
/// caller can read, each channel checked once.
pub async fn readable_among(caller: &Caller, ids: &[String]) -> Result<Vec<post::Model>, ApiError> {
    let db = caller.state.db();
    let found: std::collections::HashMap<String, post::Model> = post::Entity::find()
        .filter(post::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut readable: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for id in ids {
        let Some(p) = found.get(id) else {
            continue;
        };
        let may = match readable.get(&p.channel_id) {
            Some(may) => *may,
            None => {
                let c = super::channels::get(db, &p.channel_id).await?;
                let may = super::channels::require_read(caller, &c).await.is_ok();
                readable.insert(p.channel_id.clone(), may);
                may
            }
        };
        if may {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// A channel's live pinned posts, newest first.
pub async fn pinned(
    db: &impl ConnectionTrait,
    channel_id: &str,
) -> Result<Vec<post::Model>, ApiError> {
    Ok(post::Entity::find()
        .filter(post::Column::ChannelId.eq(channel_id))
        .filter(post::Column::IsPinned.eq(true))
        .filter(post::Column::DeleteAt.eq(0))
        .order_by_desc(post::Column::CreateAt)
        .all(db)
        .await?)
}

/// A post list: `order` as given (newest first), every post in `posts`, plus the roots of
/// listed replies in `posts` only, for context.
pub async fn post_list(
    db: &impl ConnectionTrait,
    ordered: Vec<post::Model>,
) -> Result<types::PostList, ApiError> {
    let mut all = ordered.clone();
    let listed: HashSet<String> = ordered.iter().map(|p| p.id.clone()).collect();
    let missing_roots: Vec<String> = ordered
        .iter()
        .filter(|p| !p.root_id.is_empty() && !listed.contains(&p.root_id))
        .map(|p| p.root_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !missing_roots.is_empty() {
        all.extend(
            post::Entity::find()
                .filter(post::Column::Id.is_in(missing_roots))
                .all(db)
                .await?,
        );
    }
    let mut roots: Vec<post::Model> = all.clone();
    roots.retain(|p| p.root_id.is_empty());
    let threads = threads_of(db, &roots).await?;
    let thread_for = |p: &post::Model| {
        let key = if p.root_id.is_empty() {
            &p.id
        } else {
            &p.root_id
        };
        threads.get(key)
    };
    let mut posts: HashMap<String, types::Post> = all
        .iter()
        .map(|p| (p.id.clone(), to_api(p, thread_for(p))))
        .collect();
    with_files(db, posts.values_mut()).await?;
    Ok(types::PostList {
        order: ordered.iter().map(|p| p.id.clone()).collect(),
        posts,
        next_post_id: Some(String::new()),
        prev_post_id: Some(String::new()),
        has_next: Some(false),
    })
}

/// A thread: its root and every live reply, newest first.
pub async fn thread_posts(
    db: &impl ConnectionTrait,
    root: &post::Model,
) -> Result<Vec<post::Model>, ApiError> {
    let mut posts = post::Entity::find()
        .filter(post::Column::RootId.eq(root.id.clone()))
        .filter(post::Column::DeleteAt.eq(0))
        .order_by_desc(post::Column::CreateAt)
        .all(db)
        .await?;
    posts.push(root.clone());
    Ok(posts)
}

/// Which posts of a channel to list.
pub enum Page {
    /// `offset` newest-first posts from the newest.
    Offset { offset: u64, limit: u64 },
    /// Posts changed after this time, deleted ones too.
    Since(i64),
    /// The `limit` posts just before this one, newest first.
    Before { post: post::Model, limit: u64 },
    /// The `limit` posts just after this one, newest first.
    After { post: post::Model, limit: u64 },
}

/// How a client asks for a page of a channel's posts: `since` wins, then `before`, then
/// `after` (post ids of the channel), else page `page` of `per_page`.
pub struct PageQuery<'a> {
    pub since: Option<i64>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    /// The page `q` asks for in `channel_id` (400 for an anchor post not in it).
    pub async fn of(
        db: &impl ConnectionTrait,
        channel_id: &str,
        q: PageQuery<'_>,
    ) -> Result<Self, ApiError> {
        let limit = u64::try_from(q.per_page).unwrap_or(0);
        let anchor = |id: &str, name: &str| {
            let (id, name) = (id.to_owned(), name.to_owned());
            async move {
                if !crate::ids::is_valid_id(&id) {
                    return Err(ApiError::invalid_param(&name));
                }
                let p = get(db, &id).await?;
                if p.channel_id == channel_id {
                    Ok(p)
                } else {
                    Err(ApiError::invalid_param(&name))
                }
            }
        };
        let before = q.before.filter(|s| !s.is_empty());
        let after = q.after.filter(|s| !s.is_empty());
        Ok(if let Some(since) = q.since {
            Self::Since(since)
        } else if let Some(before) = before {
            let post = anchor(before, "before").await?;
            Self::Before { post, limit }
        } else if let Some(after) = after {
            let post = anchor(after, "after").await?;
            Self::After { post, limit }
        } else {
            let offset = u64::try_from(q.page.saturating_mul(q.per_page)).unwrap_or(0);
            Self::Offset { offset, limit }
        })
    }
}

/// How many posts a `since` request gets at most.
const SINCE_LIMIT: u64 = 1000;

pub async fn channel_posts(
    db: &impl ConnectionTrait,
    channel_id: &str,
    page: Page,
    include_deleted: bool,
) -> Result<Vec<post::Model>, ApiError> {
    let mut find = post::Entity::find().filter(post::Column::ChannelId.eq(channel_id));
    if !include_deleted && !matches!(page, Page::Since(_)) {
        find = find.filter(post::Column::DeleteAt.eq(0));
    }
    let rows = match page {
        Page::Offset { offset, limit } => {
            find.order_by_desc(post::Column::CreateAt)
                .order_by_desc(post::Column::Id)
                .offset(offset)
                .limit(limit)
                .all(db)
                .await?
        }
        // At most SINCE_LIMIT, as Mattermost answers.
        Page::Since(time) => {
            find.filter(post::Column::UpdateAt.gt(time))
                .order_by_desc(post::Column::CreateAt)
                .limit(SINCE_LIMIT)
                .all(db)
                .await?
        }
        Page::Before { post, limit } => {
            find.filter(post::Column::CreateAt.lt(post.create_at))
                .order_by_desc(post::Column::CreateAt)
                .limit(limit)
                .all(db)
                .await?
        }
        Page::After { post, limit } => {
            let mut rows = find
                .filter(post::Column::CreateAt.gt(post.create_at))
                .order_by_asc(post::Column::CreateAt)
                .limit(limit)
                .all(db)
                .await?;
            rows.reverse();
            rows
        }
    };
    Ok(rows)
}

/// Marks `c` unread for a member from `from` on: they have read everything before it, and
/// the posts from it on count as unread (with the mentions of `username` among them).
/// Returns (read message count, mention count, last viewed at).
pub async fn mark_unread_from(
    db: &impl ConnectionTrait,
    c: &channel::Model,
    m: channel_member::Model,
    from: &post::Model,
    username: &str,
    everyone: bool,
) -> Result<channel_member::Model, ApiError> {
    let unread = post::Entity::find()
        .filter(post::Column::ChannelId.eq(c.id.clone()))
        .filter(post::Column::DeleteAt.eq(0))
        .filter(post::Column::CreateAt.gte(from.create_at))
        .all(db)
        .await?;
    let unread_roots = unread.iter().filter(|p| p.root_id.is_empty()).count();
    let mentioning: Vec<&post::Model> = unread
        .iter()
        .filter(|p| p.user_id != m.user_id && mentions_user(&p.message, username, everyone))
        .collect();
    let root_mentions = mentioning.iter().filter(|p| p.root_id.is_empty()).count();
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let read = std::cmp::max(c.total_msg_count - count(unread.len()), 0);
    let read_roots = std::cmp::max(c.total_msg_count_root - count(unread_roots), 0);
    let mut row = m.into_active_model();
    row.last_viewed_at = Set(from.create_at - 1);
    row.msg_count = Set(read);
    row.msg_count_root = Set(read_roots);
    row.mention_count = Set(count(mentioning.len()));
    row.mention_count_root = Set(count(root_mentions));
    row.last_update_at = Set(now_millis());
    Ok(row.update(db).await?)
}

/// The posts of a channel around a time: the `after` oldest posts created after it and the
/// `before` newest at or before it, newest first; and the ids just beyond each end ("" when
/// there is none).
pub async fn around(
    db: &impl ConnectionTrait,
    channel_id: &str,
    at: i64,
    before: u64,
    after: u64,
) -> Result<(Vec<post::Model>, String, String), ApiError> {
    let live = || {
        post::Entity::find()
            .filter(post::Column::ChannelId.eq(channel_id))
            .filter(post::Column::DeleteAt.eq(0))
    };
    let mut newer = live()
        .filter(post::Column::CreateAt.gt(at))
        .order_by_asc(post::Column::CreateAt)
        .limit(after + 1)
        .all(db)
        .await?;
    let next = if newer.len() as u64 > after {
        newer.pop().map(|p| p.id).unwrap_or_default()
    } else {
        String::new()
    };
    let mut older = live()
        .filter(post::Column::CreateAt.lte(at))
        .order_by_desc(post::Column::CreateAt)
        .limit(before + 1)
        .all(db)
        .await?;
    let prev = if older.len() as u64 > before {
        older.pop().map(|p| p.id).unwrap_or_default()
    } else {
        String::new()
    };
    newer.reverse();
    newer.extend(older);
    Ok((newer, prev, next))
}

/// Marks a thread read for `user_id` up to `at` (its mentions count as seen when `at`
/// reaches the last reply).
pub async fn mark_read(
    db: &impl ConnectionTrait,
    t: &thread::Model,
    user_id: &str,
    at: i64,
) -> Result<(), ApiError> {
    let seen_all = at >= t.last_reply_at;
    let change = MembershipChange {
        last_viewed: Some(at),
        clear_mentions: seen_all,
        ..MembershipChange::default()
    };
    upsert_membership(db, &t.post_id, user_id, change).await?;
    Ok(())
}

/// A page of the live posts `user_id` flagged, newest first, in channels they are a member
/// of (of one channel, or of one team and the direct and group channels), as Mattermost
/// selects them.
pub async fn flagged(
    db: &impl ConnectionTrait,
    user_id: &str,
    channel_id: Option<&str>,
    team_id: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<Vec<post::Model>, ApiError> {
    use crate::store::entity::preference;
    use sea_orm::sea_query::Query;
    let flagged = Query::select()
        .column(preference::Column::Name)
        .from(preference::Entity)
        .and_where(preference::Column::UserId.eq(user_id))
        .and_where(preference::Column::Category.eq("flagged_post"))
        .and_where(preference::Column::Value.eq("true"))
        .to_owned();
    let member_of = Query::select()
        .column(channel_member::Column::ChannelId)
        .from(channel_member::Entity)
        .and_where(channel_member::Column::UserId.eq(user_id))
        .to_owned();
    let mut find = post::Entity::find()
        .filter(post::Column::Id.in_subquery(flagged))
        .filter(post::Column::DeleteAt.eq(0))
        .filter(post::Column::ChannelId.in_subquery(member_of));
    if let Some(channel_id) = channel_id {
        find = find.filter(post::Column::ChannelId.eq(channel_id));
    }
    if let Some(team_id) = team_id {
        let of_team = Query::select()
            .column(channel::Column::Id)
            .from(channel::Entity)
            .cond_where(
                Condition::any()
                    .add(channel::Column::TeamId.eq(team_id))
                    .add(channel::Column::TeamId.eq("")),
            )
            .to_owned();
        find = find.filter(post::Column::ChannelId.in_subquery(of_team));
    }
    Ok(find
        .order_by_desc(post::Column::CreateAt)
        .order_by_desc(post::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?)
}
