//! Corteza's automation: the scripts Corredor (Corteza's script runner) offers, their
//! client bundles, and running one. ferromost has no script runner; it answers as Corteza
//! does with Corredor turned off (its `CORREDOR_ENABLED=false`): no scripts, no bundles
//! (an empty 404) and triggers that run nothing and succeed. Triggers on an application,
//! role or user still find that object first and answer it.

use crate::contract::types::CortezaAutomationList;
use crate::error::{ApiError, CORTEZA_NO_FILE};
use axum::http::StatusCode;
use serde_json::json;

/// What `GET /automation/` filters by.
#[derive(Default)]
pub struct Filter {
    pub resource_type_prefixes: Vec<String>,
    pub resource_types: Vec<String>,
    pub event_types: Vec<String>,
    pub exclude_server_scripts: bool,
    pub exclude_client_scripts: bool,
    pub exclude_invalid: bool,
}

/// `GET /automation/`: the filter echoed and no scripts.
pub fn list(filter: Filter) -> CortezaAutomationList {
    let mut echo = serde_json::Map::new();
    echo.insert(
        "resourceTypePrefixes".into(),
        json!(filter.resource_type_prefixes),
    );
    echo.insert("resourceTypes".into(), json!(filter.resource_types));
    echo.insert("eventTypes".into(), json!(filter.event_types));
    echo.insert(
        "excludeServerScripts".into(),
        json!(filter.exclude_server_scripts),
    );
    echo.insert(
        "excludeClientScripts".into(),
        json!(filter.exclude_client_scripts),
    );
    echo.insert("excludeInvalid".into(), json!(filter.exclude_invalid));
    echo.insert("count".into(), json!(0));
    CortezaAutomationList {
        filter: echo,
        set: Some(Vec::new()),
    }
}

/// Corteza's empty 404 for a file that is not there.
pub fn no_file() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, CORTEZA_NO_FILE, "no such file")
}
