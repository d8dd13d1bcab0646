//! Corteza's users (`openapi/corteza-system.yaml`, tag `corteza_users`) over Mattermost's
//! accounts (see `app::corteza::users`).

use super::{Api, publish_account};
use crate::app::corteza::{self, users};
use crate::contract::{
    self, CortezaUserDeletePath, CortezaUserListQuery, CortezaUserMembershipAddPath,
    CortezaUserMembershipListPath, CortezaUserMembershipRemovePath, CortezaUserReadPath,
    CortezaUserSetPasswordPath, CortezaUserSuspendPath, CortezaUserTriggerScriptPath,
    CortezaUserUndeletePath, CortezaUserUnsuspendPath, CortezaUserUpdatePath, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

fn user(out: types::CortezaUser) -> types::CortezaUserReply {
    types::CortezaUserReply {
        response: Some(out),
        error: None,
    }
}

/// Applies a state change and publishes the account's new state to Mattermost's clients.
async fn changed(
    ctx: &Ctx,
    id: &str,
    change: users::Change,
) -> Result<types::CortezaSuccessReply, ApiError> {
    let account = users::change(ctx, id, change).await?;
    corteza::audit(ctx, Some(&account.id), change.audited()).await;
    publish_account(ctx, &account);
    Ok(corteza::success())
}

impl contract::CortezaUsersApi for Api {
    /// `GET /users/`: filtered by `read` on each user.
    async fn corteza_user_list(
        ctx: &Ctx,
        query: CortezaUserListQuery,
    ) -> Result<types::CortezaUserListReply, ApiError> {
        let state = |given: Option<i64>, deprecated: Option<bool>| match given.unwrap_or(0) {
            0 if deprecated == Some(true) => 1,
            s => s,
        };
        let filter = users::Filter {
            deleted: state(query.deleted, query.inc_deleted),
            suspended: state(query.suspended, query.inc_suspended),
            user_ids: query.user_id,
            role_ids: query.role_id,
            query: query.query,
            email: query.email,
            username: query.username,
            handle: query.handle,
            kind: query.kind,
            paging: corteza::Paging::given(query.limit, query.offset, query.page, query.per_page),
            sort: query.sort,
        };
        Ok(types::CortezaUserListReply {
            response: Some(users::list(ctx, filter).await?),
            error: None,
        })
    }

    /// `POST /users/`: `user.create` on `system`.
    async fn corteza_user_create(
        ctx: &Ctx,
        body: types::CortezaUserCreateBody,
    ) -> Result<types::CortezaUserReply, ApiError> {
        let fields = users::Fields {
            email: body.email,
            name: body.name.unwrap_or_default(),
            handle: body.handle,
        };
        users::create(ctx, fields).await.map(user)
    }

    /// `GET /users/{userID}`.
    async fn corteza_user_read(
        ctx: &Ctx,
        path: CortezaUserReadPath,
    ) -> Result<types::CortezaUserReply, ApiError> {
        users::read(ctx, &path.user_id).await.map(user)
    }

    /// `PUT /users/{userID}`: `update` on the user, or the user themself.
    async fn corteza_user_update(
        ctx: &Ctx,
        path: CortezaUserUpdatePath,
        body: types::CortezaUserUpdateBody,
    ) -> Result<types::CortezaUserReply, ApiError> {
        let fields = users::Fields {
            email: body.email,
            name: body.name,
            handle: body.handle,
        };
        let account = users::update(ctx, &path.user_id, fields).await?;
        corteza::audit(ctx, Some(&account.id), "updated").await;
        publish_account(ctx, &account);
        users::view(ctx, &account).await.map(user)
    }

    /// `DELETE /users/{userID}`: `delete` on the user; deactivates the account.
    async fn corteza_user_delete(
        ctx: &Ctx,
        path: CortezaUserDeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        changed(ctx, &path.user_id, users::Change::Delete).await
    }

    /// `POST /users/{userID}/undelete`: `delete` on the user.
    async fn corteza_user_undelete(
        ctx: &Ctx,
        path: CortezaUserUndeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        changed(ctx, &path.user_id, users::Change::Undelete).await
    }

    /// `POST /users/{userID}/suspend`: `suspend` on the user; deactivates the account.
    async fn corteza_user_suspend(
        ctx: &Ctx,
        path: CortezaUserSuspendPath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        changed(ctx, &path.user_id, users::Change::Suspend).await
    }

    /// `POST /users/{userID}/unsuspend`: `unsuspend` on the user.
    async fn corteza_user_unsuspend(
        ctx: &Ctx,
        path: CortezaUserUnsuspendPath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        changed(ctx, &path.user_id, users::Change::Unsuspend).await
    }

    /// `POST /users/{userID}/password`: `update` on the user.
    async fn corteza_user_set_password(
        ctx: &Ctx,
        path: CortezaUserSetPasswordPath,
        body: types::CortezaUserSetPasswordBody,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        users::set_password(ctx, &path.user_id, body.password).await?;
        Ok(corteza::success())
    }

    /// `POST /users/{userID}/membership/{roleID}`: as adding the member to the role.
    async fn corteza_user_membership_add(
        ctx: &Ctx,
        path: CortezaUserMembershipAddPath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        super::corteza_roles::member(ctx, &path.role_id, &path.user_id, true).await
    }

    /// `DELETE /users/{userID}/membership/{roleID}`: as removing the member from the role.
    async fn corteza_user_membership_remove(
        ctx: &Ctx,
        path: CortezaUserMembershipRemovePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        super::corteza_roles::member(ctx, &path.role_id, &path.user_id, false).await
    }

    /// `GET /users/{userID}/membership`: the ids of the user's roles.
    async fn corteza_user_membership_list(
        ctx: &Ctx,
        path: CortezaUserMembershipListPath,
    ) -> Result<types::CortezaIdListReply, ApiError> {
        Ok(types::CortezaIdListReply {
            response: users::memberships(ctx, &path.user_id).await?,
            error: None,
        })
    }

    /// `POST /users/{userID}/trigger`: Corteza runs the named automation script on the user
    /// (Corredor); ferromost has no script runner, which Corteza answers as it does with
    /// Corredor turned off: nothing runs, and the user comes back as a read shows it.
    async fn corteza_user_trigger_script(
        ctx: &Ctx,
        path: CortezaUserTriggerScriptPath,
        body: types::CortezaUserTriggerScriptBody,
    ) -> Result<types::CortezaUserReply, ApiError> {
        let _ = body.script;
        users::read(ctx, &path.user_id).await.map(user)
    }
}
