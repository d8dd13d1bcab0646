//! The migrations build exactly what the entities read and write: on a freshly migrated
//! database (SQLite or PostgreSQL), every entity's columns can be selected, and a full row
//! written through the entity reads back equal.

use crate::common::TestServer;
use ferromost::store::entity::*;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};

#[tokio::test]
async fn every_entity_matches_its_migrated_table() {
    let server = TestServer::start().await;
    let db = server.state.db();
    // Selecting names every column; a missing or misnamed one fails here.
    audit::Entity::find().all(db).await.unwrap();
    bot::Entity::find().all(db).await.unwrap();
    channel::Entity::find().all(db).await.unwrap();
    channel_member::Entity::find().all(db).await.unwrap();
    post::Entity::find().all(db).await.unwrap();
    preference::Entity::find().all(db).await.unwrap();
    reaction::Entity::find().all(db).await.unwrap();
    status::Entity::find().all(db).await.unwrap();
    sidebar_category::Entity::find().all(db).await.unwrap();
    sidebar_channel::Entity::find().all(db).await.unwrap();
    thread::Entity::find().all(db).await.unwrap();
    thread_membership::Entity::find().all(db).await.unwrap();
    scheme::Entity::find().all(db).await.unwrap();
    session::Entity::find().all(db).await.unwrap();
    system::Entity::find().all(db).await.unwrap();
    team::Entity::find().all(db).await.unwrap();
    team_member::Entity::find().all(db).await.unwrap();
    terms_of_service::Entity::find().all(db).await.unwrap();
    token::Entity::find().all(db).await.unwrap();
    user_access_token::Entity::find().all(db).await.unwrap();
    assert_eq!(
        role::Entity::find().all(db).await.unwrap().len(),
        23,
        "built-in roles seeded"
    );
    // A full row of the widest table round-trips.
    let admin = server.admin().await;
    let row = user::Entity::find_by_id(admin.id().to_owned())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut changed = row.clone();
    changed.auth_data = Some("x".repeat(128));
    changed.remote_id = Some(ferromost::ids::new_id());
    changed.mfa_used_step = i64::MAX;
    changed.locale = "pt-BR".into();
    let saved = changed
        .clone()
        .into_active_model()
        .reset_all()
        .update(db)
        .await
        .unwrap();
    assert_eq!(saved, changed);
    let pref = preference::Model {
        user_id: admin.id().to_owned(),
        category: "display_settings".into(),
        name: "use_military_time".into(),
        value: "true".into(),
    };
    preference::Entity::insert(pref.clone().into_active_model())
        .exec(db)
        .await
        .unwrap();
    assert_eq!(
        preference::Entity::find().all(db).await.unwrap(),
        vec![pref]
    );
}

/// The plan of `find` on the server's database: SQLite's EXPLAIN QUERY PLAN, or
/// PostgreSQL's EXPLAIN with sequential scans off (a tiny test table is otherwise read
/// whole, whatever the indexes).
async fn plan<E: sea_orm::EntityTrait>(server: &TestServer, find: sea_orm::Select<E>) -> String {
    use sea_orm::{ConnectionTrait, QueryTrait, Statement, TransactionTrait};
    let db = server.state.db();
    let backend = db.get_database_backend();
    let stmt = find.build(backend);
    let prefix = match backend {
        sea_orm::DbBackend::Postgres => "EXPLAIN",
        _ => "EXPLAIN QUERY PLAN",
    };
    let explain = Statement::from_sql_and_values(
        backend,
        format!("{prefix} {}", stmt.sql),
        stmt.values.map(|v| v.0).unwrap_or_default(),
    );
    let txn = db.begin().await.unwrap();
    if backend == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
    }
    let rows = txn.query_all_raw(explain).await.unwrap();
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            let column = if backend == sea_orm::DbBackend::Postgres {
                "QUERY PLAN"
            } else {
                "detail"
            };
            r.try_get::<String>("", column).unwrap()
        })
        .collect();
    txn.rollback().await.unwrap();
    lines.join("\n")
}

#[tokio::test]
async fn name_searches_are_answered_by_indexes() {
    use ferromost::store::prefix::any_starts_with;
    use sea_orm::QueryFilter;
    let server = TestServer::start().await;
    let backend = server.state.db().get_database_backend();
    let columns = [
        user::Column::Username,
        user::Column::FirstName,
        user::Column::LastName,
        user::Column::Nickname,
        user::Column::Email,
    ];
    let users =
        user::Entity::find().filter(any_starts_with::<user::Entity>(backend, &columns, "Ab"));
    let found = plan(&server, users).await;
    for column in ["username", "first_name", "last_name", "nickname", "email"] {
        let index = format!("idx_users_lower_{column}");
        assert!(found.contains(&index), "{index} unused:\n{found}");
    }
    let columns = [channel::Column::Name, channel::Column::DisplayName];
    let channels =
        channel::Entity::find().filter(any_starts_with::<channel::Entity>(backend, &columns, "to"));
    let found = plan(&server, channels).await;
    for index in ["idx_channels_lower_name", "idx_channels_lower_display_name"] {
        assert!(found.contains(index), "{index} unused:\n{found}");
    }
    let columns = [team::Column::Name, team::Column::DisplayName];
    let teams =
        team::Entity::find().filter(any_starts_with::<team::Entity>(backend, &columns, "te"));
    let found = plan(&server, teams).await;
    assert!(found.contains("idx_teams_lower_name"), "{found}");
}
