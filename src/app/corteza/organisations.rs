//! Corteza's organisations. Corteza 2020.9 checks nothing on them (its service has TODOs
//! there); ferromost lets every signed-in user list and read them and asks
//! `organisation.create` on `system` (Administrators hold it) to create, change, archive
//! or delete one, so that no ordinary account can remove an organisation. Deleting is
//! soft; deleted organisations are neither listed nor found.

use super::{error, new_numeric_id, optional_time, parse_id, rbac, time};
use crate::auth::Caller;
use crate::contract::types::CortezaOrganisation;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::corteza_organisation as organisation;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

/// Corteza's answer for an organisation that is not there.
const NOT_FOUND: &str = "system.repository.OrganisationNotFound";

fn view(o: organisation::Model) -> CortezaOrganisation {
    CortezaOrganisation {
        organisation_id: o.id.to_string(),
        fqn: o.fqn,
        name: o.name,
        created_at: time(o.created_at),
        updated_at: optional_time(o.updated_at),
        archived_at: optional_time(o.archived_at),
        deleted_at: optional_time(o.deleted_at),
    }
}

/// The organisation `id` names (not deleted).
pub async fn find(caller: &Caller, id: &str) -> Result<organisation::Model, ApiError> {
    let id = parse_id(id)?;
    organisation::Entity::find_by_id(id)
        .filter(organisation::Column::DeletedAt.eq(0))
        .one(caller.state.db())
        .await?
        .ok_or_else(|| error(NOT_FOUND))
}

/// That the caller may change organisations.
async fn may_change(caller: &Caller, refused: &str) -> Result<(), ApiError> {
    rbac::require(caller, "system", "organisation.create", refused).await
}

/// `GET /organisations/`: a plain array, by name; `query` matches within the name (case
/// aside).
pub async fn list(
    caller: &Caller,
    query: Option<&str>,
) -> Result<Vec<CortezaOrganisation>, ApiError> {
    let needle = query.unwrap_or_default().trim().to_lowercase();
    let rows = organisation::Entity::find()
        .filter(organisation::Column::DeletedAt.eq(0))
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .all(caller.state.db())
        .await?;
    Ok(rows
        .into_iter()
        .filter(|o| o.name.to_lowercase().contains(&needle))
        .map(view)
        .collect())
}

/// `POST /organisations/`.
pub async fn create(caller: &Caller, name: String) -> Result<CortezaOrganisation, ApiError> {
    may_change(caller, "not allowed to create organisations").await?;
    let row = organisation::Model {
        id: new_numeric_id(),
        fqn: String::new(),
        name,
        created_at: now_millis(),
        updated_at: 0,
        archived_at: 0,
        deleted_at: 0,
    };
    organisation::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(caller.state.db())
        .await?;
    Ok(view(row))
}

/// `GET /organisations/{id}`.
pub async fn read(caller: &Caller, id: &str) -> Result<CortezaOrganisation, ApiError> {
    find(caller, id).await.map(view)
}

/// `PUT /organisations/{id}`: a new name.
pub async fn update(
    caller: &Caller,
    id: &str,
    name: String,
) -> Result<CortezaOrganisation, ApiError> {
    let found = find(caller, id).await?;
    may_change(caller, "not allowed to update this organisation").await?;
    let mut row = found.into_active_model();
    row.name = Set(name);
    row.updated_at = Set(now_millis());
    Ok(view(row.update(caller.state.db()).await?))
}

/// What `DELETE /organisations/{id}` and `POST …/archive` do.
#[derive(Clone, Copy)]
pub enum Change {
    Delete,
    Archive,
}

pub async fn change(caller: &Caller, id: &str, change: Change) -> Result<(), ApiError> {
    let row = find(caller, id).await?;
    let (column, refused) = match change {
        Change::Delete => (
            organisation::Column::DeletedAt,
            "not allowed to delete this organisation",
        ),
        Change::Archive => (
            organisation::Column::ArchivedAt,
            "not allowed to archive this organisation",
        ),
    };
    may_change(caller, refused).await?;
    let now = now_millis();
    organisation::Entity::update_many()
        .filter(organisation::Column::Id.eq(row.id))
        .col_expr(column, Expr::value(now))
        .col_expr(organisation::Column::UpdatedAt, Expr::value(now))
        .exec(caller.state.db())
        .await?;
    Ok(())
}
