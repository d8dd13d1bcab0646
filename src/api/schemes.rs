//! The `schemes` tag: permission schemes for teams and channels. No licence is needed.

use super::Api;
use crate::app::schemes;
use crate::auth::permissions::{ids::MANAGE_SYSTEM, require_system};
use crate::contract::{
    self, DeleteSchemePath, GetChannelsForSchemePath, GetChannelsForSchemeQuery, GetSchemePath,
    GetSchemesQuery, GetTeamsForSchemePath, GetTeamsForSchemeQuery, PatchSchemePath, types,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;

/// manage_system, then the scheme `id` (400 when malformed, 404 when unknown).
async fn managed_scheme(
    ctx: &Ctx,
    id: &str,
) -> Result<crate::store::entity::scheme::Model, ApiError> {
    ctx.session()?;
    if !is_valid_id(id) {
        return Err(ApiError::invalid_url_param("scheme_id"));
    }
    require_system(ctx, MANAGE_SYSTEM).await?;
    schemes::get(ctx, id).await
}

/// Records a scheme change by the caller.
async fn audit(ctx: &Ctx, what: &str) -> Result<(), ApiError> {
    let caller = ctx.session()?.user_id.clone();
    crate::app::audits::record(ctx, &caller, what).await;
    Ok(())
}

impl contract::SchemesApi for Api {
    /// `GET /api/v4/schemes`: manage_system. Live schemes, of one `scope` if given.
    async fn get_schemes(
        ctx: &Ctx,
        query: GetSchemesQuery,
    ) -> Result<Vec<types::Scheme>, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        let scope = query.scope.as_deref().filter(|s| !s.is_empty());
        if scope.is_some_and(|s| s != "team" && s != "channel") {
            return Err(ApiError::invalid_param("scope"));
        }
        let found = schemes::list(ctx, scope, query.page, query.per_page).await?;
        Ok(found.iter().map(schemes::to_api).collect())
    }

    /// `POST /api/v4/schemes`: manage_system. Creates the scheme and its roles.
    async fn create_scheme(
        ctx: &Ctx,
        body: types::CreateSchemeBody,
    ) -> Result<types::Scheme, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        let created = schemes::create(
            ctx,
            body.name,
            body.description.unwrap_or_default(),
            &body.scope,
        )
        .await?;
        audit(ctx, &format!("scheme {} created", created.id)).await?;
        Ok(schemes::to_api(&created))
    }

    /// `GET /api/v4/schemes/{scheme_id}`: manage_system.
    async fn get_scheme(ctx: &Ctx, path: GetSchemePath) -> Result<types::Scheme, ApiError> {
        Ok(schemes::to_api(
            &managed_scheme(ctx, &path.scheme_id).await?,
        ))
    }

    /// `DELETE /api/v4/schemes/{scheme_id}`: manage_system. The scheme and its roles.
    async fn delete_scheme(ctx: &Ctx, path: DeleteSchemePath) -> Result<types::StatusOk, ApiError> {
        let found = managed_scheme(ctx, &path.scheme_id).await?;
        let id = found.id.clone();
        schemes::delete(ctx, found).await?;
        audit(ctx, &format!("scheme {id} deleted")).await?;
        Ok(types::StatusOk {
            status: Some("OK".to_owned()),
        })
    }

    /// `PUT /api/v4/schemes/{scheme_id}/patch`: manage_system. Name and description.
    async fn patch_scheme(
        ctx: &Ctx,
        path: PatchSchemePath,
        body: types::PatchSchemeBody,
    ) -> Result<types::Scheme, ApiError> {
        let found = managed_scheme(ctx, &path.scheme_id).await?;
        let patched = schemes::patch(ctx, found, body.name, body.description).await?;
        audit(ctx, &format!("scheme {} patched", patched.id)).await?;
        Ok(schemes::to_api(&patched))
    }

    /// `GET /api/v4/schemes/{scheme_id}/teams`: manage_system; team schemes only. The live
    /// teams using it, by display name, paged.
    async fn get_teams_for_scheme(
        ctx: &Ctx,
        path: GetTeamsForSchemePath,
        query: GetTeamsForSchemeQuery,
    ) -> Result<Vec<types::Team>, ApiError> {
        let found = managed_scheme(ctx, &path.scheme_id).await?;
        let rows = schemes::teams_using(ctx, &found, query.page, query.per_page).await?;
        crate::app::teams::to_api_all(ctx, &rows).await
    }

    /// `GET /api/v4/schemes/{scheme_id}/channels`: manage_system; channel schemes only. The
    /// live channels using it, by display name, paged.
    async fn get_channels_for_scheme(
        ctx: &Ctx,
        path: GetChannelsForSchemePath,
        query: GetChannelsForSchemeQuery,
    ) -> Result<Vec<types::Channel>, ApiError> {
        let found = managed_scheme(ctx, &path.scheme_id).await?;
        let rows = schemes::channels_using(ctx, &found, query.page, query.per_page).await?;
        Ok(crate::app::channels::to_api_all(&rows))
    }
}
