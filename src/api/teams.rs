//! The `teams` tag: teams, their members and member roles, invitations by invite id.

use super::{Api, ok};
use crate::app::filestore::FileStore;
use crate::app::{audits, events, invitations, rosters, teams, users};
use crate::auth::permissions::{
    has_system, ids as perm, require_system, require_team, require_user,
};
use crate::contract::{
    self, AddTeamMemberFromInviteQuery, AddTeamMemberPath, AddTeamMembersPath, AddTeamMembersQuery,
    GetAllTeamsQuery, GetTeamByNamePath, GetTeamIconPath, GetTeamInviteInfoPath, GetTeamMemberPath,
    GetTeamMembersByIdsPath, GetTeamMembersForUserPath, GetTeamMembersPath, GetTeamMembersQuery,
    GetTeamPath, GetTeamStatsPath, GetTeamUnreadPath, GetTeamsForUserPath,
    GetTeamsUnreadForUserPath, GetTeamsUnreadForUserQuery, InviteGuestsToTeamPath,
    InviteUsersToTeamPath, PatchTeamPath, RegenerateTeamInviteIdPath, RemoveTeamIconPath,
    RemoveTeamMemberPath, RestoreTeamPath, SetTeamIconPath, SoftDeleteTeamPath,
    SoftDeleteTeamQuery, TeamExistsPath, UpdateTeamMemberRolesPath,
    UpdateTeamMemberSchemeRolesPath, UpdateTeamPath, UpdateTeamPrivacyPath, UpdateTeamSchemePath,
    types,
};
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id};
use crate::rt::{self, Ctx};
use crate::store::entity::{team, team_member, user};
use axum::http::StatusCode;

/// A user's unread messages and mentions over their live channels of a team.
async fn team_unread(
    ctx: &Ctx,
    team_id: &str,
    user_id: &str,
) -> Result<types::TeamUnread, ApiError> {
    let (messages, mentions) = rosters::team_unread(ctx.state.db(), team_id, user_id).await?;
    Ok(types::TeamUnread {
        team_id: Some(team_id.to_owned()),
        msg_count: Some(messages),
        mention_count: Some(mentions),
    })
}

/// A session and a well-formed `team_id` path value.
fn team_id_param(ctx: &Ctx, team_id: &str) -> Result<(), ApiError> {
    ctx.session()?;
    if is_valid_id(team_id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("team_id"))
    }
}

/// The team `team_id` after `permission` on it is checked (400, 403, then 404 as
/// Mattermost orders them).
async fn team_with(ctx: &Ctx, team_id: &str, permission: &str) -> Result<team::Model, ApiError> {
    team_id_param(ctx, team_id)?;
    require_team(ctx, team_id, permission).await?;
    teams::get(ctx.state.db(), team_id).await
}

/// Whether the caller may see `t`: it is open to anyone and they may list open teams, or
/// they have view_team in it.
async fn require_view(ctx: &Ctx, t: &team::Model) -> Result<(), ApiError> {
    let open = t.allow_open_invite && t.team_type == "O";
    if open && has_system(ctx, perm::LIST_PUBLIC_TEAMS).await? {
        return Ok(());
    }
    require_team(ctx, &t.id, perm::VIEW_TEAM).await
}

fn team_name_param(name: &str) -> Result<(), ApiError> {
    if teams::is_valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("team_name"))
    }
}

async fn audit(ctx: &Ctx, what: &str) -> Result<(), ApiError> {
    let caller = ctx.session()?.user_id.clone();
    audits::record(ctx, &caller, what).await;
    Ok(())
}

/// An account to add: 400 for a malformed id, 404 when unknown.
async fn account(ctx: &Ctx, user_id: &str) -> Result<user::Model, ApiError> {
    if !is_valid_id(user_id) {
        return Err(ApiError::invalid_param("user_id"));
    }
    users::get(ctx.state.db(), user_id).await
}

/// The team, account and active membership whose roles the caller would change:
/// manage_team_roles in the team, and manage_system when the member is a system admin (a
/// team admin cannot touch those above their own level).
async fn managed_member(
    ctx: &Ctx,
    team_id: &str,
    user_id: &str,
) -> Result<(team::Model, user::Model, team_member::Model), ApiError> {
    team_id_param(ctx, team_id)?;
    if !is_valid_id(user_id) {
        return Err(ApiError::invalid_url_param("user_id"));
    }
    let found = team_with(ctx, team_id, perm::MANAGE_TEAM_ROLES).await?;
    let db = ctx.state.db();
    let target = users::get(db, user_id).await?;
    if target.roles.split_whitespace().any(|r| r == "system_admin") {
        require_system(ctx, perm::MANAGE_SYSTEM).await?;
    }
    let member = teams::active_member(db, &found.id, &target.id)
        .await?
        .ok_or_else(teams::member_missing)?;
    Ok((found, target, member))
}

