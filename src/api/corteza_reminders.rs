//! Corteza's reminders (`openapi/corteza-system.yaml`, tag `corteza_reminders`); see
//! `app::corteza::reminders`.

use super::Api;
use crate::app::corteza::{self, reminders};
use crate::contract::{
    self, CortezaReminderDeletePath, CortezaReminderDismissPath, CortezaReminderListQuery,
    CortezaReminderReadPath, CortezaReminderSnoozePath, CortezaReminderUpdatePath, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;

fn reminder(out: types::CortezaReminder) -> types::CortezaReminderReply {
    types::CortezaReminderReply {
        response: Some(out),
        error: None,
    }
}

impl contract::CortezaRemindersApi for Api {
    /// `GET /reminder/`.
    async fn corteza_reminder_list(
        ctx: &Ctx,
        query: CortezaReminderListQuery,
    ) -> Result<types::CortezaReminderListReply, ApiError> {
        let filter = reminders::Filter {
            reminder_ids: query.reminder_id,
            resource: query.resource,
            assigned_to: query.assigned_to,
            scheduled_from: query.scheduled_from,
            scheduled_until: query.scheduled_until,
            scheduled_only: query.scheduled_only.unwrap_or(false),
            exclude_dismissed: query.exclude_dismissed.unwrap_or(false),
            paging: corteza::Paging::given(query.limit, query.offset, query.page, query.per_page),
            sort: query.sort,
        };
        Ok(types::CortezaReminderListReply {
            response: Some(reminders::list(ctx, filter).await?),
            error: None,
        })
    }

    /// `POST /reminder/`: `reminder.assign` on `system` to assign it to somebody else.
    async fn corteza_reminder_create(
        ctx: &Ctx,
        body: types::CortezaReminderCreateBody,
    ) -> Result<types::CortezaReminderReply, ApiError> {
        let fields = reminders::Fields {
            resource: body.resource,
            assigned_to: body.assigned_to,
            payload: body.payload,
            remind_at: body.remind_at,
        };
        reminders::create(ctx, fields).await.map(reminder)
    }

    /// `GET /reminder/{reminderID}`.
    async fn corteza_reminder_read(
        ctx: &Ctx,
        path: CortezaReminderReadPath,
    ) -> Result<types::CortezaReminderReply, ApiError> {
        reminders::read(ctx, &path.reminder_id).await.map(reminder)
    }

    /// `PUT /reminder/{reminderID}`: `reminder.assign` to assign it to somebody else.
    async fn corteza_reminder_update(
        ctx: &Ctx,
        path: CortezaReminderUpdatePath,
        body: types::CortezaReminderUpdateBody,
    ) -> Result<types::CortezaReminderReply, ApiError> {
        let fields = reminders::Fields {
            resource: body.resource,
            assigned_to: body.assigned_to,
            payload: body.payload,
            remind_at: body.remind_at,
        };
        reminders::update(ctx, &path.reminder_id, fields)
            .await
            .map(reminder)
    }

    /// `DELETE /reminder/{reminderID}`.
    async fn corteza_reminder_delete(
        ctx: &Ctx,
        path: CortezaReminderDeletePath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        reminders::change(ctx, &path.reminder_id, reminders::Change::Delete).await?;
        Ok(corteza::success())
    }

    /// `PATCH /reminder/{reminderID}/dismiss`.
    async fn corteza_reminder_dismiss(
        ctx: &Ctx,
        path: CortezaReminderDismissPath,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        reminders::change(ctx, &path.reminder_id, reminders::Change::Dismiss).await?;
        Ok(corteza::success())
    }

    /// `PATCH /reminder/{reminderID}/snooze`: due again at `remindAt`.
    async fn corteza_reminder_snooze(
        ctx: &Ctx,
        path: CortezaReminderSnoozePath,
        body: types::CortezaReminderSnoozeBody,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        let change = reminders::Change::Snooze(body.remind_at);
        reminders::change(ctx, &path.reminder_id, change).await?;
        Ok(corteza::success())
    }
}
