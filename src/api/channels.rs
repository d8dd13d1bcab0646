//! The `channels` tag: public and private channels of a team, direct and group message
//! channels, their members, member roles and what each member has read.

use super::{Api, ok};
use crate::app::{audits, channels, events, rosters, teams, users};
use crate::auth::permissions::{
    has_team, ids as perm, require_channel, require_system, require_team, require_user,
};
use crate::contract::{
    self, AddChannelMemberPath, AutocompleteChannelsForTeamForSearchPath,
    AutocompleteChannelsForTeamForSearchQuery, AutocompleteChannelsForTeamPath,
    AutocompleteChannelsForTeamQuery, DeleteChannelPath, GetAllChannelsQuery,
    GetChannelByNameForTeamNamePath, GetChannelByNameForTeamNameQuery, GetChannelByNamePath,
    GetChannelByNameQuery, GetChannelMemberPath, GetChannelMembersByIdsPath,
    GetChannelMembersForUserPath, GetChannelMembersPath, GetChannelMembersQuery,
    GetChannelMembersTimezonesPath, GetChannelPath, GetChannelStatsPath, GetChannelUnreadPath,
    GetChannelsForTeamForUserPath, GetChannelsForTeamForUserQuery, GetChannelsForUserPath,
    GetChannelsForUserQuery, GetDeletedChannelsForTeamPath, GetDeletedChannelsForTeamQuery,
    GetPinnedPostsPath, GetPrivateChannelsForTeamPath, GetPrivateChannelsForTeamQuery,
    GetPublicChannelsByIdsForTeamPath, GetPublicChannelsForTeamPath, GetPublicChannelsForTeamQuery,
    MoveChannelPath, PatchChannelPath, RemoveUserFromChannelPath, RestoreChannelPath,
    SearchAllChannelsQuery, SearchArchivedChannelsPath, SearchChannelsPath,
    UpdateChannelMemberSchemeRolesPath, UpdateChannelNotifyPropsPath, UpdateChannelPath,
    UpdateChannelPrivacyPath, UpdateChannelRolesPath, UpdateChannelSchemePath, ViewChannelPath,
    types,
};
use crate::contract::{
    CreateSidebarCategoryForTeamForUserPath, GetSidebarCategoriesForTeamForUserPath,
    GetSidebarCategoryForTeamForUserPath, GetSidebarCategoryOrderForTeamForUserPath,
    RemoveSidebarCategoryForTeamForUserPath, UpdateSidebarCategoriesForTeamForUserPath,
    UpdateSidebarCategoryForTeamForUserPath, UpdateSidebarCategoryOrderForTeamForUserPath,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;
use crate::store::entity::{channel, channel_member, user};
use axum::http::StatusCode;

/// A session and a well-formed `channel_id` path value.
fn channel_id_param(ctx: &Ctx, channel_id: &str) -> Result<(), ApiError> {
    ctx.session()?;
    if is_valid_id(channel_id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("channel_id"))
    }
}

fn user_id_param(user_id: &str) -> Result<(), ApiError> {
    if is_valid_id(user_id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("user_id"))
    }
}

fn team_id_param(ctx: &Ctx, team_id: &str) -> Result<(), ApiError> {
    ctx.session()?;
    if is_valid_id(team_id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("team_id"))
    }
}

/// The channel `channel_id` after `permission` on it is checked (400, 403, then 404).
async fn channel_with(
    ctx: &Ctx,
    channel_id: &str,
    permission: &str,
) -> Result<channel::Model, ApiError> {
    channel_id_param(ctx, channel_id)?;
    require_channel(ctx, channel_id, permission).await?;
    channels::get(ctx.state.db(), channel_id).await
}

/// The permission pair (public, private) for an action, by channel type.
fn by_type<'a>(c: &channel::Model, public: &'a str, private: &'a str) -> &'a str {
    if c.channel_type == "O" {
        public
    } else {
        private
    }
}

/// The properties of a team channel may change with manage_*_channel_properties; those of
/// a direct or group channel only for its members, and never its name.
async fn require_edit(ctx: &Ctx, c: &channel::Model, renames: bool) -> Result<(), ApiError> {
    if c.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            channels::ids::DELETED,
            "The channel is archived.",
        ));
    }
    if channels::is_team_channel(c) {
        let needed = by_type(
            c,
            perm::MANAGE_PUBLIC_CHANNEL_PROPERTIES,
            perm::MANAGE_PRIVATE_CHANNEL_PROPERTIES,
        );
        require_channel(ctx, &c.id, needed).await
    } else {
        if renames {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                channels::ids::DIRECT_UPDATE,
                "The name of a direct or group message channel does not change.",
            ));
        }
        require_channel(ctx, &c.id, perm::READ_CHANNEL).await
    }
}

async fn audit(ctx: &Ctx, what: &str) -> Result<(), ApiError> {
    let caller = ctx.session()?.user_id.clone();
    audits::record(ctx, &caller, what).await;
    Ok(())
}

/// Applies name, display name, purpose and header changes (town-square keeps its name).
async fn apply_edit(
    ctx: &Ctx,
    mut c: channel::Model,
    name: Option<String>,
    display_name: Option<String>,
    purpose: Option<String>,
    header: Option<String>,
) -> Result<types::Channel, ApiError> {
    let renames = name.as_ref().is_some_and(|n| *n != c.name)
        || display_name.as_ref().is_some_and(|d| *d != c.display_name);
    require_edit(ctx, &c, renames).await?;
    if let Some(name) = name {
        if c.name == channels::TOWN_SQUARE && name != c.name {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                channels::ids::DEFAULT_RENAME,
                "The team's default channel keeps its name.",
            ));
        }
        c.name = name;
    }
    if let Some(v) = display_name {
        c.display_name = v;
    }
    if let Some(v) = purpose {
        c.purpose = v;
    }
    if let Some(v) = header {
        c.header = v;
    }
    let saved = channels::save(ctx.state.db(), c).await?;
    audit(ctx, &format!("channel {} updated", saved.id)).await?;
    let shown = channels::to_api(&saved);
    publish(ctx, [events::channel_updated(&saved.id, &shown)]);
    Ok(shown)
}