/// Mattermost's addTeamMember rule: joining oneself takes join_public_teams for a team
/// open to anyone (join_private_teams otherwise); adding someone else takes
/// add_user_to_team in the team.
async fn require_may_add(ctx: &Ctx, t: &team::Model, user_id: &str) -> Result<(), ApiError> {
    let own = ctx.session()?.user_id == user_id;
    if own {
        let needed = if t.allow_open_invite {
            perm::JOIN_PUBLIC_TEAMS
        } else {
            perm::JOIN_PRIVATE_TEAMS
        };
        if has_system(ctx, needed).await? {
            return Ok(());
        }
    }
    require_team(ctx, &t.id, perm::ADD_USER_TO_TEAM).await
}

/// Publishes `memberrole_updated` with the team membership as it is now.
async fn team_member_changed(ctx: &Ctx, t: &team::Model, user_id: &str) -> Result<(), ApiError> {
    let db = ctx.state.db();
    if let Some(m) = teams::active_member(db, &t.id, user_id).await? {
        let shown = teams::member_to_api(db, t, &m).await?;
        let changed = events::team_member_updated(user_id, &shown);
        ctx.state.events().publish(changed);
    }
    Ok(())
}

/// Publishes `event` (update_team, delete_team...) with the team, and answers it as the
/// caller sees it.
async fn team_changed(
    ctx: &Ctx,
    event: &str,
    saved: &team::Model,
) -> Result<types::Team, ApiError> {
    let shown = teams::to_api(ctx, saved).await?;
    ctx.state
        .events()
        .publish(events::team_event(event, &saved.id, &shown));
    Ok(shown)
}

impl contract::TeamsApi for Api {
    /// `POST /api/v4/teams/{team_id}/files/search`: see [`super::files::search`].
    async fn search_files(
        ctx: &Ctx,
        path: contract::SearchFilesPath,
        body: types::SearchFilesBody,
    ) -> Result<types::FileInfoList, ApiError> {
        super::files::search(ctx, &path.team_id, body).await
    }

