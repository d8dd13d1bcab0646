//! Finding people: GetUsers with its filters and sorts, search, autocomplete, the filtered
//! count, and what guests (no view_members) may see.

use crate::common::{TestServer, assert_fails};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

/// GetUsers' query by name (the SDK takes its 16 parameters in alphabetical order).
#[derive(Default, Clone, Copy)]
struct Q<'a> {
    active: Option<bool>,
    inactive: Option<bool>,
    in_team: Option<&'a str>,
    page: Option<i64>,
    per_page: Option<i64>,
    role: Option<&'a str>,
    sort: Option<&'a str>,
    without_team: Option<bool>,
}

type Listed = Result<
    ferromost_client::ResponseValue<Vec<types::User>>,
    ferromost_client::Error<types::AppError>,
>;

async fn list(client: &ferromost_client::Client, q: Q<'_>) -> Listed {
    client
        .get_users(
            q.active,
            None,
            None,
            None,
            None,
            q.in_team,
            q.inactive,
            None,
            None,
            q.page,
            q.per_page,
            q.role,
            None,
            q.sort,
            None,
            q.without_team,
        )
        .await
}

fn names(users: &[types::User]) -> Vec<String> {
    users.iter().map(|u| u.username.clone().unwrap()).collect()
}

fn search(term: &str) -> types::SearchUsersBody {
    types::SearchUsersBody {
        term: term.to_owned(),
        allow_inactive: None,
        group_constrained: None,
        in_channel_id: None,
        in_group_id: None,
        limit: 100,
        not_in_channel_id: None,
        not_in_team_id: None,
        team_id: None,
        without_team: None,
    }
}

#[tokio::test]
async fn listing_filtering_and_paging() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    for name in ["carol", "dave", "erin"] {
        // Distinct creation times, so sort=create_at has one answer.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        server.user(&admin, name).await;
    }
    admin
        .client
        .update_user_active(
            &server
                .login("dave", crate::common::PASSWORD)
                .await
                .user
                .id
                .unwrap(),
            &types::UpdateUserActiveBody { active: false },
        )
        .await
        .unwrap();
    let all = list(&user.client, Q::default()).await.unwrap().into_inner();
    assert_eq!(names(&all), ["basic", "carol", "dave", "erin", "sysadmin"]);
    let active = list(
        &user.client,
        Q {
            active: Some(true),
            ..Q::default()
        },
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(names(&active), ["basic", "carol", "erin", "sysadmin"]);
    let inactive = list(
        &user.client,
        Q {
            inactive: Some(true),
            ..Q::default()
        },
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(names(&inactive), ["dave"]);
    let admins = list(
        &user.client,
        Q {
            role: Some("system_admin"),
            ..Q::default()
        },
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(names(&admins), ["sysadmin"]);
    let page = list(
        &user.client,
        Q {
            page: Some(1),
            per_page: Some(2),
            ..Q::default()
        },
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(names(&page), ["dave", "erin"]);
    let newest = list(
        &user.client,
        Q {
            per_page: Some(1),
            sort: Some("create_at"),
            ..Q::default()
        },
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(names(&newest), ["erin"]);
    assert_fails(
        list(
            &user.client,
            Q {
                sort: Some("shoe_size"),
                ..Q::default()
            },
        )
        .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    // Team scopes: a basic user lacks view_team on a team it is not in; nobody is in a team yet.
    let team = ferromost::ids::new_id();
    assert_fails(
        list(
            &user.client,
            Q {
                in_team: Some(&team),
                ..Q::default()
            },
        )
        .await,
        403,
        FORBIDDEN,
    )
    .await;
    let in_team = list(
        &admin.client,
        Q {
            in_team: Some(&team),
            ..Q::default()
        },
    )
    .await
    .unwrap()
    .into_inner();
    assert!(in_team.is_empty());
    assert_fails(
        list(
            &user.client,
            Q {
                without_team: Some(true),
                ..Q::default()
            },
        )
        .await,
        403,
        FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn searching_and_autocompleting() {
    let server = TestServer::start_with(|c| c.privacy_settings.show_email_address = false).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    server.user(&admin, "carol").await;
    server.user(&admin, "carlos").await;
    let found = user
        .client
        .search_users(&search("CAR"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(names(&found), ["carlos", "carol"]);
    // Email addresses are private here: only an admin's search matches them.
    assert!(
        user.client
            .search_users(&search("sysadmin@"))
            .await
            .unwrap()
            .into_inner()
            .is_empty()
    );
    assert_eq!(
        admin
            .client
            .search_users(&search("sysadmin@"))
            .await
            .unwrap()
            .into_inner()
            .len(),
        1
    );
    assert_fails(
        user.client.search_users(&search(" ")).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    let limited = types::SearchUsersBody {
        limit: 1,
        ..search("car")
    };
    assert_eq!(
        user.client
            .search_users(&limited)
            .await
            .unwrap()
            .into_inner()
            .len(),
        1
    );
    let complete = user
        .client
        .autocomplete_users(None, None, "ca", None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(names(&complete.users), ["carlos", "carol"]);
    let channel = ferromost::ids::new_id();
    assert_fails(
        user.client
            .autocomplete_users(Some(&channel), None, "ca", None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert!(
        user.client
            .get_known_users()
            .await
            .unwrap()
            .into_inner()
            .is_empty()
    );
}

#[tokio::test]
async fn guests_see_only_themselves_and_counts_are_for_admins() {
    let server = TestServer::start_with(|c| c.guest_accounts_settings.enable = true).await;
    let admin = server.admin().await;
    let guest = server.user(&admin, "visitor").await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    let seen = list(&guest.client, Q::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(names(&seen), ["visitor"]);
    assert_fails(guest.client.get_user(admin.id()).await, 403, FORBIDDEN).await;
    guest.client.get_user("me").await.unwrap();
    let query = |deleted: Option<bool>| {
        admin
            .client
            .get_total_users_stats_filtered(None, None, None, deleted, None, None, None)
    };
    assert_eq!(
        query(None).await.unwrap().into_inner().total_users_count,
        Some(2)
    );
    assert_fails(
        guest
            .client
            .get_total_users_stats_filtered(None, None, None, None, None, None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
}
