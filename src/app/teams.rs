//! Teams and team membership: validation as Mattermost's `Team.IsValid`, joining and
//! leaving, member roles (scheme flags plus explicit roles) and what a caller may see of a
//! team.

use super::membership;
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::config::Config;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{team, team_member, user};
use crate::store::member_roles;
use crate::store::prefix;
use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

pub mod ids {
    pub const NOT_FOUND: &str = "app.team.get.find.app_error";
    pub const NAME_NOT_FOUND: &str = "app.team.get_by_name.missing.app_error";
    pub const INVITE_NOT_FOUND: &str = "app.team.get_by_invite_id.finding.app_error";
    pub const EXISTS: &str = "app.team.save.existing.app_error";
    pub const MEMBER_MISSING: &str = "app.team.get_member.missing.app_error";
    pub const NOT_A_MEMBER: &str = "api.team.remove_user_from_team.missing.app_error";
    pub const MAX_ACCOUNTS: &str = "app.team.join_user_to_team.max_accounts.app_error";
    pub const DOMAINS: &str = "api.team.join_user_to_team.allowed_domains.app_error";
    pub const CREATION_DOMAIN: &str = "api.team.is_team_creation_allowed.domain.app_error";
    pub const CREATION_DISABLED: &str = "api.team.is_team_creation_allowed.disabled.app_error";
    pub const LIST_FORBIDDEN: &str = "api.team.get_all_teams.insufficient_permissions";
    pub const NOT_OPEN: &str = "api.team.get_invite_info.not_open_team";
    pub const GUEST_INVITE: &str = "api.team.add_user_to_team_from_invite.guest.app_error";
    pub const GUEST_AND_USER: &str = "api.team.update_team_member_roles.guest_and_user.app_error";
    pub const GUEST_ROLE: &str = "api.team.update_team_member_roles.guest.app_error";
    pub const DELETE_DISABLED: &str = "api.user.delete_team.not_enabled.app_error";
    pub const SCHEME_SCOPE: &str = "api.team.update_team_scheme.scheme_scope.error";
    pub const GROUP_CONSTRAINED: &str = "api.team.remove_member.group_constrained.app_error";
}

/// Names a team may not start with (they would shadow the web app's own routes).
const RESERVED: [&str; 17] = [
    "admin",
    "api",
    "channel",
    "claim",
    "error",
    "files",
    "help",
    "landing",
    "login",
    "mfa",
    "oauth",
    "plug",
    "plugins",
    "post",
    "signup",
    "boards",
    "playbooks",
];

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::NOT_FOUND,
        "There is no such team.",
    )
}

fn invalid(id: &'static str, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        id,
        format!("The team's {what} is not valid."),
    )
}

/// Lower-case letters, digits and dashes (or one `__`), starting and ending with a letter
/// or digit, at least 2 characters: Mattermost's team URL names.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.len() < 2 || !edge(bytes[0]) || !edge(bytes[bytes.len() - 1]) {
        return false;
    }
    let inner = &name[1..name.len() - 1];
    inner == "__"
        || inner
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_reserved(name: &str) -> bool {
    let lower = name.to_lowercase();
    RESERVED.iter().any(|r| lower.starts_with(r))
}

/// Mattermost's `Team.IsValid`, in its order.
pub fn validate(t: &team::Model) -> Result<(), ApiError> {
    if t.email.len() > 128
        || (!t.email.is_empty() && super::users::validate_email(&t.email).is_err())
    {
        return Err(invalid("model.team.is_valid.email.app_error", "email"));
    }
    let display = t.display_name.chars().count();
    if display == 0 || display > 64 {
        return Err(invalid(
            "model.team.is_valid.name.app_error",
            "display name",
        ));
    }
    if t.name.len() > 64 {
        return Err(invalid("model.team.is_valid.url.app_error", "URL name"));
    }
    if t.description.len() > 255 {
        return Err(invalid(
            "model.team.is_valid.description.app_error",
            "description",
        ));
    }
    if !is_valid_id(&t.invite_id) {
        return Err(invalid(
            "model.team.is_valid.invite_id.app_error",
            "invite id",
        ));
    }
    if is_reserved(&t.name) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "model.team.is_valid.reserved.app_error",
            "That team URL name is reserved.",
        ));
    }
    if !is_valid_name(&t.name) {
        return Err(invalid(
            "model.team.is_valid.characters.app_error",
            "URL name",
        ));
    }
    if t.team_type != "O" && t.team_type != "I" {
        return Err(invalid("model.team.is_valid.type.app_error", "type"));
    }
    if t.company_name.len() > 64 {
        return Err(invalid(
            "model.team.is_valid.company.app_error",
            "company name",
        ));
    }
    if t.allowed_domains.len() > 500 {
        return Err(invalid(
            "model.team.is_valid.domains.app_error",
            "allowed domains",
        ));
    }
    Ok(())
}