/// The channel and membership whose roles the caller would change: manage_channel_roles,
/// and manage_system when the member is a system admin.
async fn managed_member(
    ctx: &Ctx,
    channel_id: &str,
    user_id: &str,
) -> Result<(channel::Model, channel_member::Model), ApiError> {
    channel_id_param(ctx, channel_id)?;
    user_id_param(user_id)?;
    let found = channel_with(ctx, channel_id, perm::MANAGE_CHANNEL_ROLES).await?;
    let db = ctx.state.db();
    let target = users::get(db, user_id).await?;
    if target.roles.split_whitespace().any(|r| r == "system_admin") {
        require_system(ctx, perm::MANAGE_SYSTEM).await?;
    }
    let m = channels::member(db, &found.id, &target.id)
        .await?
        .ok_or_else(channels::member_missing)?;
    Ok((found, m))
}

/// Users named in a direct or group channel request: 400 for a malformed id, `missing`
/// for an unknown one.
async fn accounts(
    ctx: &Ctx,
    ids: &[String],
    missing: &'static str,
) -> Result<Vec<user::Model>, ApiError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if !is_valid_id(id) {
            return Err(ApiError::invalid_body_param("user_ids"));
        }
        let found = users::get(ctx.state.db(), id).await.map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                missing,
                "One of the users does not exist.",
            )
        })?;
        if !out.iter().any(|u: &user::Model| u.id == found.id) {
            out.push(found);
        }
    }
    Ok(out)
}

/// Mattermost's addChannelMember rule: joining a public channel oneself takes
/// join_public_channels in the team; adding someone takes manage_public/
/// private_channel_members in the channel.
async fn require_may_add(ctx: &Ctx, found: &channel::Model, user_id: &str) -> Result<(), ApiError> {
    let own = user_id == ctx.session()?.user_id;
    let may_join = own
        && found.channel_type == "O"
        && has_team(ctx, &found.team_id, perm::JOIN_PUBLIC_CHANNELS).await?;
    if may_join {
        return Ok(());
    }
    let needed = by_type(
        found,
        perm::MANAGE_PUBLIC_CHANNEL_MEMBERS,
        perm::MANAGE_PRIVATE_CHANNEL_MEMBERS,
    );
    require_channel(ctx, &found.id, needed).await
}

/// An optional count sent as a string: absent or empty is None, anything but digits a 400.
fn number_param(value: Option<&str>, name: &str) -> Result<Option<u64>, ApiError> {
    value
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>().map_err(|_| ApiError::invalid_param(name)))
        .transpose()
}

/// Publishes `channel_member_updated` with the membership as it is now.
async fn member_changed(ctx: &Ctx, channel_id: &str, user_id: &str) -> Result<(), ApiError> {
    let db = ctx.state.db();
    let found = channels::get(db, channel_id).await?;
    if let Some(m) = channels::member(db, channel_id, user_id).await? {
        let shown = channels::member_to_api(db, &found, &m).await?;
        publish(ctx, [events::channel_member_updated(user_id, &shown)]);
    }
    Ok(())
}

/// Publishes what an operation did, once it is committed.
fn publish(ctx: &Ctx, done: impl IntoIterator<Item = events::Event>) {
    ctx.state.events().publish_all(done);
}

