//! Corteza's automation (`openapi/corteza-system.yaml`, tag `corteza_automation`): no
//! script runner, answered as Corteza answers without one (see `app::corteza::automation`).

use super::Api;
use crate::app::corteza::{self, automation};
use crate::contract::{self, CortezaAutomationBundlePath, CortezaAutomationListQuery, types};
use crate::error::ApiError;
use crate::rt::{Binary, Ctx};

impl contract::CortezaAutomationApi for Api {
    /// `GET /automation/`: no scripts.
    async fn corteza_automation_list(
        _ctx: &Ctx,
        query: CortezaAutomationListQuery,
    ) -> Result<types::CortezaAutomationListReply, ApiError> {
        let filter = automation::Filter {
            resource_type_prefixes: query.resource_type_prefixes,
            resource_types: query.resource_types,
            event_types: query.event_types,
            exclude_server_scripts: query.exclude_server_scripts.unwrap_or(false),
            exclude_client_scripts: query.exclude_client_scripts.unwrap_or(false),
            exclude_invalid: query.exclude_invalid.unwrap_or(false),
        };
        Ok(types::CortezaAutomationListReply {
            response: Some(automation::list(filter)),
            error: None,
        })
    }

    /// `GET /automation/{bundle}-{type}.{ext}`: no bundles (an empty 404).
    async fn corteza_automation_bundle(
        _ctx: &Ctx,
        _path: CortezaAutomationBundlePath,
    ) -> Result<Binary, ApiError> {
        Err(automation::no_file())
    }

    /// `POST /automation/trigger`: nothing runs; success.
    async fn corteza_automation_trigger_script(
        _ctx: &Ctx,
        _body: types::CortezaAutomationTriggerScriptBody,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        Ok(corteza::success())
    }
}