/// Where a team's icon is kept.
/// Where a team's icon is in the file store.
pub fn icon_path(team_id: &str) -> String {
    format!("teams/{team_id}/teamIcon.png")
}

/// A team by id, deleted or not.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<team::Model, ApiError> {
    team::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(not_found)
}

pub async fn find_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<team::Model>, ApiError> {
    Ok(team::Entity::find()
        .filter(team::Column::Name.eq(name.to_lowercase()))
        .one(db)
        .await?)
}

pub async fn get_by_name(db: &impl ConnectionTrait, name: &str) -> Result<team::Model, ApiError> {
    find_by_name(db, name).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::NAME_NOT_FOUND,
            "There is no team with that name.",
        )
    })
}

pub async fn get_by_invite_id(
    db: &impl ConnectionTrait,
    invite_id: &str,
) -> Result<team::Model, ApiError> {
    team::Entity::find()
        .filter(team::Column::InviteId.eq(invite_id))
        .filter(team::Column::DeleteAt.eq(0))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ids::INVITE_NOT_FOUND,
                "No team has that invitation.",
            )
        })
}

/// What a new team starts with.
pub struct NewTeam {
    pub name: String,
    pub display_name: String,
    pub team_type: String,
    pub description: String,
    pub company_name: String,
    pub allowed_domains: String,
    pub allow_open_invite: bool,
    pub email: String,
}

/// Stores a new team (no members yet) with its default channels.
pub async fn create(db: &impl ConnectionTrait, new: NewTeam) -> Result<team::Model, ApiError> {
    let now = now_millis();
    let row = team::Model {
        id: new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        display_name: new.display_name.trim().to_owned(),
        name: new.name.trim().to_owned(),
        description: new.description,
        email: new.email.to_lowercase(),
        team_type: new.team_type,
        company_name: new.company_name,
        allowed_domains: new.allowed_domains,
        invite_id: new_id(),
        allow_open_invite: new.allow_open_invite,
        last_team_icon_update: 0,
        scheme_id: String::new(),
        group_constrained: false,
    };
    validate(&row)?;
    if find_by_name(db, &row.name).await?.is_some() {
        return Err(name_taken());
    }
    team::Entity::insert(row.clone().into_active_model())
        .exec(db)
        .await
        .map_err(|e| {
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) {
                name_taken()
            } else {
                e.into()
            }
        })?;
    super::channels::create_defaults(db, &row.id, "").await?;
    Ok(row)
}

/// A new team of `team_type` created by `creator` (None: the local socket), who becomes
/// its first member and admin, in one transaction. Domain rules for creators apply.
pub async fn create_by(
    caller: &Caller,
    creator: Option<user::Model>,
    name: String,
    display_name: String,
    team_type: String,
) -> Result<team::Model, ApiError> {
    if let Some(creator) = &creator {
        require_creation_allowed(caller, creator).await?;
    }
    let config = caller.state.config();
    let txn = caller.state.begin_write().await?;
    let new = NewTeam {
        name,
        display_name,
        team_type,
        description: String::new(),
        company_name: String::new(),
        allowed_domains: String::new(),
        allow_open_invite: false,
        email: creator
            .as_ref()
            .map(|c| c.email.clone())
            .unwrap_or_default(),
    };
    let created = create(&txn, new).await?;
    if let Some(creator) = &creator {
        join(&txn, &config, &created, creator, true).await?;
    }
    txn.commit().await?;
    Ok(created)
}