impl contract::ChannelsApi for Api {
    /// `GET /api/v4/channels`: sysconsole_read_user_management_channels. Every team
    /// channel with its team's names, by display name, paged.
    async fn get_all_channels(
        ctx: &Ctx,
        query: GetAllChannelsQuery,
    ) -> Result<types::ChannelListWithTeamData, ApiError> {
        require_system(ctx, perm::SYSCONSOLE_READ_CHANNELS).await?;
        let filter = channels::ConsoleFilter {
            deleted: (query.include_deleted != Some(true)).then_some(false),
            exclude_defaults: query.exclude_default_channels == Some(true),
            ..Default::default()
        };
        let db = ctx.state.db();
        let (rows, _) = channels::console_list(
            db,
            &filter,
            u64::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0),
            u64::try_from(query.per_page).unwrap_or(0),
        )
        .await?;
        Ok(types::ChannelListWithTeamData(
            channels::with_team_data(db, &rows).await?,
        ))
    }

    /// `POST /api/v4/channels/search`: sysconsole_read_user_management_channels (the
    /// system console's search, the default); with `system_console=false`, a session and
    /// only the public channels of the caller's teams and the private ones they are in.
    async fn search_all_channels(
        ctx: &Ctx,
        query: SearchAllChannelsQuery,
        body: types::SearchAllChannelsBody,
    ) -> Result<types::SearchAllChannelsResponse, ApiError> {
        let me = ctx.session()?.user_id.clone();
        let console = query.system_console != Some(false);
        if console {
            require_system(ctx, perm::SYSCONSOLE_READ_CHANNELS).await?;
        }
        let page = number_param(body.page.as_deref(), "page")?;
        let per_page = number_param(body.per_page.as_deref(), "per_page")?.map(|p| p.clamp(1, 200));
        if body.team_ids.iter().any(|id| !is_valid_id(id)) {
            return Err(ApiError::invalid_param("team_ids"));
        }
        let filter = channels::ConsoleFilter {
            term: Some(body.term),
            by_id: body.include_search_by_id,
            team_ids: body.team_ids,
            public: body.public == Some(true),
            private: body.private == Some(true),
            deleted: Some(body.deleted == Some(true)),
            exclude_defaults: body.exclude_default_channels == Some(true),
            visible_to: (!console).then_some(me),
        };
        let limit = per_page.unwrap_or(u64::MAX >> 1);
        let offset = page.unwrap_or(0).saturating_mul(per_page.unwrap_or(0));
        let (rows, total) = channels::console_list(ctx.state.db(), &filter, offset, limit).await?;
        #[expect(
            clippy::cast_precision_loss,
            reason = "channel counts are far below 2^52"
        )]
        Ok(types::SearchAllChannelsResponse {
            channels: channels::to_api_all(&rows),
            total_count: Some(total as f64),
        })
    }

    /// `POST /api/v4/channels/group/search`: a session. The caller's group channels whose
    /// members' usernames (the display name) contain `term`.
    async fn search_group_channels(
        ctx: &Ctx,
        body: types::SearchGroupChannelsBody,
    ) -> Result<Vec<types::Channel>, ApiError> {
        let me = ctx.session()?.user_id.clone();
        let rows = channels::groups_named_like(ctx.state.db(), &me, body.term.trim()).await?;
        Ok(channels::to_api_all(&rows))
    }

    /// `GET /api/v4/channels/{channel_id}/timezones`: read_channel. The distinct time
    /// zones of the channel's members (automatic or manual, as each chose).
    async fn get_channel_members_timezones(
        ctx: &Ctx,
        path: GetChannelMembersTimezonesPath,
    ) -> Result<Vec<String>, ApiError> {
        let found = channel_with(ctx, &path.channel_id, perm::READ_CHANNEL).await?;
        rosters::channel_timezones(ctx.state.db(), &found.id).await
    }

    /// `POST /api/v4/channels`: create_public_channel / create_private_channel in the team.
    /// The creator becomes its first member and channel admin.
    async fn create_channel(
        ctx: &Ctx,
        body: types::CreateChannelBody,
    ) -> Result<types::Channel, ApiError> {
        let session = ctx.session()?;
        if !is_valid_id(&body.team_id) {
            return Err(ApiError::invalid_param("team_id"));
        }
        let needed = channels::creation_permission(&body.type_)?;
        require_team(ctx, &body.team_id, needed).await?;
        let team = teams::get(ctx.state.db(), &body.team_id).await?;
        let new = channels::NewChannel {
            team_id: team.id.clone(),
            channel_type: body.type_,
            name: body.name,
            display_name: body.display_name,
            header: body.header.unwrap_or_default(),
            purpose: body.purpose.unwrap_or_default(),
            creator_id: session.user_id.clone(),
        };
        let made = channels::create_by(ctx, new).await?;
        audit(ctx, &format!("channel {} created", made.id)).await?;
        publish(
            ctx,
            [events::channel_created(
                &session.user_id,
                &made.id,
                &made.team_id,
            )],
        );
        Ok(channels::to_api(&made))
    }

    /// `POST /api/v4/channels/direct`: create_direct_channel for a channel one is in,
    /// manage_system for two others'. Both members; the same channel comes back next time.
    async fn create_direct_channel(
        ctx: &Ctx,
        body: [String; 2],
    ) -> Result<types::Channel, ApiError> {
        let session = ctx.session()?;
        let ids: Vec<String> = body.to_vec();
        let in_it = ids.contains(&session.user_id);
        if in_it {
            require_system(ctx, perm::CREATE_DIRECT_CHANNEL).await?;
        } else {
            require_system(ctx, perm::MANAGE_SYSTEM).await?;
        }
        let found = accounts(ctx, &ids, channels::ids::DIRECT_USER).await?;
        let (a, b) = match found.as_slice() {
            [a] => (a, a),
            [a, b] => (a, b),
            _ => return Err(ApiError::invalid_body_param("user_ids")),
        };
        let started = crate::ids::now_millis();
        let txn = ctx.state.begin_write().await?;
        let made = channels::direct(&txn, a, b).await?;
        txn.commit().await?;
        if made.create_at >= started {
            publish(
                ctx,
                [events::direct_added(&made.id, &session.user_id, &b.id)],
            );
        }
        Ok(channels::to_api(&made))
    }

    /// `POST /api/v4/channels/group`: create_group_channel; 3 to 8 people, the caller
    /// among them.
    async fn create_group_channel(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<types::Channel, ApiError> {
        let session = ctx.session()?;
        require_system(ctx, perm::CREATE_GROUP_CHANNEL).await?;
        let mut ids = body;
        if !ids.contains(&session.user_id) {
            ids.push(session.user_id.clone());
        }
        let found = accounts(ctx, &ids, channels::ids::GROUP_USER).await?;
        if !(3..=8).contains(&found.len()) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                channels::ids::GROUP_SIZE,
                "A group message channel has 3 to 8 members.",
            ));
        }
        let started = crate::ids::now_millis();
        let txn = ctx.state.begin_write().await?;
        let made = channels::group(&txn, &found).await?;
        txn.commit().await?;
        if made.create_at >= started {
            let ids: Vec<String> = found.iter().map(|u| u.id.clone()).collect();
            publish(ctx, events::group_added(&made.id, &ids));
        }
        Ok(channels::to_api(&made))
    }

    /// `POST /api/v4/channels/members/{user_id}/view`: the user themself, with read_channel
    /// in the channel. Marks it read now.
    async fn view_channel(
        ctx: &Ctx,
        path: ViewChannelPath,
        body: types::ViewChannelBody,
    ) -> Result<types::ViewChannelResponse, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        if !is_valid_id(&body.channel_id) {
            return Err(ApiError::invalid_body_param("channel_id"));
        }
        let found = channel_with(ctx, &body.channel_id, perm::READ_CHANNEL).await?;
        let db = ctx.state.db();
        let m = channels::member(db, &found.id, &path.user_id)
            .await?
            .ok_or_else(channels::member_missing)?;
        let unread = m.msg_count < found.total_msg_count || m.mention_count > 0;
        let at = channels::view(db, &found, m).await?;
        let mut times = serde_json::Map::new();
        times.insert(found.id, at.into());
        if unread {
            publish(ctx, [events::channels_viewed(&path.user_id, &times)]);
        }
        Ok(types::ViewChannelResponse {
            status: Some("OK".to_owned()),
            last_viewed_at_times: times,
        })
    }

    /// `GET /api/v4/channels/{channel_id}`: read_channel, or read_public_channel in the
    /// team for a public channel.
    async fn get_channel(ctx: &Ctx, path: GetChannelPath) -> Result<types::Channel, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        let found = channels::get(ctx.state.db(), &path.channel_id).await?;
        channels::require_read(ctx, &found).await?;
        Ok(channels::to_api(&found))
    }

    /// `PUT /api/v4/channels/{channel_id}`: manage_public/private_channel_properties.
    async fn update_channel(
        ctx: &Ctx,
        path: UpdateChannelPath,
        body: types::UpdateChannelBody,
    ) -> Result<types::Channel, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        if body.id != path.channel_id {
            return Err(ApiError::invalid_param("id"));
        }
        let found = channels::get(ctx.state.db(), &path.channel_id).await?;
        apply_edit(
            ctx,
            found,
            body.name,
            body.display_name,
            body.purpose,
            body.header,
        )
        .await
    }

    /// `DELETE /api/v4/channels/{channel_id}`: delete_public/private_channel. Archives the
    /// channel; town-square and direct or group channels stay.
    async fn delete_channel(
        ctx: &Ctx,
        path: DeleteChannelPath,
    ) -> Result<types::StatusOk, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        let db = ctx.state.db();
        let found = channels::get(db, &path.channel_id).await?;
        if !channels::is_team_channel(&found) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                channels::ids::DELETE_TYPE,
                "Direct and group message channels are not archived.",
            ));
        }
        let needed = by_type(
            &found,
            perm::DELETE_PUBLIC_CHANNEL,
            perm::DELETE_PRIVATE_CHANNEL,
        );
        require_channel(ctx, &found.id, needed).await?;
        let saved = channels::archive(db, found).await?;
        audit(ctx, &format!("channel {} archived", saved.id)).await?;
        let (kind, team, at) = (&saved.channel_type, &saved.team_id, saved.delete_at);
        publish(ctx, [events::channel_deleted(kind, &saved.id, team, at)]);
        Ok(ok())
    }

    /// `GET /api/v4/channels/{channel_id}/members`: read_channel. Paged.
    async fn get_channel_members(
        ctx: &Ctx,
        path: GetChannelMembersPath,
        query: GetChannelMembersQuery,
    ) -> Result<Vec<types::ChannelMember>, ApiError> {
        let found = channel_with(ctx, &path.channel_id, perm::READ_CHANNEL).await?;
        let db = ctx.state.db();
        let offset = u64::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0);
        let limit = u64::try_from(query.per_page).unwrap_or(0);
        let rows = rosters::channel_members_page(db, &found.id, offset, limit).await?;
        channels::members_to_api(db, &found, &rows).await
    }

    /// `POST /api/v4/channels/{channel_id}/members`: joining a public channel oneself takes
    /// join_public_channels in the team; adding someone takes
    /// manage_public/private_channel_members in the channel.
    async fn add_channel_member(
        ctx: &Ctx,
        path: AddChannelMemberPath,
        body: types::AddChannelMemberBody,
    ) -> Result<types::ChannelMember, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        if !is_valid_id(&body.user_id) {
            return Err(ApiError::invalid_param("user_id"));
        }
        let found = channels::get(ctx.state.db(), &path.channel_id).await?;
        channels::require_addable(&found)?;
        require_may_add(ctx, &found, &body.user_id).await?;
        let m = channels::add_member(ctx, &found, &body.user_id).await?;
        let what = format!("user {} added to channel {}", body.user_id, found.id);
        audit(ctx, &what).await?;
        publish(
            ctx,
            events::user_added(&found.id, &found.team_id, &body.user_id),
        );
        channels::member_to_api(ctx.state.db(), &found, &m).await
    }

    /// `POST /api/v4/channels/{channel_id}/members/ids`: read_channel. The members among
    /// the ids given.
    async fn get_channel_members_by_ids(
        ctx: &Ctx,
        path: GetChannelMembersByIdsPath,
        body: Vec<String>,
    ) -> Result<Vec<types::ChannelMember>, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        super::ids_body(&body, "user_ids", usize::MAX)?;
        let found = channel_with(ctx, &path.channel_id, perm::READ_CHANNEL).await?;
        let db = ctx.state.db();
        let rows = rosters::channel_members_among(db, &found.id, body).await?;
        channels::members_to_api(db, &found, &rows).await
    }

    /// `GET /api/v4/channels/{channel_id}/members/{user_id}`: read_channel.
    async fn get_channel_member(
        ctx: &Ctx,
        path: GetChannelMemberPath,
    ) -> Result<types::ChannelMember, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        user_id_param(&path.user_id)?;
        let found = channel_with(ctx, &path.channel_id, perm::READ_CHANNEL).await?;
        let db = ctx.state.db();
        let m = channels::member(db, &found.id, &path.user_id)
            .await?
            .ok_or_else(channels::member_missing)?;
        channels::member_to_api(db, &found, &m).await
    }

    /// `DELETE /api/v4/channels/{channel_id}/members/{user_id}`: anyone leaves (but not
    /// town-square or a direct channel); removing someone takes
    /// manage_public/private_channel_members.
    async fn remove_user_from_channel(
        ctx: &Ctx,
        path: RemoveUserFromChannelPath,
    ) -> Result<types::StatusOk, ApiError> {
        let session = ctx.session()?;
        channel_id_param(ctx, &path.channel_id)?;
        user_id_param(&path.user_id)?;
        let db = ctx.state.db();
        let found = channels::get(db, &path.channel_id).await?;
        let own = session.user_id == path.user_id;
        if !own {
            if !channels::is_team_channel(&found) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    channels::ids::REMOVE_TYPE,
                    "Nobody is removed from a direct or group message channel.",
                ));
            }
            let needed = by_type(
                &found,
                perm::MANAGE_PUBLIC_CHANNEL_MEMBERS,
                perm::MANAGE_PRIVATE_CHANNEL_MEMBERS,
            );
            require_channel(ctx, &found.id, needed).await?;
        }
        channels::leave(db, &found, &path.user_id, own).await?;
        let what = format!("user {} removed from channel {}", path.user_id, found.id);
        audit(ctx, &what).await?;
        let remover = &session.user_id;
        publish(ctx, events::user_removed(&found.id, &path.user_id, remover));
        Ok(ok())
    }

    /// `PUT /api/v4/channels/{channel_id}/members/{user_id}/notify_props`: the user or
    /// whoever may act for them. Only the settings sent change.
    async fn update_channel_notify_props(
        ctx: &Ctx,
        path: UpdateChannelNotifyPropsPath,
        body: types::ChannelNotifyProps,
    ) -> Result<types::StatusOk, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        user_id_param(&path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let db = ctx.state.db();
        let m = channels::member(db, &path.channel_id, &path.user_id)
            .await?
            .ok_or_else(channels::member_missing)?;
        let changes = [
            ("desktop", body.desktop),
            ("email", body.email),
            ("push", body.push),
            ("mark_unread", body.mark_unread),
        ];
        channels::set_notify_props(db, m, &changes).await?;
        member_changed(ctx, &path.channel_id, &path.user_id).await?;
        Ok(ok())
    }

    /// `PUT /api/v4/channels/{channel_id}/members/{user_id}/roles`: manage_channel_roles.
    async fn update_channel_roles(
        ctx: &Ctx,
        path: UpdateChannelRolesPath,
        body: types::UpdateChannelRolesBody,
    ) -> Result<types::StatusOk, ApiError> {
        let (found, m) = managed_member(ctx, &path.channel_id, &path.user_id).await?;
        channels::set_member_roles(ctx.state.db(), &found, m, &body.roles).await?;
        let what = format!(
            "channel {} roles of {} set to {}",
            found.id, path.user_id, body.roles
        );
        audit(ctx, &what).await?;
        member_changed(ctx, &found.id, &path.user_id).await?;
        Ok(ok())
    }

    /// `PUT /api/v4/channels/{channel_id}/members/{user_id}/schemeRoles`:
    /// manage_channel_roles. Guest status stays as it is.
    async fn update_channel_member_scheme_roles(
        ctx: &Ctx,
        path: UpdateChannelMemberSchemeRolesPath,
        body: types::UpdateChannelMemberSchemeRolesBody,
    ) -> Result<types::StatusOk, ApiError> {
        let (found, m) = managed_member(ctx, &path.channel_id, &path.user_id).await?;
        let explicit = m.roles.clone();
        channels::set_member_flags(
            ctx.state.db(),
            m,
            explicit,
            body.scheme_user,
            body.scheme_admin,
        )
        .await?;
        audit(
            ctx,
            &format!(
                "channel {} scheme roles of {}: user={} admin={}",
                found.id, path.user_id, body.scheme_user, body.scheme_admin
            ),
        )
        .await?;
        member_changed(ctx, &found.id, &path.user_id).await?;
        Ok(ok())
    }

    /// `PUT /api/v4/channels/{channel_id}/patch`: as UpdateChannel, for the fields sent.
    async fn patch_channel(
        ctx: &Ctx,
        path: PatchChannelPath,
        body: types::PatchChannelBody,
    ) -> Result<types::Channel, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        let found = channels::get(ctx.state.db(), &path.channel_id).await?;
        apply_edit(
            ctx,
            found,
            body.name,
            body.display_name,
            body.purpose,
            body.header,
        )
        .await
    }

    /// `PUT /api/v4/channels/{channel_id}/privacy`: convert_public_channel_to_private or
    /// convert_private_channel_to_public; town-square stays public.
    async fn update_channel_privacy(
        ctx: &Ctx,
        path: UpdateChannelPrivacyPath,
        body: types::UpdateChannelPrivacyBody,
    ) -> Result<types::Channel, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        if body.privacy != "O" && body.privacy != "P" {
            return Err(ApiError::invalid_param("privacy"));
        }
        let db = ctx.state.db();
        let mut found = channels::get(db, &path.channel_id).await?;
        if !channels::is_team_channel(&found) {
            return Err(ApiError::invalid_param("channel_id").detail("not a team channel"));
        }
        let needed = by_type(
            &found,
            perm::CONVERT_PUBLIC_TO_PRIVATE,
            perm::CONVERT_PRIVATE_TO_PUBLIC,
        );
        require_channel(ctx, &found.id, needed).await?;
        if found.name == channels::TOWN_SQUARE {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                channels::ids::DEFAULT_PRIVATE,
                "The team's default channel stays public.",
            ));
        }
        found.channel_type = body.privacy;
        let saved = channels::save(db, found).await?;
        audit(
            ctx,
            &format!("channel {} privacy {}", saved.id, saved.channel_type),
        )
        .await?;
        let shown = channels::to_api(&saved);
        let converted = events::channel_converted(&saved.id, &saved.team_id);
        publish(ctx, [events::channel_updated(&saved.id, &shown), converted]);
        Ok(shown)
    }

    /// `POST /api/v4/channels/{channel_id}/restore`: manage_team in the channel's team.
    async fn restore_channel(
        ctx: &Ctx,
        path: RestoreChannelPath,
    ) -> Result<types::Channel, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        let db = ctx.state.db();
        let mut found = channels::get(db, &path.channel_id).await?;
        require_team(ctx, &found.team_id, perm::MANAGE_TEAM).await?;
        if found.delete_at == 0 {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                channels::ids::NOT_ARCHIVED,
                "The channel is not archived.",
            ));
        }
        found.delete_at = 0;
        let saved = channels::save(db, found).await?;
        audit(ctx, &format!("channel {} restored", saved.id)).await?;
        let kind = &saved.channel_type;
        publish(
            ctx,
            [events::channel_restored(kind, &saved.id, &saved.team_id)],
        );
        Ok(channels::to_api(&saved))
    }

    /// `PUT /api/v4/channels/{channel_id}/scheme`: manage_system; a channel-scope scheme
    /// ("" for none) whose roles replace the team's channel roles in this channel.
    async fn update_channel_scheme(
        ctx: &Ctx,
        path: UpdateChannelSchemePath,
        body: types::UpdateChannelSchemeBody,
    ) -> Result<types::StatusOk, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        require_system(ctx, perm::MANAGE_SYSTEM).await?;
        if !body.scheme_id.is_empty() {
            if !is_valid_id(&body.scheme_id) {
                return Err(ApiError::invalid_param("scheme_id"));
            }
            let scheme = crate::app::schemes::get(ctx, &body.scheme_id).await?;
            if scheme.scope != "channel" || scheme.delete_at != 0 {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    channels::ids::SCHEME_SCOPE,
                    "Only a channel-scope scheme can be given to a channel.",
                ));
            }
        }
        let db = ctx.state.db();
        let mut found = channels::get(db, &path.channel_id).await?;
        found.scheme_id = body.scheme_id;
        let saved = channels::save(db, found).await?;
        ctx.state
            .invalidate(crate::cluster::Invalidation::Roles)
            .await?;
        let shown = channels::to_api(&saved);
        publish(ctx, [events::channel_updated(&saved.id, &shown)]);
        audit(
            ctx,
            &format!("channel {} scheme {:?}", saved.id, saved.scheme_id),
        )
        .await?;
        Ok(ok())
    }

    /// `GET /api/v4/channels/{channel_id}/pinned`: a readable channel. Its live pinned
    /// posts, newest first.
    async fn get_pinned_posts(
        ctx: &Ctx,
        path: GetPinnedPostsPath,
    ) -> Result<types::PostList, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.channel_id) {
            return Err(ApiError::invalid_url_param("channel_id"));
        }
        let db = ctx.state.db();
        let c = channels::get(db, &path.channel_id).await?;
        channels::require_read(ctx, &c).await?;
        let rows = crate::app::posts::pinned(db, &c.id).await?;
        crate::app::posts::post_list(db, rows).await
    }

    /// `POST /api/v4/channels/{channel_id}/move`: manage_system. A public or private
    /// channel moves to another team; its members must all be in that team, unless `force`,
    /// which takes out those who are not. Its name must be free there.
    async fn move_channel(
        ctx: &Ctx,
        path: MoveChannelPath,
        body: types::MoveChannelBody,
    ) -> Result<types::Channel, ApiError> {
        channel_id_param(ctx, &path.channel_id)?;
        require_system(ctx, perm::MANAGE_SYSTEM).await?;
        if !is_valid_id(&body.team_id) {
            return Err(ApiError::invalid_param("team_id"));
        }
        let db = ctx.state.db();
        let found = channels::get(db, &path.channel_id).await?;
        let force = body.force == Some(true);
        let moved = channels::move_to_team(ctx, found, &body.team_id, force).await?;
        let what = format!("channel {} moved to team {}", moved.id, moved.team_id);
        audit(ctx, &what).await?;
        Ok(channels::to_api(&moved))
    }

    /// `GET /api/v4/channels/{channel_id}/stats`: read_channel. Members with active
    /// accounts.
    async fn get_channel_stats(
        ctx: &Ctx,
        path: GetChannelStatsPath,
    ) -> Result<types::ChannelStats, ApiError> {
        let found = channel_with(ctx, &path.channel_id, perm::READ_CHANNEL).await?;
        let active = rosters::channel_active_count(ctx.state.db(), &found.id).await?;
        Ok(types::ChannelStats {
            channel_id: Some(found.id),
            member_count: Some(i64::try_from(active).unwrap_or(i64::MAX)),
        })
    }

    /// `GET /api/v4/teams/name/{team_name}/channels/name/{channel_name}`: as
    /// GetChannelByName.
    async fn get_channel_by_name_for_team_name(
        ctx: &Ctx,
        path: GetChannelByNameForTeamNamePath,
        query: GetChannelByNameForTeamNameQuery,
    ) -> Result<types::Channel, ApiError> {
        ctx.session()?;
        if !teams::is_valid_name(&path.team_name) {
            return Err(ApiError::invalid_url_param("team_name"));
        }
        let team = teams::get_by_name(ctx.state.db(), &path.team_name).await?;
        by_name(ctx, &team.id, &path.channel_name, query.include_deleted).await
    }

    /// `GET /api/v4/teams/{team_id}/channels`: list_team_channels. Live public channels by
    /// display name, paged.
    async fn get_public_channels_for_team(
        ctx: &Ctx,
        path: GetPublicChannelsForTeamPath,
        query: GetPublicChannelsForTeamQuery,
    ) -> Result<Vec<types::Channel>, ApiError> {
        team_listing(
            ctx,
            &path.team_id,
            perm::LIST_TEAM_CHANNELS,
            "O",
            false,
            None,
            query.page,
            query.per_page,
        )
        .await
    }

    /// `GET /api/v4/teams/{team_id}/channels/autocomplete`: list_team_channels. Public
    /// channels whose name starts with `name`, at most 50.
    async fn autocomplete_channels_for_team(
        ctx: &Ctx,
        path: AutocompleteChannelsForTeamPath,
        query: AutocompleteChannelsForTeamQuery,
    ) -> Result<Vec<types::Channel>, ApiError> {
        team_listing(
            ctx,
            &path.team_id,
            perm::LIST_TEAM_CHANNELS,
            "O",
            false,
            Some(&query.name),
            0,
            50,
        )
        .await
    }

    /// `GET /api/v4/teams/{team_id}/channels/deleted`: list_team_channels. Archived public
    /// channels, and archived private ones the caller is in.
    async fn get_deleted_channels_for_team(
        ctx: &Ctx,
        path: GetDeletedChannelsForTeamPath,
        query: GetDeletedChannelsForTeamQuery,
    ) -> Result<Vec<types::Channel>, ApiError> {
        archived(ctx, &path.team_id, None, query.page, query.per_page).await
    }

    /// `POST /api/v4/teams/{team_id}/channels/ids`: view_team. The live public channels
    /// among the ids given.
    async fn get_public_channels_by_ids_for_team(
        ctx: &Ctx,
        path: GetPublicChannelsByIdsForTeamPath,
        body: Vec<String>,
    ) -> Result<Vec<types::Channel>, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        super::ids_body(&body, "channel_ids", usize::MAX)?;
        require_team(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        let rows = channels::public_among(ctx.state.db(), &path.team_id, body).await?;
        Ok(channels::to_api_all(&rows))
    }

    /// `GET /api/v4/teams/{team_id}/channels/name/{channel_name}`: as GetChannel.
    async fn get_channel_by_name(
        ctx: &Ctx,
        path: GetChannelByNamePath,
        query: GetChannelByNameQuery,
    ) -> Result<types::Channel, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        by_name(
            ctx,
            &path.team_id,
            &path.channel_name,
            query.include_deleted,
        )
        .await
    }

    /// `GET /api/v4/teams/{team_id}/channels/private`: manage_system. Live private
    /// channels of the team.
    async fn get_private_channels_for_team(
        ctx: &Ctx,
        path: GetPrivateChannelsForTeamPath,
        query: GetPrivateChannelsForTeamQuery,
    ) -> Result<Vec<types::Channel>, ApiError> {
        team_listing(
            ctx,
            &path.team_id,
            perm::MANAGE_SYSTEM,
            "P",
            false,
            None,
            query.page,
            query.per_page,
        )
        .await
    }

    /// `GET /api/v4/teams/{team_id}/channels/search_autocomplete`: view_team. The
    /// caller's channels of the team (public or private) whose name starts with `name`.
    async fn autocomplete_channels_for_team_for_search(
        ctx: &Ctx,
        path: AutocompleteChannelsForTeamForSearchPath,
        query: AutocompleteChannelsForTeamForSearchQuery,
    ) -> Result<Vec<types::Channel>, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        require_team(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        let me = ctx.session()?.user_id.clone();
        let db = ctx.state.db();
        let rows = channels::mine_starting_with(db, &me, &path.team_id, &query.name, 50).await?;
        Ok(channels::to_api_all(&rows))
    }

    /// `POST /api/v4/teams/{team_id}/channels/search_archived`: list_team_channels.
    /// Archived public channels, and archived private ones the caller is in, whose name
    /// or display name starts with `term`.
    async fn search_archived_channels(
        ctx: &Ctx,
        path: SearchArchivedChannelsPath,
        body: types::SearchArchivedChannelsBody,
    ) -> Result<Vec<types::Channel>, ApiError> {
        archived(ctx, &path.team_id, Some(&body.term), 0, 100).await
    }

    /// `POST /api/v4/teams/{team_id}/channels/search`: list_team_channels. Live public
    /// channels whose name or display name starts with `term`, at most 100.
    async fn search_channels(
        ctx: &Ctx,
        path: SearchChannelsPath,
        body: types::SearchChannelsBody,
    ) -> Result<Vec<types::Channel>, ApiError> {
        team_listing(
            ctx,
            &path.team_id,
            perm::LIST_TEAM_CHANNELS,
            "O",
            false,
            Some(&body.term),
            0,
            100,
        )
        .await
    }

    /// `GET /api/v4/users/{user_id}/channels`: the user or whoever may act for them. Every
    /// channel they are in.
    async fn get_channels_for_user(
        ctx: &Ctx,
        path: GetChannelsForUserPath,
        query: GetChannelsForUserQuery,
    ) -> Result<Vec<types::Channel>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let include_deleted = query.include_deleted == Some(true);
        let rows =
            channels::channels_of(ctx.state.db(), &path.user_id, None, include_deleted).await?;
        Ok(channels::to_api_all(&rows))
    }

    /// `GET /api/v4/users/{user_id}/teams/{team_id}/channels/categories`: the user's
    /// sidebar in the team (api/sidebar.rs).
    async fn get_sidebar_categories_for_team_for_user(
        ctx: &Ctx,
        path: GetSidebarCategoriesForTeamForUserPath,
    ) -> Result<types::OrderedSidebarCategories, ApiError> {
        super::sidebar::all(ctx, &path.user_id, &path.team_id).await
    }

    /// `POST …/channels/categories`: a custom category.
    async fn create_sidebar_category_for_team_for_user(
        ctx: &Ctx,
        path: CreateSidebarCategoryForTeamForUserPath,
        body: types::SidebarCategoryWithChannels,
    ) -> Result<types::SidebarCategoryWithChannels, ApiError> {
        super::sidebar::create(ctx, &path.user_id, &path.team_id, body).await
    }

    /// `PUT …/channels/categories`: several categories at once.
    async fn update_sidebar_categories_for_team_for_user(
        ctx: &Ctx,
        path: UpdateSidebarCategoriesForTeamForUserPath,
        body: Vec<types::SidebarCategoryWithChannels>,
    ) -> Result<Vec<types::SidebarCategoryWithChannels>, ApiError> {
        super::sidebar::update(ctx, &path.user_id, &path.team_id, body).await
    }

    /// `GET …/channels/categories/order`.
    async fn get_sidebar_category_order_for_team_for_user(
        ctx: &Ctx,
        path: GetSidebarCategoryOrderForTeamForUserPath,
    ) -> Result<Vec<String>, ApiError> {
        super::sidebar::order(ctx, &path.user_id, &path.team_id).await
    }

    /// `PUT …/channels/categories/order`: every category once, in the new order.
    async fn update_sidebar_category_order_for_team_for_user(
        ctx: &Ctx,
        path: UpdateSidebarCategoryOrderForTeamForUserPath,
        body: Vec<String>,
    ) -> Result<Vec<String>, ApiError> {
        super::sidebar::set_order(ctx, &path.user_id, &path.team_id, body).await
    }

    /// `GET …/channels/categories/{category_id}`.
    async fn get_sidebar_category_for_team_for_user(
        ctx: &Ctx,
        path: GetSidebarCategoryForTeamForUserPath,
    ) -> Result<types::SidebarCategoryWithChannels, ApiError> {
        super::sidebar::one(ctx, &path.user_id, &path.team_id, &path.category_id).await
    }

    /// `PUT …/channels/categories/{category_id}`.
    async fn update_sidebar_category_for_team_for_user(
        ctx: &Ctx,
        path: UpdateSidebarCategoryForTeamForUserPath,
        body: types::SidebarCategoryWithChannels,
    ) -> Result<types::SidebarCategoryWithChannels, ApiError> {
        super::sidebar::update_one(ctx, &path.user_id, &path.team_id, &path.category_id, body).await
    }

    /// `DELETE …/channels/categories/{category_id}`: custom categories only.
    async fn remove_sidebar_category_for_team_for_user(
        ctx: &Ctx,
        path: RemoveSidebarCategoryForTeamForUserPath,
    ) -> Result<types::StatusOk, ApiError> {
        super::sidebar::remove(ctx, &path.user_id, &path.team_id, &path.category_id).await?;
        Ok(ok())
    }

    /// `GET /api/v4/users/{user_id}/channels/{channel_id}/unread`: the user, with
    /// read_channel. Messages and mentions since they last looked.
    async fn get_channel_unread(
        ctx: &Ctx,
        path: GetChannelUnreadPath,
    ) -> Result<types::ChannelUnread, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let found = channel_with(ctx, &path.channel_id, perm::READ_CHANNEL).await?;
        let m = channels::member(ctx.state.db(), &found.id, &path.user_id)
            .await?
            .ok_or_else(channels::member_missing)?;
        Ok(types::ChannelUnread {
            team_id: Some(found.team_id),
            channel_id: Some(found.id),
            msg_count: Some((found.total_msg_count - m.msg_count).max(0)),
            mention_count: Some(m.mention_count),
        })
    }

    /// `GET /api/v4/users/{user_id}/teams/{team_id}/channels`: the user or whoever may act
    /// for them, in a team they are in. Their channels there, with direct and group ones.
    async fn get_channels_for_team_for_user(
        ctx: &Ctx,
        path: GetChannelsForTeamForUserPath,
        query: GetChannelsForTeamForUserQuery,
    ) -> Result<Vec<types::Channel>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        team_id_param(ctx, &path.team_id)?;
        require_user(ctx, &path.user_id).await?;
        require_team(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        let include_deleted = query.include_deleted == Some(true);
        let rows = channels::channels_of(
            ctx.state.db(),
            &path.user_id,
            Some(&path.team_id),
            include_deleted,
        )
        .await?;
        Ok(channels::to_api_all(&rows))
    }

    /// `GET /api/v4/users/{user_id}/teams/{team_id}/channels/members`: as
    /// GetChannelsForTeamForUser; the user's memberships there.
    async fn get_channel_members_for_user(
        ctx: &Ctx,
        path: GetChannelMembersForUserPath,
    ) -> Result<Vec<types::ChannelMember>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        team_id_param(ctx, &path.team_id)?;
        require_user(ctx, &path.user_id).await?;
        require_team(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        let db = ctx.state.db();
        let team = Some(path.team_id.as_str());
        let all =
            channels::memberships_of(db, &path.user_id, team, false, 0, u64::MAX >> 1).await?;
        let mut out = Vec::with_capacity(all.len());
        for (c, m) in &all {
            out.push(channels::member_to_api(db, c, m).await?);
        }
        Ok(out)
    }
}

