//! Corteza's roles (`openapi/corteza-system.yaml`, tag `corteza_roles`) over Mattermost's
//! roles (see `app::corteza::roles`).

use super::{Api, publish_account};
use crate::app::corteza::{self, roles};
use crate::contract::{
    self, CortezaRoleArchivePath, CortezaRoleDeletePath, CortezaRoleListQuery,
    CortezaRoleMemberAddPath, CortezaRoleMemberListPath, CortezaRoleMemberRemovePath,
    CortezaRoleMergePath, CortezaRoleMovePath, CortezaRoleReadPath, CortezaRoleTriggerScriptPath,
    CortezaRoleUnarchivePath, CortezaRoleUndeletePath, CortezaRoleUpdatePath, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

async fn reply(ctx: &Ctx, role: &roles::Role) -> Result<types::CortezaRoleReply, ApiError> {
    Ok(types::CortezaRoleReply {
        response: Some(roles::view(ctx, role).await?),
        error: None,
    })
}

async fn changed(
    ctx: &Ctx,
    id: &str,
    change: roles::Change,
) -> Result<types::CortezaSuccessReply, ApiError> {
    roles::change(ctx, id, change).await?;
    corteza::audit(ctx, None, &format!("role {id} {}", change.audited())).await;
    Ok(corteza::success())
}

/// Adds or removes a member; the account's new roles reach Mattermost's clients.
pub(super) async fn member(
    ctx: &Ctx,
    role_id: &str,
    user_id: &str,
    add: bool,
) -> Result<types::CortezaSuccessReply, ApiError> {
    let account = roles::set_member(ctx, role_id, user_id, add).await?;
    let what = if add { "added to" } else { "removed from" };
    corteza::audit(ctx, Some(&account.id), &format!("{what} role {role_id}")).await;
    publish_account(ctx, &account);
    Ok(corteza::success())
}

impl contract::CortezaRolesApi for Api {
    /// `GET /roles/`: the roles the caller may read.
    async fn corteza_role_list(
        ctx: &Ctx,
        query: CortezaRoleListQuery,
    ) -> Result<types::CortezaRoleListReply, ApiError> {
        let filter = roles::Filter {
            query: query.query,
            deleted: query.deleted.unwrap_or(0),
            archived: query.archived.unwrap_or(0),
            paging: corteza::Paging::given(query.limit, query.offset, query.page, query.per_page),
            sort: query.sort,
        };
        Ok(types::CortezaRoleListReply {
            response: Some(roles::list(ctx, filter).await?),
            error: None,
        })
    }

    /// `POST /roles/`: `role.create` on `system`.
    async fn corteza_role_create(
        ctx: &Ctx,
        body: types::CortezaRoleCreateBody,
    ) -> Result<types::CortezaRoleReply, ApiError> {
        let role = roles::create(ctx, body.name, body.handle, body.members).await?;
        corteza::audit(ctx, None, &format!("role {} created", role.id)).await;
        reply(ctx, &role).await
    }

    /// `GET /roles/{roleID}`.
    async fn corteza_role_read(
        ctx: &Ctx,
        path: CortezaRoleReadPath,
    ) -> Result<types::CortezaRoleReply, ApiError> {
        Ok(types::CortezaRoleReply {
            response: Some(roles::read(ctx, &path.role_id).await?),
            error: None,
        })
    }

    /// `PUT /roles/{roleID}`: `update` on the role.
    async fn corteza_role_update(
        ctx: &Ctx,
        path: CortezaRoleUpdatePath,
        body: Option<types::CortezaRoleUpdateBody>,
    ) -> Result<types::CortezaRoleReply, ApiError> {
        // Corteza replaces both: an omitted name or handle becomes empty.
        let body = body.unwrap_or_default();
        let name = body.name.unwrap_or_default();
        let handle = body.handle.unwrap_or_default();
        let role = roles::update(ctx, &path.role_id, name, handle, body.members).await?;
        corteza::audit(ctx, None, &format!("role {} updated", role.id)).await;
        reply(ctx, &role).await
    }

    /// `DELETE /roles/{roleID}`.
    async fn corteza_role_delete(
        ctx: &Ctx,
        path: CortezaRoleDeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        changed(ctx, &path.role_id, roles::Change::Delete).await
    }

    /// `POST /roles/{roleID}/undelete`.
    async fn corteza_role_undelete(
        ctx: &Ctx,
        path: CortezaRoleUndeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        changed(ctx, &path.role_id, roles::Change::Undelete).await
    }

    /// `POST /roles/{roleID}/archive`.
    async fn corteza_role_archive(
        ctx: &Ctx,
        path: CortezaRoleArchivePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        changed(ctx, &path.role_id, roles::Change::Archive).await
    }

    /// `POST /roles/{roleID}/unarchive`.
    async fn corteza_role_unarchive(
        ctx: &Ctx,
        path: CortezaRoleUnarchivePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        changed(ctx, &path.role_id, roles::Change::Unarchive).await
    }

    /// `POST /roles/{roleID}/merge`: moves the members to `destination`.
    async fn corteza_role_merge(
        ctx: &Ctx,
        path: CortezaRoleMergePath,
        body: types::CortezaRoleMergeBody,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        roles::merge(ctx, &path.role_id, &body.destination).await?;
        let what = format!("role {} merged into {}", path.role_id, body.destination);
        corteza::audit(ctx, None, &what).await;
        Ok(corteza::success())
    }

    /// `POST /roles/{roleID}/move`: into organisation `organisationID`.
    async fn corteza_role_move(
        ctx: &Ctx,
        path: CortezaRoleMovePath,
        body: types::CortezaRoleMoveBody,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        roles::move_to(ctx, &path.role_id, &body.organisation_id).await?;
        let what = format!(
            "role {} moved to organisation {}",
            path.role_id, body.organisation_id
        );
        corteza::audit(ctx, None, &what).await;
        Ok(corteza::success())
    }

    /// `POST /roles/{roleID}/trigger`: no script runs (see `roles::trigger`).
    async fn corteza_role_trigger_script(
        ctx: &Ctx,
        path: CortezaRoleTriggerScriptPath,
        body: types::CortezaRoleTriggerScriptBody,
    ) -> Result<types::CortezaRoleReply, ApiError> {
        Ok(types::CortezaRoleReply {
            response: Some(roles::trigger(ctx, &path.role_id, &body.script).await?),
            error: None,
        })
    }

    /// `GET /roles/{roleID}/members`.
    async fn corteza_role_member_list(
        ctx: &Ctx,
        path: CortezaRoleMemberListPath,
    ) -> Result<types::CortezaIdListReply, ApiError> {
        Ok(types::CortezaIdListReply {
            response: roles::members(ctx, &path.role_id).await?,
            error: None,
        })
    }

    /// `POST /roles/{roleID}/member/{userID}`.
    async fn corteza_role_member_add(
        ctx: &Ctx,
        path: CortezaRoleMemberAddPath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        member(ctx, &path.role_id, &path.user_id, true).await
    }

    /// `DELETE /roles/{roleID}/member/{userID}`.
    async fn corteza_role_member_remove(
        ctx: &Ctx,
        path: CortezaRoleMemberRemovePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        member(ctx, &path.role_id, &path.user_id, false).await
    }
}