/// Adds the accounts `user_ids` to `found` in one transaction: all or nothing, unless
/// `graceful`, which adds those it can (unknown accounts and refused joins left out).
pub async fn add_members(
    caller: &Caller,
    found: &team::Model,
    user_ids: &[String],
    graceful: bool,
) -> Result<Vec<team_member::Model>, ApiError> {
    let db = caller.state.db();
    let mut targets = Vec::with_capacity(user_ids.len());
    for user_id in user_ids {
        match super::users::get(db, user_id).await {
            Ok(target) => targets.push(target),
            Err(_) if graceful => {}
            Err(e) => return Err(e),
        }
    }
    let config = caller.state.config();
    // The rows are written in the order of the account ids, so that concurrent batches of
    // the same accounts in other orders queue instead of deadlocking; the answer keeps the
    // order of the request.
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by(|a, b| targets[*a].id.cmp(&targets[*b].id));
    let mut added = vec![None; targets.len()];
    let txn = caller.state.begin_write().await?;
    for i in order {
        match join(&txn, &config, found, &targets[i], false).await {
            Ok(member) => added[i] = Some(member),
            Err(e) if graceful && e.status.is_client_error() => {}
            Err(e) => return Err(e),
        }
    }
    txn.commit().await?;
    Ok(added.into_iter().flatten().collect())
}

fn name_taken() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::EXISTS,
        "A team with that name already exists.",
    )
}

/// Writes `row` back after validating it; `update_at` moves on.
pub async fn save(caller: &Caller, mut row: team::Model) -> Result<team::Model, ApiError> {
    row.update_at = now_millis();
    validate(&row)?;
    Ok(row
        .into_active_model()
        .reset_all()
        .update(caller.state.db())
        .await?)
}

/// The domains in an allowed-domains setting (`a.com, @b.org c.net`).
fn domains(setting: &str) -> Vec<String> {
    setting
        .split([',', ' '])
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect()
}

/// True when `email` is in one of `setting`'s domains, or the setting names none.
pub fn email_allowed(email: &str, setting: &str) -> bool {
    let allowed = domains(setting);
    let domain = email.rsplit('@').next().unwrap_or_default().to_lowercase();
    allowed.is_empty() || allowed.contains(&domain)
}

/// Mattermost's isTeamEmailAllowed at creation: the creator's address must be within
/// TeamSettings.RestrictCreationToDomains (bots are exempt).
pub async fn require_creation_allowed(
    caller: &Caller,
    creator: &user::Model,
) -> Result<(), ApiError> {
    let setting = caller
        .state
        .config()
        .team_settings
        .restrict_creation_to_domains
        .clone();
    if email_allowed(&creator.email, &setting)
        || super::users::is_bot(caller.state.db(), &creator.id).await?
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::CREATION_DOMAIN,
            "Your email address is not in a domain allowed to create teams.",
        ))
    }
}

/// The active membership of `user_id` in `team_id`.
pub async fn active_member(
    db: &impl ConnectionTrait,
    team_id: &str,
    user_id: &str,
) -> Result<Option<team_member::Model>, ApiError> {
    Ok(member_roles::active_team_member(db, team_id, user_id).await?)
}

pub fn member_missing() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::MEMBER_MISSING,
        "That user is not a member of the team.",
    )
}

/// Members of `team` as Mattermost shows them (`roles` holds explicit and implied roles).
pub async fn members_to_api(
    db: &impl ConnectionTrait,
    team: &team::Model,
    members: &[team_member::Model],
) -> Result<Vec<types::TeamMember>, ApiError> {
    let scheme = member_roles::team_scheme_roles(db, &team.scheme_id).await?;
    Ok(members
        .iter()
        .map(|m| types::TeamMember {
            team_id: Some(m.team_id.clone()),
            user_id: Some(m.user_id.clone()),
            roles: Some(member_roles::team_member_roles(m, &scheme).join(" ")),
            delete_at: Some(m.delete_at),
            scheme_guest: Some(m.scheme_guest),
            scheme_user: Some(m.scheme_user),
            scheme_admin: Some(m.scheme_admin),
            explicit_roles: Some(m.roles.clone()),
        })
        .collect())
}

pub async fn member_to_api(
    db: &impl ConnectionTrait,
    team: &team::Model,
    member: &team_member::Model,
) -> Result<types::TeamMember, ApiError> {
    let mut all = members_to_api(db, team, std::slice::from_ref(member)).await?;
    all.pop()
        .ok_or_else(|| ApiError::internal("member lost in conversion"))
}

