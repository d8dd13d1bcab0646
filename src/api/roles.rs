//! The `roles` and `permissions` tags: roles as rows, and the sysconsole permission map.

use super::Api;
use crate::auth::permissions::ids::MANAGE_SYSTEM;
use crate::auth::permissions::{ALL_PERMISSIONS, ANCILLARY, require_system};
use crate::contract::{
    self, GetAncillaryPermissionsQuery, GetRoleByNamePath, GetRolePath, PatchRolePath, types,
};
use crate::error::ApiError;
use crate::ids::{is_valid_id, now_millis};
use crate::rt::Ctx;
use crate::store::entity::role;
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

mod ids {
    pub const NOT_FOUND: &str = "app.role.get.app_error";
    pub const NAME_NOT_FOUND: &str = "app.role.get_by_name.app_error";
    pub const TOO_MANY_NAMES: &str = "api.roles.get_multiple_by_name_too_many.request_error";
    pub const INVALID_ROLE: &str = "app.role.save.invalid_role.app_error";
}

/// How many roles one GetRolesByNames may ask for, as in Mattermost.
const MAX_NAMES: usize = 100;

fn to_api(r: role::Model) -> types::Role {
    types::Role {
        id: Some(r.id),
        name: Some(r.name),
        display_name: Some(r.display_name),
        description: Some(r.description),
        permissions: r
            .permissions
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        scheme_managed: Some(r.scheme_managed),
    }
}

/// Mattermost's role-name rule: 1 to 64 of a-z, 0-9 and `_`.
fn is_valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl contract::RolesApi for Api {
    /// `GET /api/v4/roles`: permission: manage_system.
    async fn get_all_roles(ctx: &Ctx) -> Result<Vec<types::Role>, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        let rows = role::Entity::find().all(ctx.state.db()).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `GET /api/v4/roles/{role_id}`: permission: a session.
    async fn get_role(ctx: &Ctx, path: GetRolePath) -> Result<types::Role, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.role_id) {
            return Err(ApiError::invalid_url_param("role_id"));
        }
        let found = role::Entity::find_by_id(path.role_id)
            .one(ctx.state.db())
            .await?;
        found.map(to_api).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ids::NOT_FOUND,
                "There is no such role.",
            )
        })
    }

    /// `GET /api/v4/roles/name/{role_name}`: permission: a session.
    async fn get_role_by_name(ctx: &Ctx, path: GetRoleByNamePath) -> Result<types::Role, ApiError> {
        ctx.session()?;
        if !is_valid_role_name(&path.role_name) {
            return Err(ApiError::invalid_url_param("role_name"));
        }
        let found = role::Entity::find()
            .filter(role::Column::Name.eq(path.role_name))
            .one(ctx.state.db())
            .await?;
        found.map(to_api).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ids::NAME_NOT_FOUND,
                "There is no such role.",
            )
        })
    }

    /// `POST /api/v4/roles/names`: permission: a session. Unknown names are left out.
    async fn get_roles_by_names(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<Vec<types::Role>, ApiError> {
        ctx.session()?;
        if body.is_empty() {
            return Err(ApiError::invalid_body_param("rolenames"));
        }
        if body.len() > MAX_NAMES {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::TOO_MANY_NAMES,
                format!("At most {MAX_NAMES} roles can be asked for at once."),
            ));
        }
        if !body.iter().all(|n| is_valid_role_name(n)) {
            return Err(ApiError::invalid_param("rolename"));
        }
        let rows = role::Entity::find()
            .filter(role::Column::Name.is_in(body))
            .all(ctx.state.db())
            .await?;
        Ok(rows.into_iter().map(to_api).collect())
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
        if let Some(unknown) = body
            .permissions
            .iter()
            .find(|p| !ALL_PERMISSIONS.contains(p.as_str()))
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::INVALID_ROLE,
                "The role names a permission that does not exist.",
            )
            .detail(format!("unknown permission: {unknown}")));
        }
        let db = ctx.state.db();
        let found = role::Entity::find_by_id(path.role_id)
            .one(db)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    ids::NOT_FOUND,
                    "There is no such role.",
                )
            })?;
        let mut permissions = body.permissions;
        permissions.dedup();
        let mut row = found.into_active_model();
        row.permissions = Set(permissions.join(" "));
        row.update_at = Set(now_millis());
        let updated = row.update(db).await?;
        ctx.state
            .invalidate(crate::cluster::Invalidation::Roles)
            .await?;
        let caller = ctx.session()?.user_id.clone();
        let what = format!("role {} permissions={}", updated.name, updated.permissions);
        crate::app::audits::record(ctx, &caller, &what).await;
        Ok(to_api(updated))
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
