//! The `roles` and `permissions` tags: roles as rows, and the sysconsole permission map.

use super::Api;
use crate::app::roles;
use crate::auth::permissions::ids::MANAGE_SYSTEM;
use crate::auth::permissions::{ANCILLARY, require_system};
use crate::contract::{
    self, GetAncillaryPermissionsQuery, GetRoleByNamePath, GetRolePath, PatchRolePath, types,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;

impl contract::RolesApi for Api {
    /// `GET /api/v4/roles`: permission: manage_system.
    async fn get_all_roles(ctx: &Ctx) -> Result<Vec<types::Role>, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        roles::all(ctx).await
    }

    /// `GET /api/v4/roles/{role_id}`: permission: a session.
    async fn get_role(ctx: &Ctx, path: GetRolePath) -> Result<types::Role, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.role_id) {
            return Err(ApiError::invalid_url_param("role_id"));
        }
        roles::get(ctx, &path.role_id).await
    }

    /// `GET /api/v4/roles/name/{role_name}`: permission: a session.
    async fn get_role_by_name(ctx: &Ctx, path: GetRoleByNamePath) -> Result<types::Role, ApiError> {
        ctx.session()?;
        if !roles::is_valid_name(&path.role_name) {
            return Err(ApiError::invalid_url_param("role_name"));
        }
        roles::get_by_name(ctx, &path.role_name).await
    }

    /// `POST /api/v4/roles/names`: permission: a session. Unknown names are left out.
    async fn get_roles_by_names(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<Vec<types::Role>, ApiError> {
        ctx.session()?;
        roles::by_names(ctx, body).await
    }

    /// `PUT /api/v4/roles/{role_id}/patch`: permission: manage_system. Every permission
    /// named must be one Mattermost knows; the change applies from the next request on.
    async fn patch_role(
        ctx: &Ctx,
        path: PatchRolePath,
        body: types::PatchRoleBody,
    ) -> Result<types::Role, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.role_id) {
            return Err(ApiError::invalid_url_param("role_id"));
        }
        require_system(ctx, MANAGE_SYSTEM).await?;
        let changed = roles::set_permissions(ctx, &path.role_id, body.permissions).await?;
        let name = changed.name.as_deref().unwrap_or_default();
        let audiences = roles::audiences(ctx.state.db(), name).await?;
        let events = audiences
            .into_iter()
            .map(|to| crate::app::events::role_updated(to, &changed));
        ctx.state.events().publish_all(events);
        Ok(changed)
    }
}

impl contract::PermissionsApi for Api {
    /// `GET /api/v4/permissions/ancillary?subsection_permissions=a,b`: permission: a session.
    /// The ids asked for, in order, then each one's ancillary ids, not deduplicated, as
    /// Mattermost answers.
    async fn get_ancillary_permissions(
        ctx: &Ctx,
        query: GetAncillaryPermissionsQuery,
    ) -> Result<Vec<String>, ApiError> {
        ctx.session()?;
        let asked: Vec<String> = query
            .subsection_permissions
            .unwrap_or_default()
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        let mut out = asked.clone();
        for p in &asked {
            out.extend(ANCILLARY.get(p).into_iter().flatten().cloned());
        }
        Ok(out)
    }
}