/// `memberrole_updated` for every active member of `team`, each to that member (after a
/// change of the team's scheme), read a page at a time.
pub async fn all_members_as_events(
    db: &impl ConnectionTrait,
    team: &team::Model,
) -> Result<Vec<super::events::Event>, ApiError> {
    const PAGE: u64 = 500;
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let page = team_member::Entity::find()
            .filter(team_member::Column::TeamId.eq(team.id.clone()))
            .filter(team_member::Column::DeleteAt.eq(0))
            .filter(team_member::Column::UserId.gt(after.clone()))
            .order_by_asc(team_member::Column::UserId)
            .limit(PAGE)
            .all(db)
            .await?;
        let shown = members_to_api(db, team, &page).await?;
        for m in &shown {
            let user_id = m.user_id.as_deref().unwrap_or_default();
            out.push(super::events::team_member_updated(user_id, m));
        }
        match page.last() {
            Some(last) if page.len() as u64 == PAGE => after.clone_from(&last.user_id),
            _ => return Ok(out),
        }
    }
}

/// How much of a team the caller sees: everything with manage_team there, the invite id
/// too with invite_user, otherwise neither the email nor the invite id.
pub async fn to_api(caller: &Caller, t: &team::Model) -> Result<types::Team, ApiError> {
    let manage = permissions::has_team(caller, &t.id, perm::MANAGE_TEAM).await?;
    let invite = manage || permissions::has_team(caller, &t.id, perm::INVITE_USER).await?;
    Ok(api_view(t, manage, invite))
}

pub async fn to_api_all(
    caller: &Caller,
    teams: &[team::Model],
) -> Result<Vec<types::Team>, ApiError> {
    let mut out = Vec::with_capacity(teams.len());
    for t in teams {
        out.push(to_api(caller, t).await?);
    }
    Ok(out)
}

fn api_view(t: &team::Model, email: bool, invite_id: bool) -> types::Team {
    types::Team {
        id: Some(t.id.clone()),
        create_at: Some(t.create_at),
        update_at: Some(t.update_at),
        delete_at: Some(t.delete_at),
        display_name: Some(t.display_name.clone()),
        name: Some(t.name.clone()),
        description: Some(t.description.clone()),
        email: Some(if email {
            t.email.clone()
        } else {
            String::new()
        }),
        type_: Some(t.team_type.clone()),
        company_name: Some(t.company_name.clone()),
        allowed_domains: Some(t.allowed_domains.clone()),
        invite_id: Some(if invite_id {
            t.invite_id.clone()
        } else {
            String::new()
        }),
        allow_open_invite: Some(t.allow_open_invite),
        last_team_icon_update: (t.last_team_icon_update != 0).then_some(t.last_team_icon_update),
        scheme_id: (!t.scheme_id.is_empty()).then(|| t.scheme_id.clone()),
        group_constrained: Some(t.group_constrained),
        policy_id: None,
        cloud_limits_archived: Some(false),
    }
}

/// Mattermost's JoinUserToTeam: the account becomes an active member (a guest account as
/// a team guest) and joins the default channels (guests do not), unless its email domain is not allowed or the team is full. Joining a
/// team one is already in changes nothing.
pub async fn join(
    db: &impl ConnectionTrait,
    config: &Config,
    t: &team::Model,
    account: &user::Model,
    as_admin: bool,
) -> Result<team_member::Model, ApiError> {
    let guest = super::users::is_guest(account);
    let is_bot = super::users::is_bot(db, &account.id).await?;
    let allowed = is_bot
        || if guest {
            email_allowed(
                &account.email,
                &config.guest_accounts_settings.restrict_creation_to_domains,
            )
        } else {
            email_allowed(&account.email, &t.allowed_domains)
                && email_allowed(
                    &account.email,
                    &config.team_settings.restrict_creation_to_domains,
                )
        };
    if !allowed {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DOMAINS,
            "The user's email address is not in a domain this team allows.",
        ));
    }
    let existing = team_member::Entity::find_by_id((t.id.clone(), account.id.clone()))
        .one(db)
        .await?;
    if let Some(m) = &existing
        && m.delete_at == 0
    {
        return Ok(m.clone());
    }
    let members = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(t.id.clone()))
        .filter(team_member::Column::DeleteAt.eq(0))
        .count(db)
        .await?;
    let max = config.team_settings.max_users_per_team;
    if max > 0 && i64::try_from(members).unwrap_or(i64::MAX) >= max {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::MAX_ACCOUNTS,
            "This team has reached its maximum number of members.",
        ));
    }
    let row = team_member::Model {
        team_id: t.id.clone(),
        user_id: account.id.clone(),
        roles: String::new(),
        delete_at: 0,
        scheme_guest: guest,
        scheme_user: !guest,
        scheme_admin: as_admin && !guest,
        create_at: existing.as_ref().map_or_else(now_millis, |m| m.create_at),
    };
    let active = row.clone().into_active_model();
    if existing.is_some() {
        active.reset_all().update(db).await?;
    } else {
        // Concurrent joins: one insert wins, the others keep the member it made.
        super::membership::changed();
        team_member::Entity::insert(active)
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    team_member::Column::TeamId,
                    team_member::Column::UserId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    super::channels::join_defaults(db, &t.id, account).await?;
    Ok(
        team_member::Entity::find_by_id((t.id.clone(), account.id.clone()))
            .one(db)
            .await?
            .unwrap_or(row),
    )
}

