//! Writing preferences: one row per (user, category, name), its value replaced when it
//! exists (two requests setting it at once both succeed; the later value stays).

use crate::store::entity::preference;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};

/// Stores `row`, replacing the value of the same preference.
pub async fn upsert(db: &impl ConnectionTrait, row: preference::Model) -> Result<(), DbErr> {
    preference::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::columns([
                preference::Column::UserId,
                preference::Column::Category,
                preference::Column::Name,
            ])
            .update_column(preference::Column::Value)
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
