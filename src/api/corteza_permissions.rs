//! Corteza's permissions, statistics and subscription (`openapi/corteza-system.yaml`, tags
//! `corteza_permissions`, `corteza_stats`, `corteza_subscription`) and the action log
//! (`corteza_actionlog`).

use super::Api;
use crate::app::corteza::{self, actionlog, permissions, stats};
use crate::contract::{
    self, CortezaPermissionsDeletePath, CortezaPermissionsEffectiveQuery,
    CortezaPermissionsReadPath, CortezaPermissionsUpdatePath, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

impl contract::CortezaPermissionsApi for Api {
    /// `GET /permissions/`: what a rule may name.
    async fn corteza_permissions_list(
        _ctx: &Ctx,
    ) -> Result<types::CortezaPermissionArrayReply, ApiError> {
        Ok(types::CortezaPermissionArrayReply {
            response: Some(permissions::whitelist()),
            error: None,
        })
    }

    /// `GET /permissions/effective`: the caller's, on `system`.
    async fn corteza_permissions_effective(
        ctx: &Ctx,
        _query: CortezaPermissionsEffectiveQuery,
    ) -> Result<types::CortezaEffectivePermissionArrayReply, ApiError> {
        Ok(types::CortezaEffectivePermissionArrayReply {
            response: Some(permissions::effective(ctx).await?),
            error: None,
        })
    }

    /// `GET /permissions/{roleID}/rules`: `grant` on `system`.
    async fn corteza_permissions_read(
        ctx: &Ctx,
        path: CortezaPermissionsReadPath,
    ) -> Result<types::CortezaRuleArrayReply, ApiError> {
        Ok(types::CortezaRuleArrayReply {
            response: Some(permissions::rules(ctx, &path.role_id).await?),
            error: None,
        })
    }

    /// `DELETE /permissions/{roleID}/rules`: `grant` on `system`.
    async fn corteza_permissions_delete(
        ctx: &Ctx,
        path: CortezaPermissionsDeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        permissions::clear(ctx, &path.role_id).await?;
        let what = format!("rules of role {} removed", path.role_id);
        corteza::audit(ctx, None, &what).await;
        Ok(corteza::success())
    }

    /// `PATCH /permissions/{roleID}/rules`: `grant` on `system`.
    async fn corteza_permissions_update(
        ctx: &Ctx,
        path: CortezaPermissionsUpdatePath,
        body: types::CortezaPermissionsUpdateBody,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        permissions::merge(ctx, &path.role_id, body.rules).await?;
        let what = format!("rules of role {} changed", path.role_id);
        corteza::audit(ctx, None, &what).await;
        Ok(corteza::success())
    }
}

impl contract::CortezaStatsApi for Api {
    /// `GET /stats/`: `access` on `system`.
    async fn corteza_stats_list(ctx: &Ctx) -> Result<types::CortezaStatsReply, ApiError> {
        Ok(types::CortezaStatsReply {
            response: Some(stats::stats(ctx).await?),
            error: None,
        })
    }
}

impl contract::CortezaSubscriptionApi for Api {
    /// `GET /subscription/`: ferromost needs no subscription (Corteza answers success when
    /// it has none).
    async fn corteza_subscription_current(
        _ctx: &Ctx,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        Ok(corteza::success())
    }
}

impl contract::CortezaActionlogApi for Api {
    /// `GET /actionlog/`: Mattermost's audit trail (everything with `access` on `system`,
    /// otherwise the caller's own).
    async fn corteza_actionlog_list(
        ctx: &Ctx,
        query: contract::CortezaActionlogListQuery,
    ) -> Result<types::CortezaActionlogListReply, ApiError> {
        let filter = actionlog::Filter {
            from: query.from,
            to: query.to,
            resource: query.resource,
            action: query.action,
            actor_ids: query.actor_id,
            paging: corteza::Paging::given(query.limit, query.offset, query.page, query.per_page),
        };
        Ok(types::CortezaActionlogListReply {
            response: Some(actionlog::list(ctx, filter).await?),
            error: None,
        })
    }
}