/// Ends `user_id`'s membership of `team_id` and of its channels (400 when not a member).
pub async fn leave(
    db: &impl ConnectionTrait,
    team_id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let Some(member) = active_member(db, team_id, user_id).await? else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::NOT_A_MEMBER,
            "That user is not a member of the team.",
        ));
    };
    let mut row = member.into_active_model();
    row.delete_at = Set(now_millis());
    row.scheme_admin = Set(false);
    super::membership::changed();
    row.update(db).await?;
    super::channels::leave_team_channels(db, team_id, user_id).await
}

/// Sets a member's roles from a role string: `team_guest`, `team_user` and `team_admin`
/// (or the scheme's equivalents) become the scheme flags, the rest stay explicit
/// ([`membership::parse_roles`]).
pub async fn set_member_roles(
    caller: &Caller,
    t: &team::Model,
    member: team_member::Model,
    roles: &str,
) -> Result<team_member::Model, ApiError> {
    let db = caller.state.db();
    let scheme = member_roles::team_scheme_roles(db, &t.scheme_id).await?;
    let ([guest, user, admin], explicit) =
        membership::parse_roles(db, roles, &scheme, || ApiError::invalid_param("roles")).await?;
    if guest && (user || admin) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::GUEST_AND_USER,
            "A member cannot be a guest and a user of a team at once.",
        ));
    }
    if guest != member.scheme_guest {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::GUEST_ROLE,
            "Guest status is changed by promoting or demoting the account, not here.",
        ));
    }
    set_member_flags(caller, member, explicit, user, admin).await
}

/// Writes a member's explicit roles and user/admin flags.
pub async fn set_member_flags(
    caller: &Caller,
    member: team_member::Model,
    explicit: String,
    user: bool,
    admin: bool,
) -> Result<team_member::Model, ApiError> {
    if member.scheme_guest && (user || admin) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::GUEST_AND_USER,
            "A guest member cannot also be a user or admin of the team.",
        ));
    }
    let mut row = member.into_active_model();
    row.roles = Set(explicit);
    row.scheme_user = Set(user);
    row.scheme_admin = Set(admin);
    Ok(row.update(caller.state.db()).await?)
}

