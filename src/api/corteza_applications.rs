//! Corteza's applications (`openapi/corteza-system.yaml`, tag `corteza_applications`); see
//! `app::corteza::applications`.

use super::Api;
use crate::app::corteza::{self, applications};
use crate::contract::{
    self, CortezaApplicationDeletePath, CortezaApplicationListQuery, CortezaApplicationReadPath,
    CortezaApplicationTriggerScriptPath, CortezaApplicationUndeletePath,
    CortezaApplicationUpdatePath, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

fn application(out: types::CortezaApplication) -> types::CortezaApplicationReply {
    types::CortezaApplicationReply {
        response: Some(out),
        error: None,
    }
}

impl contract::CortezaApplicationsApi for Api {
    /// `GET /application/`: filtered by `read` on each.
    async fn corteza_application_list(
        ctx: &Ctx,
        query: CortezaApplicationListQuery,
    ) -> Result<types::CortezaApplicationListReply, ApiError> {
        let filter = applications::Filter {
            name: query.name,
            query: query.query,
            deleted: query.deleted.unwrap_or(0),
            paging: corteza::Paging::given(query.limit, query.offset, query.page, query.per_page),
            sort: query.sort,
        };
        Ok(types::CortezaApplicationListReply {
            response: Some(applications::list(ctx, filter).await?),
            error: None,
        })
    }

    /// `POST /application/`: `application.create` on `system`.
    async fn corteza_application_create(
        ctx: &Ctx,
        body: types::CortezaApplicationCreateBody,
    ) -> Result<types::CortezaApplicationReply, ApiError> {
        let fields = applications::Fields {
            name: body.name,
            enabled: body.enabled,
            unify: body.unify,
        };
        let made = applications::create(ctx, fields).await?;
        let what = format!("application {} created", made.application_id);
        corteza::audit(ctx, None, &what).await;
        Ok(application(made))
    }

    /// `GET /application/{applicationID}`: `read` on it.
    async fn corteza_application_read(
        ctx: &Ctx,
        path: CortezaApplicationReadPath,
    ) -> Result<types::CortezaApplicationReply, ApiError> {
        applications::read(ctx, &path.application_id)
            .await
            .map(application)
    }

    /// `PUT /application/{applicationID}`: `update` on it.
    async fn corteza_application_update(
        ctx: &Ctx,
        path: CortezaApplicationUpdatePath,
        body: types::CortezaApplicationUpdateBody,
    ) -> Result<types::CortezaApplicationReply, ApiError> {
        let fields = applications::Fields {
            name: body.name,
            enabled: body.enabled,
            unify: body.unify,
        };
        let saved = applications::update(ctx, &path.application_id, fields).await?;
        let what = format!("application {} updated", saved.application_id);
        corteza::audit(ctx, None, &what).await;
        Ok(application(saved))
    }

    /// `DELETE /application/{applicationID}`: `delete` on it.
    async fn corteza_application_delete(
        ctx: &Ctx,
        path: CortezaApplicationDeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        applications::set_deleted(ctx, &path.application_id, true).await?;
        let what = format!("application {} deleted", path.application_id);
        corteza::audit(ctx, None, &what).await;
        Ok(corteza::success())
    }

    /// `POST /application/{applicationID}/undelete`: `delete` on it.
    async fn corteza_application_undelete(
        ctx: &Ctx,
        path: CortezaApplicationUndeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        applications::set_deleted(ctx, &path.application_id, false).await?;
        let what = format!("application {} undeleted", path.application_id);
        corteza::audit(ctx, None, &what).await;
        Ok(corteza::success())
    }

    /// `POST /application/{applicationID}/trigger`: no script runs (see the app module).
    async fn corteza_application_trigger_script(
        ctx: &Ctx,
        path: CortezaApplicationTriggerScriptPath,
        body: types::CortezaApplicationTriggerScriptBody,
    ) -> Result<types::CortezaApplicationReply, ApiError> {
        applications::trigger(ctx, &path.application_id, &body.script)
            .await
            .map(application)
    }
}
