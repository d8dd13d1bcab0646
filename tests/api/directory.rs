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

#[tokio::test]
async fn the_user_report_pages_with_a_cursor() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    for name in ["carol", "dave", "erin"] {
        server.user(&admin, name).await;
    }
    // Arguments (alphabetical): date_range, direction, from_column_value, from_id,
    // has_no_team, hide_active, hide_inactive, page_size, role_filter, search_term,
    // sort_column, sort_direction, team_filter.
    let first = admin.client.get_users_for_reporting(
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        std::num::NonZeroU64::new(2),
        None,
        None,
        None,
        None,
        None,
    );
    let first = first.await.unwrap().into_inner();
    let first_names: Vec<_> = first.iter().map(|r| r.username.clone().unwrap()).collect();
    assert_eq!(first_names, ["basic", "carol"]);
    let last = first.last().unwrap();
    let next = admin.client.get_users_for_reporting(
        None,
        None,
        last.username.as_deref(),
        last.id.as_deref(),
        None,
        None,
        None,
        std::num::NonZeroU64::new(2),
        None,
        None,
        None,
        None,
        None,
    );
    let next: Vec<_> = next
        .await
        .unwrap()
        .into_inner()
        .into_iter()
        .map(|r| r.username.unwrap())
        .collect();
    assert_eq!(next, ["dave", "erin"]);
    let desc = admin.client.get_users_for_reporting(
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        std::num::NonZeroU64::new(1),
        None,
        None,
        None,
        Some("desc"),
        None,
    );
    assert_eq!(
        desc.await.unwrap().into_inner()[0].username.as_deref(),
        Some("sysadmin")
    );
    let count = admin
        .client
        // Arguments: has_no_team, hide_active, hide_inactive, role_filter, search_term, team_filter.
        .get_user_count_for_reporting(None, None, None, None, Some("car"), None)
        .await
        .unwrap();
    assert_eq!(count.into_inner(), 1.0);
    let limits = admin.client.get_user_limits().await.unwrap().into_inner();
    assert_eq!(
        (limits[0].max_users_limit, limits[0].active_user_count),
        (Some(0), Some(5))
    );
    assert_fails(user.client.get_user_limits().await, 403, FORBIDDEN).await;
    assert_fails(
        user.client
            .get_users_for_reporting(
                None, None, None, None, None, None, None, None, None, None, None, None, None,
            )
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let groups = user
        .client
        .get_users_by_group_channel_ids(&vec![ferromost::ids::new_id()])
        .await
        .unwrap();
    assert_eq!(serde_json::to_string(&groups.into_inner()).unwrap(), "{}");
}

#[tokio::test]
async fn moving_an_account_to_another_sign_in_service() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let ldap = types::UserAuthData {
        auth_service: "ldap".into(),
        auth_data: "uid=basic".into(),
    };
    assert_fails(
        user.client.update_user_auth(user.id(), &ldap).await,
        403,
        FORBIDDEN,
    )
    .await;
    let moved = admin
        .client
        .update_user_auth(user.id(), &ldap)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.auth_service, "ldap");
    crate::common::assert_logged_out(&user.client).await;
    // The password no longer signs in.
    assert_fails(
        server
            .anonymous()
            .login(&crate::common::login_body("basic", crate::common::PASSWORD))
            .await,
        401,
        "api.user.login.invalid_credentials_email_username",
    )
    .await;
    let other = server.user(&admin, "other").await;
    assert_fails(
        admin.client.update_user_auth(other.id(), &ldap).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    let bogus = types::UserAuthData {
        auth_service: "myspace".into(),
        auth_data: "x".into(),
    };
    assert_fails(
        admin.client.update_user_auth(other.id(), &bogus).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
}