/// After a demotion to guest (or a promotion from it), the account's memberships follow:
/// a guest is a team guest only, a promoted guest a plain team user.
pub async fn set_guest_memberships(
    db: &impl ConnectionTrait,
    user_id: &str,
    guest: bool,
) -> Result<(), ApiError> {
    super::membership::changed();
    team_member::Entity::update_many()
        .col_expr(team_member::Column::SchemeGuest, Expr::value(guest))
        .col_expr(team_member::Column::SchemeUser, Expr::value(!guest))
        .col_expr(team_member::Column::SchemeAdmin, Expr::value(false))
        .filter(team_member::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Which teams a listing may include.
#[derive(Clone, Copy)]
pub enum Listing {
    All,
    OpenOnly,
    PrivateOnly,
}

impl Listing {
    /// From list_public_teams and list_private_teams; None when the caller has neither.
    pub async fn for_caller(caller: &Caller) -> Result<Option<Self>, ApiError> {
        let public = permissions::has_system(caller, perm::LIST_PUBLIC_TEAMS).await?;
        let private = permissions::has_system(caller, perm::LIST_PRIVATE_TEAMS).await?;
        Ok(match (public, private) {
            (true, true) => Some(Self::All),
            (true, false) => Some(Self::OpenOnly),
            (false, true) => Some(Self::PrivateOnly),
            (false, false) => None,
        })
    }

    fn condition(self) -> Condition {
        match self {
            Self::All => Condition::all(),
            Self::OpenOnly => Condition::all().add(team::Column::AllowOpenInvite.eq(true)),
            Self::PrivateOnly => Condition::all().add(team::Column::AllowOpenInvite.eq(false)),
        }
    }
}

/// Live teams of `listing` whose name or display name starts with `term` (any when None),
/// by display name, with the total before paging.
pub async fn list(
    caller: &Caller,
    listing: Listing,
    term: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<team::Model>, u64), ApiError> {
    let mut cond = listing.condition().add(team::Column::DeleteAt.eq(0));
    if let Some(term) = term.map(str::trim).filter(|t| !t.is_empty()) {
        let backend = caller.state.db().get_database_backend();
        let columns = [team::Column::Name, team::Column::DisplayName];
        cond = cond.add(prefix::any_starts_with::<team::Entity>(
            backend, &columns, term,
        ));
    }
    let db = caller.state.db();
    let total = team::Entity::find().filter(cond.clone()).count(db).await?;
    let rows = team::Entity::find()
        .filter(cond)
        .order_by_asc(team::Column::DisplayName)
        .order_by_asc(team::Column::Name)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The live teams `user_id` is an active member of, by display name.
pub async fn teams_of(
    db: &impl ConnectionTrait,
    user_id: &str,
) -> Result<Vec<team::Model>, ApiError> {
    let ids: Vec<String> = team_member::Entity::find()
        .filter(team_member::Column::UserId.eq(user_id))
        .filter(team_member::Column::DeleteAt.eq(0))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.team_id)
        .collect();
    Ok(team::Entity::find()
        .filter(team::Column::Id.is_in(ids))
        .filter(team::Column::DeleteAt.eq(0))
        .order_by_asc(team::Column::DisplayName)
        .all(db)
        .await?)
}

/// The ids of everyone who shares a live team with `user_id`.
pub async fn teammates(
    db: &impl ConnectionTrait,
    user_id: &str,
) -> Result<std::collections::HashSet<String>, ApiError> {
    let mine: Vec<String> = teams_of(db, user_id)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if mine.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    Ok(team_member::Entity::find()
        .filter(team_member::Column::DeleteAt.eq(0))
        .filter(team_member::Column::TeamId.is_in(mine))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// Whether two accounts share a live team.
pub async fn share_a_team(db: &impl ConnectionTrait, a: &str, b: &str) -> Result<bool, ApiError> {
    let mine: Vec<String> = teams_of(db, a).await?.into_iter().map(|t| t.id).collect();
    if mine.is_empty() {
        return Ok(false);
    }
    Ok(team_member::Entity::find()
        .filter(team_member::Column::UserId.eq(b))
        .filter(team_member::Column::DeleteAt.eq(0))
        .filter(team_member::Column::TeamId.is_in(mine))
        .count(db)
        .await?
        > 0)
}

/// Removes a team for good with its channels, members, posts, bookmarks and files' infos; answers
/// the files' infos, whose bytes go once the caller's transaction commits.
pub async fn delete_permanently(
    db: &impl ConnectionTrait,
    team_id: &str,
) -> Result<Vec<crate::store::entity::file_info::Model>, ApiError> {
    super::membership::changed();
    use crate::store::entity::{channel, channel_member};
    super::chatbots::forget_team(db, team_id).await?;
    team_member::Entity::delete_many()
        .filter(team_member::Column::TeamId.eq(team_id))
        .exec(db)
        .await?;
    let channel_ids: Vec<String> = channel::Entity::find()
        .select_only()
        .column(channel::Column::Id)
        .filter(channel::Column::TeamId.eq(team_id))
        .into_tuple()
        .all(db)
        .await?;
    channel_member::Entity::delete_many()
        .filter(channel_member::Column::ChannelId.is_in(channel_ids.clone()))
        .exec(db)
        .await?;
    super::posts::delete_in_channels(db, channel_ids.clone()).await?;
    crate::store::entity::channel_bookmark::Entity::delete_many()
        .filter(
            crate::store::entity::channel_bookmark::Column::ChannelId.is_in(channel_ids.clone()),
        )
        .exec(db)
        .await?;
    let files = super::files::forget_where(
        db,
        sea_orm::Condition::all()
            .add(crate::store::entity::file_info::Column::ChannelId.is_in(channel_ids)),
    )
    .await?;
    channel::Entity::delete_many()
        .filter(channel::Column::TeamId.eq(team_id))
        .exec(db)
        .await?;
    team::Entity::delete_by_id(team_id.to_owned())
        .exec(db)
        .await?;
    Ok(files)
}