/// GetChannelByName's rule: the channel (archived only with `include_deleted`), readable
/// as GetChannel.
async fn by_name(
    ctx: &Ctx,
    team_id: &str,
    name: &str,
    include_deleted: Option<bool>,
) -> Result<types::Channel, ApiError> {
    if !channels::is_valid_name(name) {
        return Err(ApiError::invalid_url_param("channel_name"));
    }
    let found =
        channels::get_by_name(ctx.state.db(), team_id, name, include_deleted == Some(true)).await?;
    channels::require_read(ctx, &found).await?;
    Ok(channels::to_api(&found))
}

/// Archived channels of a team (list_team_channels): a page of the public ones, then the
/// private ones the caller is in; with `term`, those whose name or display name starts so.
async fn archived(
    ctx: &Ctx,
    team_id: &str,
    term: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Vec<types::Channel>, ApiError> {
    let mut out = team_listing(
        ctx,
        team_id,
        perm::LIST_TEAM_CHANNELS,
        "O",
        true,
        term,
        page,
        per_page,
    )
    .await?;
    let me = ctx.session()?.user_id.clone();
    let mine = channels::my_archived_private(ctx.state.db(), &me, team_id, term).await?;
    out.extend(mine.iter().map(channels::to_api));
    Ok(out)
}

/// A page of a team's channels of `channel_type` after `permission` in the team.
#[expect(clippy::too_many_arguments, reason = "one listing, several handlers")]
async fn team_listing(
    ctx: &Ctx,
    team_id: &str,
    permission: &str,
    channel_type: &str,
    deleted: bool,
    term: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Vec<types::Channel>, ApiError> {
    team_id_param(ctx, team_id)?;
    if permission == perm::MANAGE_SYSTEM {
        require_system(ctx, permission).await?;
    } else {
        require_team(ctx, team_id, permission).await?;
    }
    let rows = channels::list(
        ctx.state.db(),
        &channels::Listing {
            team_id,
            channel_type,
            deleted,
            term,
            offset: u64::try_from(page.saturating_mul(per_page)).unwrap_or(0),
            limit: u64::try_from(per_page).unwrap_or(0),
        },
    )
    .await?;
    Ok(channels::to_api_all(&rows))
}
