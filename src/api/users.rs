//! The `users` tag: accounts, login and sessions.

use super::{Api, ok};
use crate::app::{audits, directory, links, login, mail, mfa_setting, signup, terms, tokens};
use crate::app::{sessions, users};
use crate::auth::mfa;
use crate::auth::password::Verdict;
use crate::auth::permissions::ids::{
    CREATE_POST, CREATE_USER_ACCESS_TOKEN, DEMOTE_TO_GUEST, LIST_USERS_WITHOUT_TEAM, MANAGE_ROLES,
    MANAGE_SYSTEM, PROMOTE_GUEST, READ_CHANNEL, READ_USER_ACCESS_TOKEN, REVOKE_USER_ACCESS_TOKEN,
    SYSCONSOLE_READ_GROUPS, SYSCONSOLE_READ_USERS, SYSCONSOLE_WRITE_USERS, VIEW_MEMBERS, VIEW_TEAM,
};
use crate::auth::permissions::{
    has_system, require_channel, require_system, require_team, require_user,
};
use crate::contract::{
    self, AutocompleteUsersQuery, CreateUserAccessTokenPath, CreateUserQuery, DeleteUserPath,
    DemoteUserToGuestPath, GenerateMfaSecretPath, GetChannelMembersWithTeamDataForUserPath,
    GetChannelMembersWithTeamDataForUserQuery, GetDefaultProfileImagePath, GetProfileImagePath,
    GetProfileImageQuery, GetSessionsPath, GetTotalUsersStatsFilteredQuery, GetUploadsForUserPath,
    GetUserAccessTokenPath, GetUserAccessTokensForUserPath, GetUserAccessTokensForUserQuery,
    GetUserAccessTokensQuery, GetUserAuditsPath, GetUserByEmailPath, GetUserByUsernamePath,
    GetUserCountForReportingQuery, GetUserPath, GetUserTermsOfServicePath, GetUsersByIdsQuery,
    GetUsersForReportingQuery, GetUsersQuery, GetUsersWithInvalidEmailsQuery, PatchUserPath,
    PromoteGuestToUserPath, PublishUserTypingPath, RegisterTermsOfServiceActionPath,
    ResetPasswordFailedAttemptsPath, RevokeAllSessionsPath, RevokeSessionPath,
    SetDefaultProfileImagePath, SetProfileImagePath, UpdateUserActivePath, UpdateUserAuthPath,
    UpdateUserMfaPath, UpdateUserPasswordPath, UpdateUserPath, UpdateUserRolesPath,
    VerifyUserEmailWithoutTokenPath, types,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::{Binary, Ctx, Multipart};
use crate::store::entity::user;
use axum::http::{HeaderValue, StatusCode, header};

mod ids {
    pub const EMAIL_LOOKUP_FORBIDDEN: &str = "api.user.get_user_by_email.permissions.app_error";
    pub const DEACTIVATION_DISABLED: &str = "api.user.update_active.not_enable.app_error";
    pub const WRONG_CURRENT_PASSWORD: &str = "api.user.update_password.incorrect.app_error";
    pub const DELETION_DISABLED: &str = "api.user.delete_user.not_enabled.app_error";
    pub const LOCAL_ONLY: &str = "api.context.local_origin_required.app_error";
    pub const GUESTS_DISABLED: &str = "api.user.create_user.guest_accounts.disabled.app_error";
    pub const ALREADY_GUEST: &str = "api.user.demote_user_to_guest.already_guest.app_error";
    pub const NOT_GUEST: &str = "api.user.promote_guest_to_user.no_guest.app_error";
    pub const RESET_SSO: &str = "api.user.send_password_reset.sso.app_error";
    pub const MFA_DISABLED: &str = "mfa.mfa_disabled.app_error";
    pub const MFA_ACCOUNT_TYPE: &str = "api.user.activate_mfa.email_and_ldap_only.app_error";
}

/// GetUsers' permissions for the scopes asked for: view_team on the teams, read_channel
/// on the channels, sysconsole_read_groups for a group (whose members are never listed:
/// answers false) and list_users_without_team.
async fn may_list(ctx: &Ctx, query: &GetUsersQuery) -> Result<bool, ApiError> {
    for team in [&query.in_team, &query.not_in_team].into_iter().flatten() {
        require_team(ctx, team, VIEW_TEAM).await?;
    }
    let channels = [&query.in_channel, &query.not_in_channel];
    for channel in channels.into_iter().flatten() {
        require_channel(ctx, channel, READ_CHANNEL).await?;
    }
    if query.in_group.is_some() {
        require_system(ctx, SYSCONSOLE_READ_GROUPS).await?;
    }
    if query.without_team == Some(true) {
        require_system(ctx, LIST_USERS_WITHOUT_TEAM).await?;
    }
    Ok(query.in_group.is_none())
}

/// Publishes `new_user` for a created account, and answers it.
fn announced(ctx: &Ctx, made: types::User) -> types::User {
    let id = made.id.clone().unwrap_or_default();
    ctx.state
        .events()
        .publish(crate::app::events::new_user(&id));
    made
}

use super::publish_account as publish_updated;
use super::publish_account_of;

/// Publishes `user_updated` for a new or removed picture (one copy, to everyone).
async fn publish_picture(ctx: &Ctx, user_id: &str) -> Result<(), ApiError> {
    let account = users::get(ctx.state.db(), user_id).await?;
    let config = ctx.state.config();
    let changed = crate::app::events::picture_updated(&account, &config);
    ctx.state.events().publish(changed);
    Ok(())
}

impl contract::UsersApi for Api {
    /// `GET /api/v4/users/{user_id}/uploads`: one's own unfinished uploads.
    async fn get_uploads_for_user(
        ctx: &Ctx,
        path: GetUploadsForUserPath,
    ) -> Result<Vec<types::UploadSession>, ApiError> {
        let found = crate::app::uploads::for_user(ctx, &path.user_id).await?;
        Ok(found.iter().map(crate::app::uploads::to_api).collect())
    }

    /// `POST /api/v4/users`: open sign-up when the server allows it; the first account, and
    /// any account a system admin creates, needs no permission. The first account becomes
    /// system_admin.
    async fn create_user(
        ctx: &Ctx,
        query: CreateUserQuery,
        body: types::CreateUserBody,
    ) -> Result<types::User, ApiError> {
        let token = query.t.filter(|t| !t.is_empty());
        let invite_id = query.iid.filter(|i| !i.is_empty());
        if token.is_some() || invite_id.is_some() {
            let made = signup::create_invited(ctx, token, invite_id, body).await?;
            return Ok(announced(ctx, made));
        }
        let by_admin = match &ctx.session {
            Some(_) => require_system(ctx, MANAGE_SYSTEM).await.is_ok(),
            None => false,
        };
        let first = signup::require_open(ctx, by_admin).await?;
        let new = signup::new_account(body, by_admin || first)?;
        let made = signup::create(ctx, new, first).await?;
        Ok(announced(ctx, made))
    }

    /// `POST /api/v4/users/login`: login_id is a username or an email address. The session
    /// token comes back in the `Token` header and the MMAUTHTOKEN cookie.
    async fn login(ctx: &Ctx, body: types::LoginBody) -> Result<types::User, ApiError> {
        let attempt = login::Attempt {
            login_id: body.login_id.unwrap_or_default(),
            password: body.password.unwrap_or_default(),
            mfa_code: body.token.unwrap_or_default(),
            device_id: body.device_id.unwrap_or_default(),
            user_agent: ctx
                .header(header::USER_AGENT.as_str())
                .unwrap_or_default()
                .to_owned(),
            ldap_only: body.ldap_only == Some(true),
        };
        let (account, session) = login::login(ctx, attempt).await?;
        super::cookies::attach(ctx, &session);
        let config = ctx.state.config();
        Ok(users::to_api(&account, users::View::Full, &config, None))
    }

    /// `POST /api/v4/users/logout`: ends the caller's session, if any, and clears cookies.
    async fn logout(ctx: &Ctx) -> Result<types::StatusOk, ApiError> {
        if let Some(session) = &ctx.session {
            sessions::revoke(ctx, session).await?;
            audits::record(ctx, &session.user_id, "success").await;
        }
        super::cookies::clear_cookies(ctx);
        Ok(types::StatusOk {
            status: Some("OK".to_owned()),
        })
    }

    /// `GET /api/v4/users/{user_id}`: permission: a session (view restrictions arrive with
    /// teams and channels).
    async fn get_user(ctx: &Ctx, path: GetUserPath) -> Result<types::User, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        let account = users::account(ctx, &path.user_id).await?;
        users::show(ctx, &account.user).await
    }

    /// `GET /api/v4/users/username/{username}`: permission: a session.
    async fn get_user_by_username(
        ctx: &Ctx,
        path: GetUserByUsernamePath,
    ) -> Result<types::User, ApiError> {
        ctx.session()?;
        if users::validate_username(&path.username.to_lowercase()).is_err() {
            return Err(ApiError::invalid_url_param("username"));
        }
        let found = users::find_by_username(ctx.state.db(), &path.username).await?;
        users::show(ctx, &found.ok_or_else(users::missing_account)?).await
    }

    /// `GET /api/v4/users/email/{email}`: permission: a session, and email addresses
    /// visible (PrivacySettings.ShowEmailAddress, or manage_system).
    async fn get_user_by_email(
        ctx: &Ctx,
        path: GetUserByEmailPath,
    ) -> Result<types::User, ApiError> {
        ctx.session()?;
        if users::validate_email(&path.email).is_err() {
            return Err(ApiError::invalid_url_param("email"));
        }
        if !ctx.state.config().privacy_settings.show_email_address
            && !has_system(ctx, MANAGE_SYSTEM).await?
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ids::EMAIL_LOOKUP_FORBIDDEN,
                "Email addresses are private on this server.",
            ));
        }
        let found = users::find_by_email(ctx.state.db(), &path.email).await?;
        users::show(ctx, &found.ok_or_else(users::missing_account)?).await
    }

    /// `POST /api/v4/users/ids`: permission: a session. Unknown ids are left out; with
    /// `since`, only accounts changed after it.
    async fn get_users_by_ids(
        ctx: &Ctx,
        query: GetUsersByIdsQuery,
        body: Vec<String>,
    ) -> Result<Vec<types::User>, ApiError> {
        ctx.session()?;
        if body.is_empty() {
            return Err(ApiError::invalid_body_param("user_ids"));
        }
        if !body.iter().all(|id| is_valid_id(id)) {
            return Err(ApiError::invalid_param("user_ids"));
        }
        let rows = directory::by_ids(ctx, body, query.since).await?;
        users::views(ctx, &rows).await
    }

    /// `POST /api/v4/users/usernames`: permission: a session. Unknown names are left out.
    async fn get_users_by_usernames(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<Vec<types::User>, ApiError> {
        ctx.session()?;
        if body.is_empty() {
            return Err(ApiError::invalid_body_param("usernames"));
        }
        let rows = directory::by_usernames(ctx, &body).await?;
        users::views(ctx, &rows).await
    }

    /// `GET /api/v4/users/stats`: permission: a session. Active accounts, bots excluded.
    async fn get_total_users_stats(ctx: &Ctx) -> Result<types::UsersStats, ApiError> {
        ctx.session()?;
        let count = directory::count_active_humans(ctx).await?;
        Ok(types::UsersStats {
            total_users_count: Some(count),
        })
    }

    /// `PUT /api/v4/users/{user_id}/active`: a user may deactivate themself when
    /// TeamSettings.EnableUserDeactivation allows; otherwise
    /// sysconsole_write_user_management_users. Deactivation ends every session at once.
    async fn update_user_active(
        ctx: &Ctx,
        path: UpdateUserActivePath,
        body: types::UpdateUserActiveBody,
    ) -> Result<types::StatusOk, ApiError> {
        let session = users::require_session_and_id(ctx, &path.user_id)?;
        let self_deactivation = !body.active && session.user_id == path.user_id;
        if self_deactivation {
            if !ctx.state.config().team_settings.enable_user_deactivation {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ids::DEACTIVATION_DISABLED,
                    "Deactivating your own account is turned off on this server.",
                ));
            }
        } else if !has_system(ctx, SYSCONSOLE_WRITE_USERS).await? {
            return Err(ApiError::forbidden());
        }
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        let changed = users::set_active(ctx, account, body.active).await?;
        audits::record(ctx, &path.user_id, &format!("active={}", body.active)).await;
        publish_updated(ctx, &changed);
        ctx.state
            .events()
            .publish(crate::app::events::activation_changed());
        Ok(ok())
    }

    /// `PUT /api/v4/users/{user_id}/roles`: permission: manage_roles. Every role named must
    /// exist; the user's sessions carry the new roles from the next request on.
    async fn update_user_roles(
        ctx: &Ctx,
        path: UpdateUserRolesPath,
        body: types::UpdateUserRolesBody,
    ) -> Result<types::StatusOk, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_system(ctx, MANAGE_ROLES).await?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        users::set_roles(ctx, account, &body.roles).await?;
        audits::record(ctx, &path.user_id, &format!("roles={}", body.roles)).await;
        let changed = crate::app::events::user_role_updated(&path.user_id, &body.roles);
        ctx.state.events().publish(changed);
        Ok(ok())
    }

    /// `PUT /api/v4/users/{user_id}/password`: the user, with the current password; or
    /// manage_system. The user's other sessions end.
    async fn update_user_password(
        ctx: &Ctx,
        path: UpdateUserPasswordPath,
        body: types::UpdateUserPasswordBody,
    ) -> Result<types::StatusOk, ApiError> {
        let session = users::require_session_and_id(ctx, &path.user_id)?;
        let own = session.user_id == path.user_id;
        if !own {
            require_system(ctx, MANAGE_SYSTEM).await?;
        }
        if body.new_password.is_empty() {
            return Err(ApiError::invalid_param("new_password"));
        }
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        if own {
            let typed = body.current_password.unwrap_or_default();
            if users::password_matches(ctx, &account, typed).await? == Verdict::Mismatch {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ids::WRONG_CURRENT_PASSWORD,
                    "The current password is not correct.",
                ));
            }
        }
        let keep = own.then(|| session.id.clone());
        users::replace_password(ctx, account, body.new_password, keep.as_deref()).await?;
        Ok(ok())
    }

    /// `PUT /api/v4/users/{user_id}/patch`: permission: the user, or edit_other_users.
    async fn patch_user(
        ctx: &Ctx,
        path: PatchUserPath,
        body: types::PatchUserBody,
    ) -> Result<types::User, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        let patched = users::patch(ctx, account, body).await?;
        publish_updated(ctx, &patched);
        users::show(ctx, &patched).await
    }

    /// `GET /api/v4/users/{user_id}/sessions`: permission: the user, or edit_other_users.
    async fn get_sessions(
        ctx: &Ctx,
        path: GetSessionsPath,
    ) -> Result<Vec<types::Session>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        sessions::list_for_user(ctx, &path.user_id).await
    }

    /// `POST /api/v4/users/{user_id}/sessions/revoke`: permission: the user, or
    /// edit_other_users. The session must be that user's.
    async fn revoke_session(
        ctx: &Ctx,
        path: RevokeSessionPath,
        body: types::RevokeSessionBody,
    ) -> Result<types::StatusOk, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        if !is_valid_id(&body.session_id) {
            return Err(ApiError::invalid_param("session_id"));
        }
        let target = sessions::get(ctx, &body.session_id).await?;
        if target.user_id != path.user_id {
            return Err(ApiError::invalid_url_param("user_id"));
        }
        sessions::revoke(ctx, &target).await?;
        audits::record(ctx, &path.user_id, &format!("session_id={}", target.id)).await;
        Ok(ok())
    }

    /// `POST /api/v4/users/{user_id}/sessions/revoke/all`: permission: the user, or
    /// edit_other_users.
    async fn revoke_all_sessions(
        ctx: &Ctx,
        path: RevokeAllSessionsPath,
    ) -> Result<types::StatusOk, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        sessions::revoke_all_for_user(ctx, &path.user_id, None).await?;
        audits::record(ctx, &path.user_id, "all sessions revoked").await;
        Ok(ok())
    }

    /// `POST /api/v4/users/sessions/revoke/all`: permission: manage_system.
    async fn revoke_sessions_from_all_users(ctx: &Ctx) -> Result<serde_json::Value, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        let caller = ctx.session()?.user_id.clone();
        sessions::revoke_everyone(ctx).await?;
        audits::record(ctx, &caller, "every session revoked").await;
        Ok(serde_json::json!({"status": "OK"}))
    }

    /// `PUT /api/v4/users/sessions/device`: permission: a session. Binds the caller's
    /// session to a push device (which makes it a mobile session) and ends the user's other
    /// sessions on that device.
    async fn attach_device_extra_props(
        ctx: &Ctx,
        body: types::AttachDeviceExtraPropsBody,
    ) -> Result<types::StatusOk, ApiError> {
        let session = ctx.session()?;
        let device_id = body.device_id.unwrap_or_default();
        if !sessions::is_push_device_id(&device_id) {
            return Err(ApiError::invalid_param("device_id"));
        }
        sessions::attach_device(ctx, session, &device_id).await?;
        Ok(ok())
    }

    /// `GET /api/v4/users/{user_id}/audits`: permission: the user, or edit_other_users.
    async fn get_user_audits(
        ctx: &Ctx,
        path: GetUserAuditsPath,
    ) -> Result<Vec<types::Audit>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let q = ctx.query();
        audits::list(ctx, Some(&path.user_id), q.page(), q.per_page()).await
    }

    /// `POST /api/v4/users/{user_id}/tokens`: create_user_access_token (and
    /// edit_other_users for someone else), then EnableUserAccessTokens, in Mattermost's
    /// order. The token's value is in this reply only.
    async fn create_user_access_token(
        ctx: &Ctx,
        path: CreateUserAccessTokenPath,
        body: types::CreateUserAccessTokenBody,
    ) -> Result<types::UserAccessToken, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_system(ctx, CREATE_USER_ACCESS_TOKEN).await?;
        require_user(ctx, &path.user_id).await?;
        let owner = users::get(ctx.state.db(), &path.user_id).await?;
        let bot = users::is_bot(ctx.state.db(), &owner.id).await?;
        tokens::require_enabled(ctx, bot)?;
        let created = tokens::create(ctx, &path.user_id, &body.description).await?;
        if !bot {
            mail::notify_security_event(ctx, &owner.email, "A personal access token was added");
        }
        let id = created.id.clone().unwrap_or_default();
        audits::record(ctx, &path.user_id, &format!("token_id={id} created")).await;
        Ok(created)
    }

    /// `GET /api/v4/users/{user_id}/tokens`: read_user_access_token (and edit_other_users
    /// for someone else). Values are never listed.
    async fn get_user_access_tokens_for_user(
        ctx: &Ctx,
        path: GetUserAccessTokensForUserPath,
        query: GetUserAccessTokensForUserQuery,
    ) -> Result<Vec<types::UserAccessTokenSanitized>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_system(ctx, READ_USER_ACCESS_TOKEN).await?;
        require_user(ctx, &path.user_id).await?;
        tokens::list(ctx, Some(&path.user_id), query.page, query.per_page).await
    }

    /// `GET /api/v4/users/tokens`: permission: manage_system.
    async fn get_user_access_tokens(
        ctx: &Ctx,
        query: GetUserAccessTokensQuery,
    ) -> Result<Vec<types::UserAccessTokenSanitized>, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        tokens::list(ctx, None, query.page, query.per_page).await
    }

    /// `GET /api/v4/users/tokens/{token_id}`: read_user_access_token (and edit_other_users
    /// for someone else's).
    async fn get_user_access_token(
        ctx: &Ctx,
        path: GetUserAccessTokenPath,
    ) -> Result<types::UserAccessTokenSanitized, ApiError> {
        let t = token_for(ctx, &path.token_id, READ_USER_ACCESS_TOKEN).await?;
        Ok(tokens::sanitized(t))
    }

    /// `POST /api/v4/users/tokens/revoke`: revoke_user_access_token (and edit_other_users
    /// for someone else's). Sessions made from the token end at once.
    async fn revoke_user_access_token(
        ctx: &Ctx,
        body: types::RevokeUserAccessTokenBody,
    ) -> Result<types::StatusOk, ApiError> {
        let t = token_for(ctx, &body.token_id, REVOKE_USER_ACCESS_TOKEN).await?;
        tokens::change(ctx, t, tokens::Change::Revoke).await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/tokens/disable`: revoke_user_access_token (and edit_other_users
    /// for someone else's). Sessions made from the token end at once.
    async fn disable_user_access_token(
        ctx: &Ctx,
        body: types::DisableUserAccessTokenBody,
    ) -> Result<types::StatusOk, ApiError> {
        let t = token_for(ctx, &body.token_id, REVOKE_USER_ACCESS_TOKEN).await?;
        tokens::change(ctx, t, tokens::Change::Disable).await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/tokens/enable`: create_user_access_token (and edit_other_users
    /// for someone else's).
    async fn enable_user_access_token(
        ctx: &Ctx,
        body: types::EnableUserAccessTokenBody,
    ) -> Result<types::StatusOk, ApiError> {
        let t = token_for(ctx, &body.token_id, CREATE_USER_ACCESS_TOKEN).await?;
        tokens::change(ctx, t, tokens::Change::Enable).await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/tokens/search`: permission: manage_system.
    async fn search_user_access_tokens(
        ctx: &Ctx,
        body: types::SearchUserAccessTokensBody,
    ) -> Result<Vec<types::UserAccessTokenSanitized>, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        tokens::search(ctx, &body.term).await
    }

    /// `POST /api/v4/users/{user_id}/mfa/generate`: the user, or edit_other_users. A new
    /// secret and its QR code (a base64 PNG); MFA turns on only once a code is confirmed.
    async fn generate_mfa_secret(
        ctx: &Ctx,
        path: GenerateMfaSecretPath,
    ) -> Result<types::GenerateMfaSecretResponse, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        require_mfa_enabled(ctx)?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        if !account.auth_service.is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::MFA_ACCOUNT_TYPE,
                "Multi-factor authentication is for email and LDAP accounts only.",
            ));
        }
        let site = ctx.state.config().team_settings.site_name.clone();
        let secret = mfa::new_secret();
        let qr = mfa::qr_code_png_base64(&secret, &account.email, &site)
            .ok_or_else(|| ApiError::internal("drawing the MFA QR code"))?;
        users::set_mfa(&ctx.state, account, false, &secret).await?;
        Ok(types::GenerateMfaSecretResponse {
            secret: Some(secret),
            qr_code: Some(qr),
        })
    }

    /// `PUT /api/v4/users/{user_id}/mfa`: the user, or edit_other_users. Activation needs a
    /// current code for the generated secret; deactivation ends the user's other sessions.
    async fn update_user_mfa(
        ctx: &Ctx,
        path: UpdateUserMfaPath,
        body: types::UpdateUserMfaBody,
    ) -> Result<types::StatusOk, ApiError> {
        let session = users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        require_mfa_enabled(ctx)?;
        let code = body.code.unwrap_or_default();
        if body.activate && code.is_empty() {
            return Err(ApiError::invalid_param("code"));
        }
        let keep = (session.user_id == path.user_id).then(|| session.id.clone());
        mfa_setting::set_active(ctx, &path.user_id, body.activate, &code, keep).await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/mfa`: no permission. Whether logging in as `login_id` needs a
    /// code (false for unknown accounts, and while MFA is off on the server).
    async fn check_user_mfa(
        ctx: &Ctx,
        body: types::CheckUserMfaBody,
    ) -> Result<types::CheckUserMfaResponse, ApiError> {
        if body.login_id.is_empty() {
            return Err(ApiError::invalid_body_param("login_id"));
        }
        let db = ctx.state.db();
        let mut required = false;
        if ctx
            .state
            .config()
            .service_settings
            .enable_multifactor_authentication
        {
            let found = match users::find_by_username(db, &body.login_id).await? {
                Some(account) => Some(account),
                None => users::find_by_email(db, &body.login_id).await?,
            };
            required = found.is_some_and(|a| a.mfa_active);
        }
        Ok(types::CheckUserMfaResponse {
            mfa_required: Some(required),
        })
    }

    /// `GET /api/v4/users/{user_id}/image`: a session. The uploaded picture, a bot's icon,
    /// or the default; `If-None-Match` with the current ETag answers 304.
    async fn get_profile_image(
        ctx: &Ctx,
        path: GetProfileImagePath,
        query: GetProfileImageQuery,
    ) -> Result<Binary, ApiError> {
        let _cache_buster = query.cache_buster;
        users::require_session_and_id(ctx, &path.user_id)?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        users::require_can_see(ctx, &account.id).await?;
        let etag = format!("\"{}.{}\"", account.id, account.last_picture_update);
        image_cache_headers(ctx, &etag)?;
        users::profile_image(ctx, &account).await
    }

    /// `GET /api/v4/users/{user_id}/image/default`: a session.
    async fn get_default_profile_image(
        ctx: &Ctx,
        path: GetDefaultProfileImagePath,
    ) -> Result<Binary, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        users::require_can_see(ctx, &account.id).await?;
        image_cache_headers(ctx, &format!("\"{}.default\"", account.id))?;
        users::default_profile_image(&account)
    }

    /// `POST /api/v4/users/{user_id}/image`: the user, or edit_other_users.
    async fn set_profile_image(
        ctx: &Ctx,
        path: SetProfileImagePath,
        body: Multipart,
    ) -> Result<types::StatusOk, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        users::set_profile_image(ctx, account, body).await?;
        publish_picture(ctx, &path.user_id).await?;
        Ok(ok())
    }

    /// `DELETE /api/v4/users/{user_id}/image`: the user, or edit_other_users.
    async fn set_default_profile_image(
        ctx: &Ctx,
        path: SetDefaultProfileImagePath,
    ) -> Result<types::StatusOk, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        users::reset_profile_image(ctx, account).await?;
        publish_picture(ctx, &path.user_id).await?;
        Ok(ok())
    }

    /// `DELETE /api/v4/users/{user_id}`: the user, or edit_other_users, deactivates the
    /// account (every session ends). `?permanent=true` removes it and everything it owns,
    /// with manage_system and ServiceSettings.EnableAPIUserDeletion.
    async fn delete_user(ctx: &Ctx, path: DeleteUserPath) -> Result<types::StatusOk, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let permanent = ctx.query().bool("permanent")?.unwrap_or(false);
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        if permanent {
            require_system(ctx, MANAGE_SYSTEM).await?;
            if !ctx.state.config().service_settings.enable_api_user_deletion {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ids::DELETION_DISABLED,
                    "Permanent deletion of users is turned off on this server.",
                ));
            }
            users::permanent_delete(ctx, account).await?;
            audits::record(ctx, &path.user_id, "permanently deleted").await;
        } else {
            let changed = users::set_active(ctx, account, false).await?;
            publish_updated(ctx, &changed);
            audits::record(ctx, &path.user_id, "deactivated").await;
        }
        Ok(ok())
    }

    /// `DELETE /api/v4/users`: local mode only (mmctl over the server's Unix socket); over
    /// HTTP it is refused. Removes every account and everything that is only theirs.
    async fn permanent_delete_all_users(ctx: &Ctx) -> Result<serde_json::Value, ApiError> {
        if !ctx.session()?.is_local() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ids::LOCAL_ONLY,
                "This operation is only available in local mode.",
            ));
        }
        users::permanent_delete_all(ctx).await?;
        Ok(serde_json::json!({"status": "OK"}))
    }

    /// `PUT /api/v4/users/{user_id}`: the user, or edit_other_users. The profile fields not
    /// sent go back to their defaults; the body's id must be the path's.
    async fn update_user(
        ctx: &Ctx,
        path: UpdateUserPath,
        body: types::UpdateUserBody,
    ) -> Result<types::User, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        if body.id != path.user_id {
            return Err(ApiError::invalid_param("user_id"));
        }
        require_user(ctx, &path.user_id).await?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        let patch = types::PatchUserBody {
            username: Some(body.username),
            email: Some(body.email),
            first_name: Some(body.first_name.unwrap_or_default()),
            last_name: Some(body.last_name.unwrap_or_default()),
            nickname: Some(body.nickname.unwrap_or_default()),
            position: Some(body.position.unwrap_or_default()),
            locale: Some(body.locale.unwrap_or_else(|| "en".to_owned())),
            notify_props: body.notify_props,
            timezone: body.timezone,
            props: body.props,
        };
        let patched = users::patch(ctx, account, patch).await?;
        publish_updated(ctx, &patched);
        users::show(ctx, &patched).await
    }

    /// `POST /api/v4/users/{user_id}/demote`: demote_to_guest, with guest accounts on.
    async fn demote_user_to_guest(
        ctx: &Ctx,
        path: DemoteUserToGuestPath,
    ) -> Result<types::StatusOk, ApiError> {
        change_guest_status(ctx, &path.user_id, DEMOTE_TO_GUEST, true).await
    }

    /// `POST /api/v4/users/{user_id}/promote`: promote_guest, with guest accounts on.
    async fn promote_guest_to_user(
        ctx: &Ctx,
        path: PromoteGuestToUserPath,
    ) -> Result<types::StatusOk, ApiError> {
        change_guest_status(ctx, &path.user_id, PROMOTE_GUEST, false).await
    }

    /// `POST /api/v4/users/login/type`: no permission. The authentication service to use;
    /// empty for password accounts (this version only names magic links, which ferromost
    /// does not offer).
    async fn get_login_type(
        _ctx: &Ctx,
        body: types::GetLoginTypeBody,
    ) -> Result<types::GetLoginTypeResponse, ApiError> {
        if body.id.as_deref().unwrap_or_default().is_empty()
            && body.login_id.as_deref().unwrap_or_default().is_empty()
        {
            return Err(ApiError::invalid_body_param("login_id"));
        }
        Ok(types::GetLoginTypeResponse {
            auth_service: Some(String::new()),
        })
    }

    /// `POST /api/v4/users/{user_id}/reset_failed_attempts`:
    /// sysconsole_write_user_management_users. Email and LDAP accounts only.
    async fn reset_password_failed_attempts(
        ctx: &Ctx,
        path: ResetPasswordFailedAttemptsPath,
    ) -> Result<serde_json::Value, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_system(ctx, SYSCONSOLE_WRITE_USERS).await?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        if !(account.auth_service.is_empty() || account.auth_service == "ldap") {
            return Err(
                ApiError::invalid_url_param("user_id").detail("not an email or LDAP account")
            );
        }
        users::reset_failed_attempts(&ctx.state, account).await?;
        audits::record(ctx, &path.user_id, "failed attempts reset").await;
        Ok(serde_json::json!({"status": "OK"}))
    }

    /// `POST /api/v4/users/password/reset/send`: no permission. Mails a one-hour, single-use
    /// reset link to the address if an email account has it; answers the same either way,
    /// so the answer does not tell which addresses exist.
    async fn send_password_reset_email(
        ctx: &Ctx,
        body: types::SendPasswordResetEmailBody,
    ) -> Result<types::StatusOk, ApiError> {
        if users::validate_email(&body.email).is_err() {
            return Err(ApiError::invalid_param("email"));
        }
        let db = ctx.state.db();
        let Some(account) = users::find_by_email(db, &body.email).await? else {
            return Ok(ok());
        };
        if !account.auth_service.is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::RESET_SSO,
                "Accounts that sign in through another service have no password to reset.",
            ));
        }
        links::mail_password_reset(ctx, &account).await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/password/reset`: no permission; the mailed code, once. Every
    /// session of the account ends.
    async fn reset_password(
        ctx: &Ctx,
        body: types::ResetPasswordBody,
    ) -> Result<types::StatusOk, ApiError> {
        if body.new_password.is_empty() {
            return Err(ApiError::invalid_param("new_password"));
        }
        links::reset_password(ctx, &body.code, body.new_password).await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/email/verify/send`: no permission. Mails a 48-hour, single-use
    /// verification link if an unverified account has the address; answers the same
    /// either way.
    async fn send_verification_email(
        ctx: &Ctx,
        body: types::SendVerificationEmailBody,
    ) -> Result<types::StatusOk, ApiError> {
        if users::validate_email(&body.email).is_err() {
            return Err(ApiError::invalid_param("email"));
        }
        let db = ctx.state.db();
        let Some(account) = users::find_by_email(db, &body.email).await? else {
            return Ok(ok());
        };
        if account.email_verified {
            return Ok(ok());
        }
        links::mail_verification(ctx, &account).await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/email/verify`: no permission; the mailed token, once, for the
    /// address it was sent to.
    async fn verify_user_email(
        ctx: &Ctx,
        body: types::VerifyUserEmailBody,
    ) -> Result<types::StatusOk, ApiError> {
        let account = links::verify_email(ctx, &body.token).await?;
        publish_account_of(ctx, &account.id).await?;
        Ok(ok())
    }

    /// `POST /api/v4/users/{user_id}/email/verify/member`: manage_system.
    async fn verify_user_email_without_token(
        ctx: &Ctx,
        path: VerifyUserEmailWithoutTokenPath,
    ) -> Result<types::User, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_system(ctx, MANAGE_SYSTEM).await?;
        let db = ctx.state.db();
        let account = users::get(db, &path.user_id).await?;
        users::set_email_verified(&ctx.state, account).await?;
        publish_account_of(ctx, &path.user_id).await?;
        audits::record(ctx, &path.user_id, "email verified by an administrator").await;
        users::show(ctx, &users::get(db, &path.user_id).await?).await
    }

    /// `POST /api/v4/users/{user_id}/terms_of_service`: the user themself. Accepting records
    /// the version and the time on the account; rejecting clears them.
    async fn register_terms_of_service_action(
        ctx: &Ctx,
        path: RegisterTermsOfServiceActionPath,
        body: types::RegisterTermsOfServiceActionBody,
    ) -> Result<types::StatusOk, ApiError> {
        let session = users::require_session_and_id(ctx, &path.user_id)?;
        if session.user_id != path.user_id {
            return Err(ApiError::forbidden());
        }
        if !is_valid_id(&body.service_terms_id) {
            return Err(ApiError::invalid_param("serviceTermsId"));
        }
        let (terms_id, accepted) = (&body.service_terms_id, body.accepted);
        terms::record_action(ctx, &path.user_id, terms_id, accepted).await?;
        Ok(ok())
    }

    /// `GET /api/v4/users/{user_id}/terms_of_service`: the user, or edit_other_users. Which
    /// version the user accepted, and when.
    async fn get_user_terms_of_service(
        ctx: &Ctx,
        path: GetUserTermsOfServicePath,
    ) -> Result<types::UserTermsOfService, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        terms::accepted_by(ctx, &path.user_id).await
    }

    /// `GET /api/v4/users`: a session, and view_team / read_channel on a team or channel
    /// named (list_users_without_team for `without_team`). Paged, by username unless
    /// `sort` says otherwise; callers without view_members see only themselves.
    async fn get_users(ctx: &Ctx, query: GetUsersQuery) -> Result<Vec<types::User>, ApiError> {
        ctx.session()?;
        if query.active == Some(true) && query.inactive == Some(true) {
            return Err(ApiError::invalid_param("inactive"));
        }
        let sort = directory::Sort::parse(query.sort.as_deref())?;
        if !may_list(ctx, &query).await? {
            return Ok(Vec::new());
        }
        let mut roles = directory::split_list(query.roles.as_deref());
        roles.extend(query.role.clone());
        let filter = directory::Filter {
            active: match (query.active, query.inactive) {
                (Some(true), _) => Some(true),
                (_, Some(true)) => Some(false),
                _ => None,
            },
            roles,
            in_team: query.in_team.clone(),
            not_in_team: query.not_in_team.clone(),
            without_team: query.without_team == Some(true),
            in_channel: query.in_channel.clone(),
            not_in_channel: query.not_in_channel.clone(),
            ..Default::default()
        };
        let offset = u64::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0);
        let limit = u64::try_from(query.per_page).unwrap_or(0);
        let rows = directory::find(ctx, &filter, sort, offset, limit).await?;
        visible(ctx, rows).await
    }

    /// `POST /api/v4/users/search`: a session, and view_team / read_channel on a team or
    /// channel named. `term` matches the start of the username, names, nickname, and the
    /// email address where the caller may see addresses; at most `limit` (100, up to 1000).
    async fn search_users(
        ctx: &Ctx,
        body: types::SearchUsersBody,
    ) -> Result<Vec<types::User>, ApiError> {
        ctx.session()?;
        if body.term.trim().is_empty() {
            return Err(ApiError::invalid_param("term"));
        }
        for team in [&body.team_id, &body.not_in_team_id].into_iter().flatten() {
            require_team(ctx, team, VIEW_TEAM).await?;
        }
        if body.without_team == Some(true) {
            require_system(ctx, LIST_USERS_WITHOUT_TEAM).await?;
        }
        for channel in [&body.in_channel_id, &body.not_in_channel_id]
            .into_iter()
            .flatten()
        {
            require_channel(ctx, channel, READ_CHANNEL).await?;
        }
        if body.in_group_id.is_some() {
            return Ok(Vec::new());
        }
        let filter = directory::Filter {
            active: (!body.allow_inactive.unwrap_or(false)).then_some(true),
            term: Some(body.term),
            term_matches_email: can_see_emails(ctx).await?,
            in_team: body.team_id.clone(),
            not_in_team: body.not_in_team_id.clone(),
            without_team: body.without_team == Some(true),
            in_channel: body.in_channel_id.clone(),
            not_in_channel: body.not_in_channel_id.clone(),
            ..Default::default()
        };
        let limit = u64::try_from(body.limit.clamp(1, 1000)).unwrap_or(100);
        let rows = directory::find(ctx, &filter, directory::Sort::Username, 0, limit).await?;
        visible(ctx, rows).await
    }

    /// `GET /api/v4/users/autocomplete`: a session, and view_team / read_channel on a team
    /// or channel named. Active accounts whose names start with `name`: `users` are those
    /// in the channel or team, `out_of_channel` the team's others.
    async fn autocomplete_users(
        ctx: &Ctx,
        query: AutocompleteUsersQuery,
    ) -> Result<types::UserAutocomplete, ApiError> {
        ctx.session()?;
        if let Some(team) = &query.team_id {
            require_team(ctx, team, VIEW_TEAM).await?;
        }
        if let Some(channel) = &query.channel_id {
            require_channel(ctx, channel, READ_CHANNEL).await?;
        }
        let filter = directory::Filter {
            active: Some(true),
            term: Some(query.name),
            term_matches_email: can_see_emails(ctx).await?,
            in_team: query.team_id.clone(),
            in_channel: query.channel_id.clone(),
            ..Default::default()
        };
        let limit = u64::try_from(query.limit.unwrap_or(100).clamp(1, 1000)).unwrap_or(100);
        let rows = directory::find(ctx, &filter, directory::Sort::Username, 0, limit).await?;
        let out_of_channel = match &query.channel_id {
            Some(channel) => {
                let others = directory::Filter {
                    in_channel: None,
                    not_in_channel: Some(channel.clone()),
                    ..filter
                };
                let rows =
                    directory::find(ctx, &others, directory::Sort::Username, 0, limit).await?;
                visible(ctx, rows).await?
            }
            None => Vec::new(),
        };
        Ok(types::UserAutocomplete {
            users: visible(ctx, rows).await?,
            out_of_channel,
        })
    }

    /// `GET /api/v4/users/{user_id}/channel_members`: the user or edit_other_users. Their
    /// memberships of team channels (with the team's names), by channel id, paged.
    async fn get_channel_members_with_team_data_for_user(
        ctx: &Ctx,
        path: GetChannelMembersWithTeamDataForUserPath,
        query: GetChannelMembersWithTeamDataForUserQuery,
    ) -> Result<Vec<types::ChannelMemberWithTeamData>, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let offset = usize::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0);
        let limit = usize::try_from(query.per_page).unwrap_or(0);
        crate::app::channels::members_with_team_data(ctx.state.db(), &path.user_id, offset, limit)
            .await
    }

    /// `GET /api/v4/users/known`: a session. The ids of users who share a channel with
    /// the caller.
    async fn get_known_users(ctx: &Ctx) -> Result<types::KnownUsers, ApiError> {
        let me = ctx.session()?.user_id.clone();
        let mut known: Vec<String> = crate::app::channels::channel_mates(ctx.state.db(), &me)
            .await?
            .into_iter()
            .collect();
        known.sort_unstable();
        Ok(types::KnownUsers(
            known.into_iter().map(Into::into).collect(),
        ))
    }

    /// `GET /api/v4/users/stats/filtered`: manage_system.
    async fn get_total_users_stats_filtered(
        ctx: &Ctx,
        query: GetTotalUsersStatsFilteredQuery,
    ) -> Result<types::UsersStats, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        let filter = directory::Filter {
            active: (!query.include_deleted.unwrap_or(false)).then_some(true),
            roles: directory::split_list(query.roles.as_deref()),
            exclude_bots: !query.include_bots.unwrap_or(false),
            in_team: query.in_team.clone(),
            in_channel: query.in_channel.clone(),
            ..Default::default()
        };
        Ok(types::UsersStats {
            total_users_count: Some(directory::count(ctx, &filter).await?),
        })
    }

    /// `GET /api/v4/users/invalid_emails`: sysconsole_read_user_management_users. Accounts
    /// whose address is outside TeamSettings.RestrictCreationToDomains (none when it is
    /// empty).
    async fn get_users_with_invalid_emails(
        ctx: &Ctx,
        query: GetUsersWithInvalidEmailsQuery,
    ) -> Result<Vec<types::User>, ApiError> {
        require_system(ctx, SYSCONSOLE_READ_USERS).await?;
        let domains = directory::split_list(Some(
            &ctx.state
                .config()
                .team_settings
                .restrict_creation_to_domains,
        ));
        if domains.is_empty() {
            return Ok(Vec::new());
        }
        let filter = directory::Filter {
            email_domains_outside: domains,
            ..Default::default()
        };
        let offset = u64::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0);
        let limit = u64::try_from(query.per_page).unwrap_or(0);
        let rows = directory::find(ctx, &filter, directory::Sort::Username, offset, limit).await?;
        users::views(ctx, &rows).await
    }

    /// `GET /api/v4/reports/users`: sysconsole_read_user_management_users. A page (50, at
    /// most 100) of accounts with their activity, filtered and sorted as the System Console
    /// asks, continuing after `from_column_value`/`from_id`.
    async fn get_users_for_reporting(
        ctx: &Ctx,
        query: GetUsersForReportingQuery,
    ) -> Result<Vec<types::UserReport>, ApiError> {
        require_system(ctx, SYSCONSOLE_READ_USERS).await?;
        let mut filter = report_filter(
            ctx,
            query.role_filter.clone(),
            query.hide_active,
            query.hide_inactive,
            query.search_term.clone(),
        )
        .await?;
        filter.in_team = query.team_filter.clone().filter(|t| !t.is_empty());
        directory::user_reports(ctx, &filter, report_page(&query)?).await
    }

    /// `GET /api/v4/reports/users/count`: sysconsole_read_user_management_users.
    async fn get_user_count_for_reporting(
        ctx: &Ctx,
        query: GetUserCountForReportingQuery,
    ) -> Result<f64, ApiError> {
        require_system(ctx, SYSCONSOLE_READ_USERS).await?;
        let mut filter = report_filter(
            ctx,
            query.role_filter,
            query.hide_active,
            query.hide_inactive,
            query.search_term,
        )
        .await?;
        filter.in_team = query.team_filter.filter(|t| !t.is_empty());
        #[expect(
            clippy::cast_precision_loss,
            reason = "the contract types the count as a number"
        )]
        Ok(directory::count(ctx, &filter).await? as f64)
    }

    /// `GET /api/v4/limits/users`: sysconsole_read_user_management_users. ferromost sets
    /// no user limit, so the limit is 0 (none), beside the count of active people.
    async fn get_user_limits(ctx: &Ctx) -> Result<Vec<types::UserLimits>, ApiError> {
        require_system(ctx, SYSCONSOLE_READ_USERS).await?;
        let active = directory::count_active_humans(ctx).await?;
        Ok(vec![types::UserLimits {
            max_users_limit: Some(0),
            active_user_count: Some(active),
        }])
    }

    /// `POST /api/v4/users/group_channels`: a session. The members of each of the caller's
    /// group channels among the ids (other channels are left out).
    async fn get_users_by_group_channel_ids(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<std::collections::HashMap<String, Vec<types::User>>, ApiError> {
        ctx.session()?;
        if !body.iter().all(|id| is_valid_id(id)) {
            return Err(ApiError::invalid_param("channel_ids"));
        }
        let mut out = std::collections::HashMap::new();
        for (id, rows) in directory::group_channel_members(ctx, body).await? {
            out.insert(id, users::views(ctx, &rows).await?);
        }
        Ok(out)
    }

    /// `PUT /api/v4/users/{user_id}/auth`: edit_other_users. Moves an account to another
    /// sign-in service (`auth_data` is its id there), or back to email, after which the
    /// user sets a password through the reset email (the contract's body carries none).
    async fn update_user_auth(
        ctx: &Ctx,
        path: UpdateUserAuthPath,
        body: types::UserAuthData,
    ) -> Result<types::UserAuthData, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_system(ctx, crate::auth::permissions::ids::EDIT_OTHER_USERS).await?;
        require_user(ctx, &path.user_id).await?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        let updated = users::set_auth(ctx, account, body).await?;
        audits::record(
            ctx,
            &path.user_id,
            &format!("auth service={}", updated.auth_service),
        )
        .await;
        Ok(updated)
    }

    /// `POST /api/v4/users/{user_id}/typing`: the user themself (or manage_system), with
    /// create_post in the channel. `typing` goes to the channel's other members.
    async fn publish_user_typing(
        ctx: &Ctx,
        path: PublishUserTypingPath,
        body: Option<types::PublishUserTypingBody>,
    ) -> Result<serde_json::Value, ApiError> {
        let session = users::require_session_and_id(ctx, &path.user_id)?;
        let body = body.ok_or_else(|| ApiError::invalid_body_param("typing_request"))?;
        if !is_valid_id(&body.channel_id) {
            return Err(ApiError::invalid_body_param("typing_request"));
        }
        if session.user_id != path.user_id {
            require_system(ctx, MANAGE_SYSTEM).await?;
        }
        require_channel(ctx, &body.channel_id, CREATE_POST).await?;
        let parent_id = body.parent_id.as_deref().unwrap_or_default();
        crate::app::presence::typing(ctx, &path.user_id, &body.channel_id, parent_id)?;
        Ok(serde_json::json!({"status": "OK"}))
    }

    /// `POST /api/v4/users/login/switch`: moves the caller's account between sign-in
    /// services. No OAuth or AD/LDAP provider is offered yet, so switching to one answers
    /// that it is not available, as Mattermost does without them; an account that came in
    /// through one (an import, say) can switch back to email with a new password.
    async fn switch_account_type(
        ctx: &Ctx,
        body: types::SwitchAccountTypeBody,
    ) -> Result<types::SwitchAccountTypeResponse, ApiError> {
        const OAUTH: [&str; 4] = ["gitlab", "google", "office365", "openid"];
        let is_email = |s: &str| s.is_empty() || s == "email";
        let (from, to) = (body.current_service.as_str(), body.new_service.as_str());
        let unavailable = |id: &'static str| {
            ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                id,
                "That sign-in service is not available on this server.",
            )
        };
        if is_email(from) && OAUTH.contains(&to) {
            return Err(unavailable(
                "api.user.email_to_oauth.not_available.app_error",
            ));
        }
        if is_email(from) && to == "ldap" {
            return Err(unavailable(
                "api.user.email_to_ldap.not_available.app_error",
            ));
        }
        if from == "ldap" && is_email(to) {
            return Err(unavailable(
                "api.user.ldap_to_email.not_available.app_error",
            ));
        }
        if !(OAUTH.contains(&from) && is_email(to)) {
            return Err(ApiError::invalid_param("switch_request"));
        }
        login::switch_to_email(ctx, from, body.email.as_deref(), body.password).await?;
        Ok(types::SwitchAccountTypeResponse {
            follow_link: Some("/login?extra=signin_change".to_owned()),
        })
    }
}

/// The token `token_id`, when the caller has `permission` and may act on its owner.
async fn token_for(
    ctx: &Ctx,
    token_id: &str,
    permission: &str,
) -> Result<crate::store::entity::user_access_token::Model, ApiError> {
    ctx.session()?;
    if !is_valid_id(token_id) {
        return Err(ApiError::invalid_param("token_id"));
    }
    require_system(ctx, permission).await?;
    let t = tokens::get(ctx, token_id).await?;
    require_user(ctx, &t.user_id).await?;
    Ok(t)
}

/// 501 while ServiceSettings.EnableMultifactorAuthentication is off.
fn require_mfa_enabled(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx
        .state
        .config()
        .service_settings
        .enable_multifactor_authentication
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::MFA_DISABLED,
            "Multi-factor authentication is turned off on this server.",
        ))
    }
}

/// Sets the image's ETag and cache policy; 304 when the client's copy is current.
fn image_cache_headers(ctx: &Ctx, etag: &str) -> Result<(), ApiError> {
    ctx.etag(etag)?;
    ctx.set_header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=86400, private"),
    );
    Ok(())
}

/// Demotes a user to guest (`to_guest`) or promotes a guest to user.
async fn change_guest_status(
    ctx: &Ctx,
    user_id: &str,
    permission: &str,
    to_guest: bool,
) -> Result<types::StatusOk, ApiError> {
    users::require_session_and_id(ctx, user_id)?;
    require_system(ctx, permission).await?;
    if !ctx.state.config().guest_accounts_settings.enable {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::GUESTS_DISABLED,
            "Guest accounts are turned off on this server.",
        ));
    }
    let account = users::get(ctx.state.db(), user_id).await?;
    match (to_guest, users::is_guest(&account)) {
        (true, true) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::ALREADY_GUEST,
                "The user is a guest already.",
            ));
        }
        (false, false) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::NOT_GUEST,
                "The user is not a guest.",
            ));
        }
        _ => {}
    }
    users::set_guest(ctx, account, to_guest).await?;
    publish_account_of(ctx, user_id).await?;
    let memberships = crate::app::membership::all_as_events(ctx.state.db(), user_id).await?;
    ctx.state.events().publish_all(memberships);
    let roles = if to_guest {
        "system_guest"
    } else {
        "system_user"
    };
    audits::record(ctx, user_id, &format!("roles={roles}")).await;
    Ok(ok())
}

/// The rows the caller may see (everyone with view_members; only themselves without),
/// as they may see them.
async fn visible(ctx: &Ctx, rows: Vec<user::Model>) -> Result<Vec<types::User>, ApiError> {
    let rows = if has_system(ctx, VIEW_MEMBERS).await? {
        rows
    } else {
        let me = ctx.session()?.user_id.clone();
        let mut mates = crate::app::teams::teammates(ctx.state.db(), &me).await?;
        mates.extend(crate::app::channels::channel_mates(ctx.state.db(), &me).await?);
        rows.into_iter()
            .filter(|u| u.id == me || mates.contains(&u.id))
            .collect()
    };
    users::views(ctx, &rows).await
}

/// Whether searches may match on email addresses.
async fn can_see_emails(ctx: &Ctx) -> Result<bool, ApiError> {
    Ok(ctx.state.config().privacy_settings.show_email_address
        || has_system(ctx, MANAGE_SYSTEM).await?)
}

/// The filter the two user reports share.
/// The page GetUsersForReporting asks for: a sort column and direction, a cursor
/// (`from_column_value` with `from_id`, both or neither) and which way from it.
fn report_page(query: &GetUsersForReportingQuery) -> Result<directory::ReportPage<'_>, ApiError> {
    let ascending = match query.sort_direction.as_deref().unwrap_or("asc") {
        "asc" => true,
        "desc" => false,
        _ => return Err(ApiError::invalid_param("sort_direction")),
    };
    let backwards = match query.direction.as_deref().unwrap_or("next") {
        "next" => false,
        "prev" => true,
        _ => return Err(ApiError::invalid_param("direction")),
    };
    let from = match (&query.from_column_value, &query.from_id) {
        (Some(value), Some(id)) => Some((value.as_str(), id.as_str())),
        (None, None) => None,
        _ => return Err(ApiError::invalid_param("from_id")),
    };
    Ok(directory::ReportPage {
        column: query.sort_column.as_deref().unwrap_or_default(),
        ascending,
        backwards,
        from,
        size: u64::try_from(query.page_size.unwrap_or(50).clamp(1, 100)).unwrap_or(50),
    })
}

async fn report_filter(
    ctx: &Ctx,
    role: Option<String>,
    hide_active: Option<bool>,
    hide_inactive: Option<bool>,
    term: Option<String>,
) -> Result<directory::Filter, ApiError> {
    let active = match (hide_active.unwrap_or(false), hide_inactive.unwrap_or(false)) {
        (true, true) => return Err(ApiError::invalid_param("hide_inactive")),
        (true, false) => Some(false),
        (false, true) => Some(true),
        (false, false) => None,
    };
    Ok(directory::Filter {
        active,
        roles: role.into_iter().collect(),
        term,
        term_matches_email: can_see_emails(ctx).await?,
        ..Default::default()
    })
}