    /// `GET /api/v4/teams`: list_public_teams and/or list_private_teams decide which teams
    /// are listed (403 with neither). Live teams by display name, paged.
    async fn get_all_teams(
        ctx: &Ctx,
        query: GetAllTeamsQuery,
    ) -> Result<Vec<types::Team>, ApiError> {
        ctx.session()?;
        if query.exclude_policy_constrained == Some(true) {
            require_system(ctx, "sysconsole_read_compliance_data_retention").await?;
        }
        let Some(listing) = teams::Listing::for_caller(ctx).await? else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                teams::ids::LIST_FORBIDDEN,
                "You may not list teams.",
            ));
        };
        let offset = u64::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0);
        let limit = u64::try_from(query.per_page).unwrap_or(0);
        let (rows, _) = teams::list(ctx, listing, None, offset, limit).await?;
        teams::to_api_all(ctx, &rows).await
    }

    /// `POST /api/v4/teams`: create_team. The creator becomes its first member and admin.
    async fn create_team(ctx: &Ctx, body: types::CreateTeamBody) -> Result<types::Team, ApiError> {
        let session = ctx.session()?;
        if !has_system(ctx, perm::CREATE_TEAM).await? {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                teams::ids::CREATION_DISABLED,
                "You may not create teams.",
            ));
        }
        let creator = if session.is_local() {
            None
        } else {
            Some(users::get(ctx.state.db(), &session.user_id).await?)
        };
        let (name, display_name, team_type) = (body.name, body.display_name, body.type_);
        let created = teams::create_by(ctx, creator, name, display_name, team_type).await?;
        audit(ctx, &format!("team {} created", created.id)).await?;
        teams::to_api(ctx, &created).await
    }

    /// `GET /api/v4/teams/invite/{invite_id}`: no session needed. The public face of the
    /// team an invite link names; only open-type teams are shown.
    async fn get_team_invite_info(
        ctx: &Ctx,
        path: GetTeamInviteInfoPath,
    ) -> Result<types::GetTeamInviteInfoResponse, ApiError> {
        if !is_valid_id(&path.invite_id) {
            return Err(ApiError::invalid_url_param("invite_id"));
        }
        let found = teams::get_by_invite_id(ctx.state.db(), &path.invite_id).await?;
        if found.team_type != "O" {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                teams::ids::NOT_OPEN,
                "This team does not take members by invite link.",
            ));
        }
        Ok(types::GetTeamInviteInfoResponse {
            id: Some(found.id),
            name: Some(found.name),
            display_name: Some(found.display_name),
            description: Some(found.description),
        })
    }

    /// `POST /api/v4/teams/members/invite`: a session. Joins the caller to the team of an
    /// email invitation `token` (spent) or of an `invite_id` (guests cannot join by link).
    async fn add_team_member_from_invite(
        ctx: &Ctx,
        query: AddTeamMemberFromInviteQuery,
    ) -> Result<types::TeamMember, ApiError> {
        let session = ctx.session()?;
        let invite_id = query.invite_id.unwrap_or_default();
        let token = query.token.unwrap_or_default();
        if invite_id.is_empty() && token.is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.team.add_user_to_team.missing_parameter.app_error",
                "Either a token or an invite_id is needed.",
            ));
        }
        if !invite_id.is_empty() && !is_valid_id(&invite_id) {
            return Err(ApiError::invalid_param("invite_id"));
        }
        let db = ctx.state.db();
        let me = users::get(db, &session.user_id).await?;
        let (found, member) = if invite_id.is_empty() {
            invitations::join_by_token(ctx, &me, &token).await?
        } else {
            invitations::join_by_invite_id(ctx, &me, &invite_id).await?
        };
        teams::member_to_api(db, &found, &member).await
    }

    /// `POST /api/v4/teams/{team_id}/invite/email`: invite_user and add_user_to_team in the
    /// team, with ServiceSettings.EnableEmailInvitations. Each address (within the team's
    /// allowed domains) gets a single-use link valid 48 hours.
    async fn invite_users_to_team(
        ctx: &Ctx,
        path: InviteUsersToTeamPath,
        body: Vec<String>,
    ) -> Result<types::StatusOk, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        if body.is_empty() {
            return Err(invitations::nobody());
        }
        require_team(ctx, &path.team_id, perm::INVITE_USER).await?;
        require_team(ctx, &path.team_id, perm::ADD_USER_TO_TEAM).await?;
        invitations::invite_members(ctx, &path.team_id, &body).await?;
        Ok(ok())
    }

    /// `POST /api/v4/teams/{team_id}/invite-guests/email`: invite_guest in the team, with
    /// GuestAccountsSettings.Enable. Each address (within
    /// GuestAccountsSettings.RestrictCreationToDomains) gets a single-use link to sign up as
    /// a guest of the team and the channels named (which must be the team's).
    async fn invite_guests_to_team(
        ctx: &Ctx,
        path: InviteGuestsToTeamPath,
        body: types::InviteGuestsToTeamBody,
    ) -> Result<types::StatusOk, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        require_team(ctx, &path.team_id, perm::INVITE_GUEST).await?;
        let (emails, channels) = (&body.emails, &body.channels);
        invitations::invite_guests(ctx, &path.team_id, emails, channels).await?;
        Ok(ok())
    }

    /// `DELETE /api/v4/teams/invites/email`: invalidate_email_invite. Every pending email
    /// invitation stops working.
    async fn invalidate_email_invites(ctx: &Ctx) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, perm::INVALIDATE_EMAIL_INVITE).await?;
        let gone = crate::app::links::invalidate_invitations(ctx.state.db()).await?;
        audit(ctx, &format!("{gone} email invitations invalidated")).await?;
        Ok(ok())
    }

    /// `GET /api/v4/teams/{team_id}/image`: as GetTeam. The team's icon (a 128×128 PNG);
    /// 404 `api.team.get_team_icon.read_file.app_error` when it has none.
    async fn get_team_icon(ctx: &Ctx, path: GetTeamIconPath) -> Result<rt::Binary, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        let found = teams::get(ctx.state.db(), &path.team_id).await?;
        require_view(ctx, &found).await?;
        let missing = || {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "api.team.get_team_icon.read_file.app_error",
                "The team has no icon.",
            )
        };
        if found.last_team_icon_update == 0 {
            return Err(missing());
        }
        let bytes = FileStore::from_config(&ctx.state.config())?
            .read_all(&teams::icon_path(&found.id))
            .await
            .map_err(|_| missing())?;
        let etag = format!("\"{}.{}\"", found.id, found.last_team_icon_update);
        ctx.etag(&etag)?;
        Ok(rt::Binary::bytes("image/png", bytes))
    }

    /// `POST /api/v4/teams/{team_id}/image`: manage_team. The upload (PNG, JPEG, GIF or
    /// BMP) becomes a 128×128 PNG, as profile pictures do.
    async fn set_team_icon(
        ctx: &Ctx,
        path: SetTeamIconPath,
        body: rt::Multipart,
    ) -> Result<types::StatusOk, ApiError> {
        let found = team_with(ctx, &path.team_id, perm::MANAGE_TEAM).await?;
        let png = crate::app::images::read_upload(body, crate::app::images::TEAM_ICON_FORM).await?;
        FileStore::from_config(&ctx.state.config())?
            .write_bytes(&teams::icon_path(&found.id), png)
            .await?;
        let mut changed = found;
        changed.last_team_icon_update = crate::ids::now_millis();
        let saved = teams::save(ctx, changed).await?;
        team_changed(ctx, "update_team", &saved).await?;
        audit(ctx, &format!("team {} icon set", saved.id)).await?;
        Ok(ok())
    }

    /// `DELETE /api/v4/teams/{team_id}/image`: manage_team. Back to no icon.
    async fn remove_team_icon(
        ctx: &Ctx,
        path: RemoveTeamIconPath,
    ) -> Result<types::StatusOk, ApiError> {
        let found = team_with(ctx, &path.team_id, perm::MANAGE_TEAM).await?;
        FileStore::from_config(&ctx.state.config())?
            .remove(&teams::icon_path(&found.id))
            .await;
        let mut changed = found;
        changed.last_team_icon_update = 0;
        let saved = teams::save(ctx, changed).await?;
        team_changed(ctx, "update_team", &saved).await?;
        audit(ctx, &format!("team {} icon removed", saved.id)).await?;
        Ok(ok())
    }

    /// `GET /api/v4/teams/name/{name}`: as GetTeam.
    async fn get_team_by_name(ctx: &Ctx, path: GetTeamByNamePath) -> Result<types::Team, ApiError> {
        ctx.session()?;
        team_name_param(&path.name)?;
        let found = teams::get_by_name(ctx.state.db(), &path.name).await?;
        require_view(ctx, &found).await?;
        teams::to_api(ctx, &found).await
    }

    /// `GET /api/v4/teams/name/{name}/exists`: a session. True only for a team the caller
    /// is in or may list.
    async fn team_exists(ctx: &Ctx, path: TeamExistsPath) -> Result<types::TeamExists, ApiError> {
        let session = ctx.session()?;
        team_name_param(&path.name)?;
        let db = ctx.state.db();
        let exists = match teams::find_by_name(db, &path.name).await? {
            None => false,
            Some(t) => {
                teams::active_member(db, &t.id, &session.user_id)
                    .await?
                    .is_some()
                    || has_system(
                        ctx,
                        if t.allow_open_invite {
                            perm::LIST_PUBLIC_TEAMS
                        } else {
                            perm::LIST_PRIVATE_TEAMS
                        },
                    )
                    .await?
            }
        };
        Ok(types::TeamExists {
            exists: Some(exists),
        })
    }

    /// `POST /api/v4/teams/search`: a session; the listing permissions decide which teams
    /// are searched (none with neither). `term` matches the start of the name or display
    /// name.
    async fn search_teams(
        ctx: &Ctx,
        body: types::SearchTeamsBody,
    ) -> Result<types::SearchTeamsResponse, ApiError> {
        ctx.session()?;
        let page_of = |v: &Option<String>, name: &str| -> Result<Option<u64>, ApiError> {
            v.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<u64>().map_err(|_| ApiError::invalid_param(name)))
                .transpose()
        };
        let page = page_of(&body.page, "page")?;
        let per_page = page_of(&body.per_page, "per_page")?.map(|p| p.min(200));
        let Some(listing) = teams::Listing::for_caller(ctx).await? else {
            return Ok(types::SearchTeamsResponse {
                teams: Vec::new(),
                total_count: Some(0.0),
            });
        };
        let listing = match (listing, body.allow_open_invite) {
            (teams::Listing::All, Some(true)) => teams::Listing::OpenOnly,
            (teams::Listing::All, Some(false)) => teams::Listing::PrivateOnly,
            (l, _) => l,
        };
        let limit = per_page.unwrap_or(u64::MAX >> 1);
        let offset = page.unwrap_or(0).saturating_mul(per_page.unwrap_or(0));
        let (rows, total) = teams::list(ctx, listing, body.term.as_deref(), offset, limit).await?;
        Ok(types::SearchTeamsResponse {
            teams: teams::to_api_all(ctx, &rows).await?,
            #[expect(clippy::cast_precision_loss, reason = "team counts are far below 2^52")]
            total_count: Some(total as f64),
        })
    }

    /// `GET /api/v4/teams/{team_id}`: view_team in the team, or list_public_teams for a
    /// team open to anyone.
    async fn get_team(ctx: &Ctx, path: GetTeamPath) -> Result<types::Team, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        let found = teams::get(ctx.state.db(), &path.team_id).await?;
        require_view(ctx, &found).await?;
        teams::to_api(ctx, &found).await
    }

    /// `PUT /api/v4/teams/{team_id}`: manage_team. Replaces the editable fields.
    async fn update_team(
        ctx: &Ctx,
        path: UpdateTeamPath,
        body: types::UpdateTeamBody,
    ) -> Result<types::Team, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        if body.id != path.team_id {
            return Err(ApiError::invalid_param("id"));
        }
        let mut found = team_with(ctx, &path.team_id, perm::MANAGE_TEAM).await?;
        found.display_name = body.display_name;
        found.description = body.description;
        found.company_name = body.company_name;
        found.allowed_domains = body.allowed_domains;
        found.allow_open_invite = body.allow_open_invite;
        let saved = teams::save(ctx, found).await?;
        audit(ctx, &format!("team {} updated", saved.id)).await?;
        team_changed(ctx, "update_team", &saved).await
    }

    /// `DELETE /api/v4/teams/{team_id}`: manage_team. Archives the team; `permanent=true`
    /// removes it and its memberships, when ServiceSettings.EnableAPITeamDeletion allows.
    async fn soft_delete_team(
        ctx: &Ctx,
        path: SoftDeleteTeamPath,
        query: SoftDeleteTeamQuery,
    ) -> Result<types::StatusOk, ApiError> {
        let found = team_with(ctx, &path.team_id, perm::MANAGE_TEAM).await?;
        if query.permanent == Some(true) {
            if !ctx.state.config().service_settings.enable_api_team_deletion {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    teams::ids::DELETE_DISABLED,
                    "Deleting teams through the API is turned off on this server.",
                ));
            }
            let txn = ctx.state.begin_write().await?;
            let files = teams::delete_permanently(&txn, &found.id).await?;
            txn.commit().await?;
            crate::app::files::remove_stored(ctx, &files).await?;
            FileStore::from_config(&ctx.state.config())?
                .remove_all(&format!("teams/{}", found.id))
                .await?;
            audit(ctx, &format!("team {} permanently deleted", found.id)).await?;
        } else {
            let mut archived = found;
            archived.delete_at = crate::ids::now_millis();
            let saved = teams::save(ctx, archived).await?;
            audit(ctx, &format!("team {} archived", saved.id)).await?;
            team_changed(ctx, "delete_team", &saved).await?;
        }
        Ok(ok())
    }

    /// `GET /api/v4/teams/{team_id}/members`: view_team. Active members, paged.
    async fn get_team_members(
        ctx: &Ctx,
        path: GetTeamMembersPath,
        query: GetTeamMembersQuery,
    ) -> Result<Vec<types::TeamMember>, ApiError> {
        let found = team_with(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        let db = ctx.state.db();
        let offset = u64::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0);
        let limit = u64::try_from(query.per_page).unwrap_or(0);
        let rows = rosters::team_members_page(db, &found.id, offset, limit).await?;
        teams::members_to_api(db, &found, &rows).await
    }

    /// `POST /api/v4/teams/{team_id}/members`: join_public_teams / join_private_teams to
    /// join oneself, add_user_to_team to add someone else.
    async fn add_team_member(
        ctx: &Ctx,
        path: AddTeamMemberPath,
        body: types::AddTeamMemberBody,
    ) -> Result<types::TeamMember, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        if body.team_id.as_deref() != Some(path.team_id.as_str()) {
            return Err(ApiError::invalid_param("team_id"));
        }
        let user_id = body.user_id.unwrap_or_default();
        if !is_valid_id(&user_id) {
            return Err(ApiError::invalid_param("user_id"));
        }
        let db = ctx.state.db();
        let found = teams::get(db, &path.team_id).await?;
        require_may_add(ctx, &found, &user_id).await?;
        let target = account(ctx, &user_id).await?;
        let txn = ctx.state.begin_write().await?;
        let member = teams::join(&txn, &ctx.state.config(), &found, &target, false).await?;
        txn.commit().await?;
        audit(ctx, &format!("user {user_id} added to team {}", found.id)).await?;
        ctx.state
            .events()
            .publish(events::added_to_team(&found.id, &user_id));
        teams::member_to_api(db, &found, &member).await
    }

    /// `POST /api/v4/teams/{team_id}/members/batch`: add_user_to_team. All or nothing,
    /// unless `graceful`, which adds those it can and leaves the rest.
    async fn add_team_members(
        ctx: &Ctx,
        path: AddTeamMembersPath,
        query: AddTeamMembersQuery,
        body: Vec<types::TeamMember>,
    ) -> Result<Vec<types::TeamMember>, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        let mut user_ids = Vec::with_capacity(body.len());
        for member in &body {
            if member.team_id.as_deref() != Some(path.team_id.as_str()) {
                return Err(ApiError::invalid_param("team_id"));
            }
            let user_id = member.user_id.clone().unwrap_or_default();
            if !is_valid_id(&user_id) {
                return Err(ApiError::invalid_param("user_id"));
            }
            user_ids.push(user_id);
        }
        if user_ids.is_empty() {
            return Err(ApiError::invalid_body_param("members"));
        }
        let found = team_with(ctx, &path.team_id, perm::ADD_USER_TO_TEAM).await?;
        let graceful = query.graceful == Some(true);
        let added = teams::add_members(ctx, &found, &user_ids, graceful).await?;
        let joined = added
            .iter()
            .map(|m| events::added_to_team(&found.id, &m.user_id));
        ctx.state.events().publish_all(joined);
        audit(
            ctx,
            &format!("{} users added to team {}", added.len(), found.id),
        )
        .await?;
        teams::members_to_api(ctx.state.db(), &found, &added).await
    }

    /// `POST /api/v4/teams/{team_id}/members/ids`: view_team. The active members among
    /// the ids given.
    async fn get_team_members_by_ids(
        ctx: &Ctx,
        path: GetTeamMembersByIdsPath,
        body: Vec<String>,
    ) -> Result<Vec<types::TeamMember>, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        super::ids_body(&body, "user_ids", usize::MAX)?;
        let found = team_with(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        let db = ctx.state.db();
        let rows = rosters::team_members_among(db, &found.id, body).await?;
        teams::members_to_api(db, &found, &rows).await
    }

    /// `GET /api/v4/teams/{team_id}/members/{user_id}`: view_team.
    async fn get_team_member(
        ctx: &Ctx,
        path: GetTeamMemberPath,
    ) -> Result<types::TeamMember, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        if !is_valid_id(&path.user_id) {
            return Err(ApiError::invalid_url_param("user_id"));
        }
        let found = team_with(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        let db = ctx.state.db();
        let member = teams::active_member(db, &found.id, &path.user_id)
            .await?
            .ok_or_else(teams::member_missing)?;
        teams::member_to_api(db, &found, &member).await
    }

    /// `DELETE /api/v4/teams/{team_id}/members/{user_id}`: anyone may leave; removing
    /// someone else takes remove_user_from_team.
    async fn remove_team_member(
        ctx: &Ctx,
        path: RemoveTeamMemberPath,
    ) -> Result<types::StatusOk, ApiError> {
        let session = ctx.session()?;
        team_id_param(ctx, &path.team_id)?;
        if !is_valid_id(&path.user_id) {
            return Err(ApiError::invalid_url_param("user_id"));
        }
        let own = session.user_id == path.user_id;
        if !own {
            require_team(ctx, &path.team_id, perm::REMOVE_USER_FROM_TEAM).await?;
        }
        let db = ctx.state.db();
        let found = teams::get(db, &path.team_id).await?;
        let target = users::get(db, &path.user_id).await?;
        if found.group_constrained && !own && !users::is_bot(db, &target.id).await? {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                teams::ids::GROUP_CONSTRAINED,
                "Members of a group-synced team are managed by its groups.",
            ));
        }
        let txn = ctx.state.begin_write().await?;
        teams::leave(&txn, &found.id, &target.id).await?;
        txn.commit().await?;
        let what = format!("user {} removed from team {}", target.id, found.id);
        audit(ctx, &what).await?;
        ctx.state
            .events()
            .publish_all(events::leave_team(&found.id, &target.id));
        Ok(ok())
    }

    /// `PUT /api/v4/teams/{team_id}/members/{user_id}/roles`: manage_team_roles (and
    /// manage_system when the member is a system admin).
    async fn update_team_member_roles(
        ctx: &Ctx,
        path: UpdateTeamMemberRolesPath,
        body: types::UpdateTeamMemberRolesBody,
    ) -> Result<types::StatusOk, ApiError> {
        let (found, target, member) = managed_member(ctx, &path.team_id, &path.user_id).await?;
        teams::set_member_roles(ctx, &found, member, &body.roles).await?;
        audit(
            ctx,
            &format!(
                "team {} roles of {} set to {}",
                found.id, target.id, body.roles
            ),
        )
        .await?;
        team_member_changed(ctx, &found, &target.id).await?;
        Ok(ok())
    }

    /// `PUT /api/v4/teams/{team_id}/members/{user_id}/schemeRoles`: manage_team_roles (and
    /// manage_system when the member is a system admin). Guest status stays as it is.
    async fn update_team_member_scheme_roles(
        ctx: &Ctx,
        path: UpdateTeamMemberSchemeRolesPath,
        body: types::UpdateTeamMemberSchemeRolesBody,
    ) -> Result<types::StatusOk, ApiError> {
        let (found, target, member) = managed_member(ctx, &path.team_id, &path.user_id).await?;
        let explicit = member.roles.clone();
        teams::set_member_flags(ctx, member, explicit, body.scheme_user, body.scheme_admin).await?;
        audit(
            ctx,
            &format!(
                "team {} scheme roles of {}: user={} admin={}",
                found.id, target.id, body.scheme_user, body.scheme_admin
            ),
        )
        .await?;
        team_member_changed(ctx, &found, &target.id).await?;
        Ok(ok())
    }

    /// `PUT /api/v4/teams/{team_id}/patch`: manage_team. The fields given.
    async fn patch_team(
        ctx: &Ctx,
        path: PatchTeamPath,
        body: types::PatchTeamBody,
    ) -> Result<types::Team, ApiError> {
        let mut found = team_with(ctx, &path.team_id, perm::MANAGE_TEAM).await?;
        if let Some(v) = body.display_name {
            found.display_name = v;
        }
        if let Some(v) = body.description {
            found.description = v;
        }
        if let Some(v) = body.company_name {
            found.company_name = v;
        }
        if let Some(v) = body.allow_open_invite {
            found.allow_open_invite = v;
        }
        let saved = teams::save(ctx, found).await?;
        audit(ctx, &format!("team {} patched", saved.id)).await?;
        team_changed(ctx, "update_team", &saved).await
    }

    /// `PUT /api/v4/teams/{team_id}/privacy`: manage_team. `O` opens the team to anyone
    /// (listed, joinable), `I` makes it invite only.
    async fn update_team_privacy(
        ctx: &Ctx,
        path: UpdateTeamPrivacyPath,
        body: types::UpdateTeamPrivacyBody,
    ) -> Result<types::Team, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        if body.privacy != "O" && body.privacy != "I" {
            return Err(ApiError::invalid_param("privacy"));
        }
        let mut found = team_with(ctx, &path.team_id, perm::MANAGE_TEAM).await?;
        found.allow_open_invite = body.privacy == "O";
        found.team_type = body.privacy;
        let saved = teams::save(ctx, found).await?;
        audit(
            ctx,
            &format!("team {} privacy {}", saved.id, saved.team_type),
        )
        .await?;
        teams::to_api(ctx, &saved).await
    }

    /// `POST /api/v4/teams/{team_id}/regenerate_invite_id`: manage_team. Old invite links
    /// stop working.
    async fn regenerate_team_invite_id(
        ctx: &Ctx,
        path: RegenerateTeamInviteIdPath,
    ) -> Result<types::Team, ApiError> {
        let mut found = team_with(ctx, &path.team_id, perm::MANAGE_TEAM).await?;
        found.invite_id = new_id();
        let saved = teams::save(ctx, found).await?;
        audit(ctx, &format!("team {} invite id regenerated", saved.id)).await?;
        teams::to_api(ctx, &saved).await
    }

    /// `POST /api/v4/teams/{team_id}/restore`: manage_team. Brings an archived team back.
    async fn restore_team(ctx: &Ctx, path: RestoreTeamPath) -> Result<types::Team, ApiError> {
        let mut found = team_with(ctx, &path.team_id, perm::MANAGE_TEAM).await?;
        found.delete_at = 0;
        let saved = teams::save(ctx, found).await?;
        audit(ctx, &format!("team {} restored", saved.id)).await?;
        team_changed(ctx, "restore_team", &saved).await
    }

    /// `PUT /api/v4/teams/{team_id}/scheme`: manage_system. A team-scope scheme ("" for
    /// none) whose roles replace the built-in team roles for this team's members.
    async fn update_team_scheme(
        ctx: &Ctx,
        path: UpdateTeamSchemePath,
        body: types::UpdateTeamSchemeBody,
    ) -> Result<types::StatusOk, ApiError> {
        team_id_param(ctx, &path.team_id)?;
        require_system(ctx, perm::MANAGE_SYSTEM).await?;
        if !body.scheme_id.is_empty() {
            if !is_valid_id(&body.scheme_id) {
                return Err(ApiError::invalid_param("scheme_id"));
            }
            let scheme = crate::app::schemes::get(ctx, &body.scheme_id).await?;
            if scheme.scope != "team" || scheme.delete_at != 0 {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    teams::ids::SCHEME_SCOPE,
                    "Only a team-scope scheme can be given to a team.",
                ));
            }
        }
        let mut found = teams::get(ctx.state.db(), &path.team_id).await?;
        found.scheme_id = body.scheme_id;
        let saved = teams::save(ctx, found).await?;
        let members = teams::all_members_as_events(ctx.state.db(), &saved).await?;
        ctx.state.events().publish_all(members);
        team_changed(ctx, "update_team_scheme", &saved).await?;
        audit(
            ctx,
            &format!("team {} scheme set to {:?}", saved.id, saved.scheme_id),
        )
        .await?;
        Ok(ok())
    }

    /// `GET /api/v4/teams/{team_id}/stats`: view_team. Members, and those whose accounts
    /// are active.
    async fn get_team_stats(
        ctx: &Ctx,
        path: GetTeamStatsPath,
    ) -> Result<types::TeamStats, ApiError> {
        let found = team_with(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        let (total, active) = rosters::team_counts(ctx.state.db(), &found.id).await?;
        Ok(types::TeamStats {
            team_id: Some(found.id),
            total_member_count: Some(i64::try_from(total).unwrap_or(i64::MAX)),
            active_member_count: Some(i64::try_from(active).unwrap_or(i64::MAX)),
        })
    }

    /// `GET /api/v4/users/{user_id}/teams/{team_id}/unread`: the user (or whoever may act
    /// for them) with view_team. Unread messages and mentions over their channels there.
    async fn get_team_unread(
        ctx: &Ctx,
        path: GetTeamUnreadPath,
    ) -> Result<types::TeamUnread, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        team_id_param(ctx, &path.team_id)?;
        require_user(ctx, &path.user_id).await?;
        require_team(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        teams::get(ctx.state.db(), &path.team_id).await?;
        team_unread(ctx, &path.team_id, &path.user_id).await
    }

    /// `GET /api/v4/users/{user_id}/teams/unread`: the user or whoever may act for them.
    /// The unread counts of each of their teams but `exclude_team`.
    async fn get_teams_unread_for_user(
        ctx: &Ctx,
        path: GetTeamsUnreadForUserPath,
        query: GetTeamsUnreadForUserQuery,
    ) -> Result<Vec<types::TeamUnread>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let exclude = query.exclude_team.unwrap_or_default();
        let mut out = Vec::new();
        for t in teams::teams_of(ctx.state.db(), &path.user_id).await? {
            if t.id != exclude {
                out.push(team_unread(ctx, &t.id, &path.user_id).await?);
            }
        }
        Ok(out)
    }

    /// `GET /api/v4/users/{user_id}/teams`: the user themself, or manage_system.
    async fn get_teams_for_user(
        ctx: &Ctx,
        path: GetTeamsForUserPath,
    ) -> Result<Vec<types::Team>, ApiError> {
        let session = users::require_session_and_id(ctx, &path.user_id)?;
        if session.user_id != path.user_id {
            require_system(ctx, perm::MANAGE_SYSTEM).await?;
        }
        let rows = teams::teams_of(ctx.state.db(), &path.user_id).await?;
        teams::to_api_all(ctx, &rows).await
    }

    /// `GET /api/v4/users/{user_id}/teams/members`: the user themself (or whoever may act
    /// for them), or read_other_users_teams. Memberships of live teams.
    async fn get_team_members_for_user(
        ctx: &Ctx,
        path: GetTeamMembersForUserPath,
    ) -> Result<Vec<types::TeamMember>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        if require_user(ctx, &path.user_id).await.is_err() {
            require_system(ctx, perm::READ_OTHER_USERS_TEAMS).await?;
        }
        let db = ctx.state.db();
        let mut out = Vec::new();
        for t in teams::teams_of(db, &path.user_id).await? {
            if let Some(m) = teams::active_member(db, &t.id, &path.user_id).await? {
                out.push(teams::member_to_api(db, &t, &m).await?);
            }
        }
        Ok(out)
    }
}
