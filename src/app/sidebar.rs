//! Sidebar categories as Mattermost keeps them: per user and team a Favorites, a Channels
//! and a Direct Messages category (made the first time they are asked for), plus custom
//! ones. A channel sits in the category the user put it in; a favourite (the
//! `favorite_channel` preference) in Favorites; any other in Channels (public and private)
//! or Direct Messages (direct and group), so channels joined or left come and go by
//! themselves.

use crate::app::channels::channels_of;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::store::entity::{
    channel, channel_member, preference, sidebar_category, sidebar_channel,
};
use axum::http::StatusCode;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use std::collections::{HashMap, HashSet};

pub const FAVORITES: &str = "favorites";
pub const CHANNELS: &str = "channels";
pub const DIRECT_MESSAGES: &str = "direct_messages";
pub const CUSTOM: &str = "custom";
/// The preference category that marks a channel as a favourite.
const FAVORITE_CHANNEL: &str = "favorite_channel";
/// Mattermost's gap between neighbouring sort orders.
const SORT_STEP: i64 = 10;

fn invalid_channel() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "api.invalid_channel",
        "Channel listed in the request doesn't belong to the user",
    )
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "app.channel.sidebar_categories.app_error",
        "No such sidebar category for this user and team.",
    )
}

/// Makes the three default categories of `user_id` in `team_id` where missing.
async fn ensure_defaults(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
) -> Result<(), ApiError> {
    let defaults = [
        (FAVORITES, "Favorites", ""),
        (CHANNELS, "Channels", ""),
        (DIRECT_MESSAGES, "Direct Messages", "recent"),
    ];
    for (i, (kind, name, sorting)) in (0_i64..).zip(defaults) {
        let row = sidebar_category::Model {
            id: format!("{kind}_{user_id}_{team_id}"),
            user_id: user_id.to_owned(),
            team_id: team_id.to_owned(),
            display_name: name.to_owned(),
            r#type: kind.to_owned(),
            sort_order: i * SORT_STEP,
            sorting: sorting.to_owned(),
            muted: false,
            collapsed: false,
        };
        sidebar_category::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(sidebar_category::Column::Id)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Everything the sidebar of one user in one team is made of.
struct Sidebar {
    categories: Vec<sidebar_category::Model>,
    /// The user's live channels of the team, and their direct and group channels.
    channels: Vec<channel::Model>,
    placed: Vec<sidebar_channel::Model>,
    favorites: HashSet<String>,
}

async fn load(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
) -> Result<Sidebar, ApiError> {
    // Writing first matters on SQLite: a transaction that reads before it writes cannot
    // take the write lock while another writer holds it (SQLITE_BUSY at once, no waiting).
    ensure_defaults(db, user_id, team_id).await?;
    let categories = sidebar_category::Entity::find()
        .filter(sidebar_category::Column::UserId.eq(user_id))
        .filter(sidebar_category::Column::TeamId.eq(team_id))
        .order_by_asc(sidebar_category::Column::SortOrder)
        .order_by_asc(sidebar_category::Column::Id)
        .all(db)
        .await?;
    let channels = channels_of(db, user_id, Some(team_id), false).await?;
    let placed = sidebar_channel::Entity::find()
        .filter(sidebar_channel::Column::UserId.eq(user_id))
        .filter(sidebar_channel::Column::TeamId.eq(team_id))
        .order_by_asc(sidebar_channel::Column::SortOrder)
        .all(db)
        .await?;
    let favorites = preference::Entity::find()
        .filter(preference::Column::UserId.eq(user_id))
        .filter(preference::Column::Category.eq(FAVORITE_CHANNEL))
        .filter(preference::Column::Value.eq("true"))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.name)
        .collect();
    Ok(Sidebar {
        categories,
        channels,
        placed,
        favorites,
    })
}

fn is_direct(c: &channel::Model) -> bool {
    matches!(c.channel_type.as_str(), "D" | "G")
}

impl Sidebar {
    fn category_of_kind(&self, kind: &str) -> Option<&sidebar_category::Model> {
        self.categories.iter().find(|c| c.r#type == kind)
    }

    /// Each category with its channels: those placed in it first (in their order), then
    /// the favourites and default ones that fall in it (favourites and channels by name,
    /// direct messages newest first).
    fn with_channels(&self) -> Vec<(sidebar_category::Model, Vec<String>)> {
        let mine: HashMap<&str, &channel::Model> =
            self.channels.iter().map(|c| (c.id.as_str(), c)).collect();
        let known: HashSet<&str> = self.categories.iter().map(|c| c.id.as_str()).collect();
        let mut lists: HashMap<&str, Vec<String>> = HashMap::new();
        let mut seated: HashSet<&str> = HashSet::new();
        for p in &self.placed {
            if mine.contains_key(p.channel_id.as_str()) && known.contains(p.category_id.as_str()) {
                lists
                    .entry(p.category_id.as_str())
                    .or_default()
                    .push(p.channel_id.clone());
                seated.insert(p.channel_id.as_str());
            }
        }
        let mut rest: Vec<&channel::Model> = self
            .channels
            .iter()
            .filter(|c| !seated.contains(c.id.as_str()))
            .collect();
        // A total order (sort_by may panic on one that is not): channels by name, then
        // direct and group channels newest first.
        rest.sort_by(|a, b| match (is_direct(a), is_direct(b)) {
            (true, true) => b.last_post_at.cmp(&a.last_post_at),
            (false, false) => a.display_name.cmp(&b.display_name),
            (x, y) => x.cmp(&y),
        });
        for c in rest {
            let kind = if self.favorites.contains(&c.id) {
                FAVORITES
            } else if is_direct(c) {
                DIRECT_MESSAGES
            } else {
                CHANNELS
            };
            if let Some(category) = self.category_of_kind(kind) {
                lists
                    .entry(category.id.as_str())
                    .or_default()
                    .push(c.id.clone());
            }
        }
        self.categories
            .iter()
            .map(|c| (c.clone(), lists.remove(c.id.as_str()).unwrap_or_default()))
            .collect()
    }
}

fn to_api(
    c: &sidebar_category::Model,
    channel_ids: Vec<String>,
) -> types::SidebarCategoryWithChannels {
    types::SidebarCategoryWithChannels {
        channel_ids,
        collapsed: Some(c.collapsed),
        display_name: Some(c.display_name.clone()),
        id: Some(c.id.clone()),
        muted: Some(c.muted),
        sort_order: Some(c.sort_order),
        sorting: serde_json::from_value(serde_json::Value::String(c.sorting.clone())).ok(),
        team_id: Some(c.team_id.clone()),
        type_: serde_json::from_value(serde_json::Value::String(c.r#type.clone())).ok(),
        user_id: Some(c.user_id.clone()),
    }
}

/// GetSidebarCategoriesForTeamForUser.
pub async fn all(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
) -> Result<types::OrderedSidebarCategories, ApiError> {
    let sidebar = load(db, user_id, team_id).await?;
    let categories: Vec<_> = sidebar
        .with_channels()
        .into_iter()
        .map(|(c, ids)| to_api(&c, ids))
        .collect();
    let order = sidebar.categories.iter().map(|c| c.id.clone()).collect();
    Ok(types::OrderedSidebarCategories { categories, order })
}

/// GetSidebarCategoryForTeamForUser.
pub async fn one(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    category_id: &str,
) -> Result<types::SidebarCategoryWithChannels, ApiError> {
    let sidebar = load(db, user_id, team_id).await?;
    sidebar
        .with_channels()
        .into_iter()
        .find(|(c, _)| c.id == category_id)
        .map(|(c, ids)| to_api(&c, ids))
        .ok_or_else(not_found)
}

/// GetSidebarCategoryOrderForTeamForUser.
pub async fn order(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
) -> Result<Vec<String>, ApiError> {
    let sidebar = load(db, user_id, team_id).await?;
    Ok(sidebar.categories.into_iter().map(|c| c.id).collect())
}

/// Gives the categories of `ids` (all of the user's, reordered) sort orders 0, 10, 20...
async fn renumber(db: &impl ConnectionTrait, ids: &[String]) -> Result<(), ApiError> {
    for (i, id) in (0_i64..).zip(ids) {
        sidebar_category::Entity::update_many()
            .col_expr(
                sidebar_category::Column::SortOrder,
                sea_orm::sea_query::Expr::value(i * SORT_STEP),
            )
            .filter(sidebar_category::Column::Id.eq(id.clone()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// UpdateSidebarCategoryOrderForTeamForUser: `wanted` must name each category once.
pub async fn set_order(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    wanted: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let sidebar = load(db, user_id, team_id).await?;
    let mut have: Vec<&str> = sidebar.categories.iter().map(|c| c.id.as_str()).collect();
    let mut asked: Vec<&str> = wanted.iter().map(String::as_str).collect();
    have.sort_unstable();
    asked.sort_unstable();
    if have != asked {
        return Err(ApiError::invalid_body_param("order"));
    }
    renumber(db, &wanted).await?;
    Ok(wanted)
}

/// Puts `channel_ids` into `category`, in that order: each leaves the category it was in
/// (a favourite stops being one unless the category is Favorites, which makes it one).
/// Channels that were in `category` but are not listed go back to their default place.
async fn seat(
    db: &impl ConnectionTrait,
    sidebar: &Sidebar,
    category: &sidebar_category::Model,
    channel_ids: &[String],
) -> Result<(), ApiError> {
    let mine: HashMap<&str, &channel::Model> = sidebar
        .channels
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    let mut unique = HashSet::new();
    for id in channel_ids {
        let Some(c) = mine.get(id.as_str()) else {
            return Err(invalid_channel());
        };
        let fits = match category.r#type.as_str() {
            CHANNELS => !is_direct(c),
            DIRECT_MESSAGES => is_direct(c),
            _ => true,
        };
        if !fits || !unique.insert(id.as_str()) {
            return Err(invalid_channel());
        }
    }
    let before: Vec<String> = sidebar
        .with_channels()
        .into_iter()
        .find(|(c, _)| c.id == category.id)
        .map(|(_, ids)| ids)
        .unwrap_or_default();
    let favorites = category.r#type == FAVORITES;
    for id in before.iter().filter(|id| !unique.contains(id.as_str())) {
        sidebar_channel::Entity::delete_many()
            .filter(sidebar_channel::Column::UserId.eq(category.user_id.clone()))
            .filter(sidebar_channel::Column::TeamId.eq(category.team_id.clone()))
            .filter(sidebar_channel::Column::ChannelId.eq(id.clone()))
            .exec(db)
            .await?;
        if favorites {
            set_favorite(db, &category.user_id, id, false).await?;
        }
    }
    for (i, id) in (0_i64..).zip(channel_ids) {
        let row = sidebar_channel::Model {
            user_id: category.user_id.clone(),
            team_id: category.team_id.clone(),
            channel_id: id.clone(),
            category_id: category.id.clone(),
            sort_order: i * SORT_STEP,
        };
        sidebar_channel::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::columns([
                    sidebar_channel::Column::UserId,
                    sidebar_channel::Column::TeamId,
                    sidebar_channel::Column::ChannelId,
                ])
                .update_columns([
                    sidebar_channel::Column::CategoryId,
                    sidebar_channel::Column::SortOrder,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        if favorites != sidebar.favorites.contains(id) {
            set_favorite(db, &category.user_id, id, favorites).await?;
        }
    }
    Ok(())
}

async fn set_favorite(
    db: &impl ConnectionTrait,
    user_id: &str,
    channel_id: &str,
    favorite: bool,
) -> Result<(), ApiError> {
    let find = preference::Entity::delete_many()
        .filter(preference::Column::UserId.eq(user_id))
        .filter(preference::Column::Category.eq(FAVORITE_CHANNEL))
        .filter(preference::Column::Name.eq(channel_id));
    if !favorite {
        find.exec(db).await?;
        return Ok(());
    }
    let row = preference::Model {
        user_id: user_id.to_owned(),
        category: FAVORITE_CHANNEL.to_owned(),
        name: channel_id.to_owned(),
        value: "true".to_owned(),
    };
    Ok(crate::store::preferences::upsert(db, row).await?)
}

fn checked_display_name(name: Option<&str>) -> Result<String, ApiError> {
    let name = name.unwrap_or_default().trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid_body_param("display_name"));
    }
    Ok(name.to_owned())
}

/// CreateSidebarCategoryForTeamForUser: a custom category, placed after Favorites when
/// Favorites comes first, else first.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    body: types::SidebarCategoryWithChannels,
) -> Result<types::SidebarCategoryWithChannels, ApiError> {
    let sidebar = load(db, user_id, team_id).await?;
    let row = sidebar_category::Model {
        id: new_id(),
        user_id: user_id.to_owned(),
        team_id: team_id.to_owned(),
        display_name: checked_display_name(body.display_name.as_deref())?,
        r#type: CUSTOM.to_owned(),
        sort_order: 0,
        sorting: sorting_of(&body)?.unwrap_or_default(),
        muted: body.muted.unwrap_or(false),
        collapsed: body.collapsed.unwrap_or(false),
    };
    sidebar_category::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(db)
        .await?;
    let mut order: Vec<String> = sidebar.categories.iter().map(|c| c.id.clone()).collect();
    let at = usize::from(
        sidebar
            .categories
            .first()
            .is_some_and(|c| c.r#type == FAVORITES),
    );
    order.insert(at, row.id.clone());
    renumber(db, &order).await?;
    seat(db, &sidebar, &row, &body.channel_ids).await?;
    if row.muted {
        set_muted(db, user_id, &body.channel_ids, true).await?;
    }
    one(db, user_id, team_id, &row.id).await
}

fn sorting_of(body: &types::SidebarCategoryWithChannels) -> Result<Option<String>, ApiError> {
    body.sorting
        .as_ref()
        .map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .ok_or_else(|| ApiError::invalid_body_param("sorting"))
        })
        .transpose()
}

/// UpdateSidebarCategoriesForTeamForUser and UpdateSidebarCategoryForTeamForUser: each
/// category's sorting, muted and collapsed flags, its name (custom categories only; the
/// default ones keep theirs) and its channels.
pub async fn update(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    bodies: Vec<types::SidebarCategoryWithChannels>,
) -> Result<Vec<types::SidebarCategoryWithChannels>, ApiError> {
    let mut updated = Vec::new();
    for body in bodies {
        let sidebar = load(db, user_id, team_id).await?;
        let id = body.id.clone().unwrap_or_default();
        let Some(mut row) = sidebar.categories.iter().find(|c| c.id == id).cloned() else {
            return Err(not_found());
        };
        if row.r#type == CUSTOM && body.display_name.is_some() {
            row.display_name = checked_display_name(body.display_name.as_deref())?;
        }
        if let Some(sorting) = sorting_of(&body)? {
            row.sorting = sorting;
        }
        let was_muted = row.muted;
        row.muted = body.muted.unwrap_or(row.muted);
        row.collapsed = body.collapsed.unwrap_or(row.collapsed);
        sidebar_category::Entity::update(row.clone().into_active_model().reset_all())
            .exec(db)
            .await?;
        let placed_before = where_each_is(&sidebar);
        seat(db, &sidebar, &row, &body.channel_ids).await?;
        // Muting follows the category: muting or unmuting it does the same to all its
        // channels; a channel moved into a muted category is muted, one moved out of a
        // muted category into this unmuted one is unmuted.
        let now_in = channels_in(db, user_id, team_id, &row.id).await?;
        let muted_before = |channel: &str| {
            placed_before
                .get(channel)
                .and_then(|c| sidebar.categories.iter().find(|k| &k.id == c))
                .is_some_and(|k| k.muted)
        };
        let (mute, unmute): (Vec<String>, Vec<String>) = if row.muted != was_muted {
            if row.muted {
                (now_in, Vec::new())
            } else {
                (Vec::new(), now_in)
            }
        } else {
            let moved_in: Vec<String> = now_in
                .into_iter()
                .filter(|c| placed_before.get(c.as_str()) != Some(&row.id))
                .collect();
            if row.muted {
                (moved_in, Vec::new())
            } else {
                (
                    Vec::new(),
                    moved_in.into_iter().filter(|c| muted_before(c)).collect(),
                )
            }
        };
        set_muted(db, user_id, &mute, true).await?;
        set_muted(db, user_id, &unmute, false).await?;
        updated.push(id);
    }
    let sidebar = load(db, user_id, team_id).await?;
    let all = sidebar.with_channels();
    Ok(updated
        .iter()
        .filter_map(|id| all.iter().find(|(c, _)| &c.id == id))
        .map(|(c, ids)| to_api(c, ids.clone()))
        .collect())
}

/// Which category each of the user's channels is in now.
fn where_each_is(sidebar: &Sidebar) -> HashMap<String, String> {
    sidebar
        .with_channels()
        .into_iter()
        .flat_map(|(c, ids)| ids.into_iter().map(move |id| (id, c.id.clone())))
        .collect()
}

async fn channels_in(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    category_id: &str,
) -> Result<Vec<String>, ApiError> {
    let sidebar = load(db, user_id, team_id).await?;
    Ok(sidebar
        .with_channels()
        .into_iter()
        .find(|(c, _)| c.id == category_id)
        .map(|(_, ids)| ids)
        .unwrap_or_default())
}

/// Mutes (mark_unread `mention`) or unmutes (`all`) the user's membership of each channel.
async fn set_muted(
    db: &impl ConnectionTrait,
    user_id: &str,
    channel_ids: &[String],
    muted: bool,
) -> Result<(), ApiError> {
    for channel_id in channel_ids {
        let Some(member) = channel_member::Entity::find()
            .filter(channel_member::Column::ChannelId.eq(channel_id.clone()))
            .filter(channel_member::Column::UserId.eq(user_id))
            .one(db)
            .await?
        else {
            continue;
        };
        let mut props: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&member.notify_props).unwrap_or_default();
        let mark = if muted { "mention" } else { "all" };
        props.insert("mark_unread".to_owned(), mark.into());
        let mut row = member.into_active_model();
        row.notify_props = sea_orm::ActiveValue::Set(serde_json::Value::Object(props).to_string());
        row.last_update_at = sea_orm::ActiveValue::Set(crate::ids::now_millis());
        row.update(db).await?;
    }
    Ok(())
}

/// RemoveSidebarCategoryForTeamForUser: custom categories only; their channels go back
/// to their default places.
pub async fn remove(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    category_id: &str,
) -> Result<(), ApiError> {
    let sidebar = load(db, user_id, team_id).await?;
    let Some(row) = sidebar.categories.iter().find(|c| c.id == category_id) else {
        return Err(not_found());
    };
    if row.r#type != CUSTOM {
        return Err(invalid_channel());
    }
    sidebar_channel::Entity::delete_many()
        .filter(sidebar_channel::Column::CategoryId.eq(category_id))
        .exec(db)
        .await?;
    sidebar_category::Entity::delete_by_id(category_id.to_owned())
        .exec(db)
        .await?;
    let order: Vec<String> = sidebar
        .categories
        .iter()
        .filter(|c| c.id != category_id)
        .map(|c| c.id.clone())
        .collect();
    renumber(db, &order).await
}
