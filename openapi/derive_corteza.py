"""Builds openapi/corteza-system.yaml from Corteza's system API document.

    python3 openapi/derive_corteza.py      (from the repository root; needs PyYAML)

The source is ../shared/reference/corteza-system/system-api.txt (Corteza 2020.9's
docs/system/README.md): per endpoint its method, path and parameter table (name, Go type,
where it is read: PATH, GET (query) or POST (body), required or not). Every endpoint and
parameter is kept. The text gives no answers; their shapes come from WIRE.md next to it
(section 6) and are written below, one reply schema per operation. What had to be decided
is listed in openapi/README.md.
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "../shared/reference/corteza-system/system-api.txt"
TARGET = ROOT / "openapi/corteza-system.yaml"
MOUNT = "/api/system"

# (METHOD, path) -> (operationId, reply). A reply names a component schema (without the
# `Corteza` prefix), "Success" ({"success": {"message": "OK"}}), "Binary" (a file), or
# "Boolean" / "IdList" (a bare `response` of that kind).
OPERATIONS = {
    ("GET", "/actionlog/"): ("CortezaActionlogList", "ActionlogList"),
    ("GET", "/application/"): ("CortezaApplicationList", "ApplicationList"),
    ("POST", "/application/"): ("CortezaApplicationCreate", "Application"),
    ("PUT", "/application/{applicationID}"): ("CortezaApplicationUpdate", "Application"),
    ("GET", "/application/{applicationID}"): ("CortezaApplicationRead", "Application"),
    ("DELETE", "/application/{applicationID}"): ("CortezaApplicationDelete", "Success"),
    ("POST", "/application/{applicationID}/undelete"): ("CortezaApplicationUndelete", "Success"),
    ("POST", "/application/{applicationID}/trigger"): ("CortezaApplicationTriggerScript", "Application"),
    ("GET", "/attachment/{kind}/{attachmentID}"): ("CortezaAttachmentRead", "Attachment"),
    ("DELETE", "/attachment/{kind}/{attachmentID}"): ("CortezaAttachmentDelete", "Success"),
    ("GET", "/attachment/{kind}/{attachmentID}/original/{name}"): ("CortezaAttachmentOriginal", "Binary"),
    ("GET", "/attachment/{kind}/{attachmentID}/preview.{ext}"): ("CortezaAttachmentPreview", "Binary"),
    ("GET", "/auth/"): ("CortezaAuthSettings", "AuthSettings"),
    ("GET", "/auth/check"): ("CortezaAuthCheck", "Auth"),
    ("POST", "/auth/impersonate"): ("CortezaAuthImpersonate", "Auth"),
    ("POST", "/auth/exchange"): ("CortezaAuthExchange", "Auth"),
    ("GET", "/auth/logout"): ("CortezaAuthLogout", "Boolean"),
    ("POST", "/auth/internal/login"): ("CortezaAuthInternalLogin", "Auth"),
    ("POST", "/auth/internal/signup"): ("CortezaAuthInternalSignup", "Auth"),
    ("POST", "/auth/internal/request-password-reset"): ("CortezaAuthInternalRequestPasswordReset", "Boolean"),
    ("POST", "/auth/internal/exchange-password-reset-token"): ("CortezaAuthInternalExchangePasswordResetToken", "PasswordResetToken"),
    ("POST", "/auth/internal/reset-password"): ("CortezaAuthInternalResetPassword", "Auth"),
    ("POST", "/auth/internal/confirm-email"): ("CortezaAuthInternalConfirmEmail", "Auth"),
    ("POST", "/auth/internal/change-password"): ("CortezaAuthInternalChangePassword", "Boolean"),
    ("GET", "/automation/"): ("CortezaAutomationList", "AutomationList"),
    ("GET", "/automation/{bundle}-{type}.{ext}"): ("CortezaAutomationBundle", "Binary"),
    ("POST", "/automation/trigger"): ("CortezaAutomationTriggerScript", "Success"),
    ("GET", "/organisations/"): ("CortezaOrganisationList", "OrganisationArray"),
    ("POST", "/organisations/"): ("CortezaOrganisationCreate", "Organisation"),
    ("PUT", "/organisations/{id}"): ("CortezaOrganisationUpdate", "Organisation"),
    ("DELETE", "/organisations/{id}"): ("CortezaOrganisationDelete", "Success"),
    ("GET", "/organisations/{id}"): ("CortezaOrganisationRead", "Organisation"),
    ("POST", "/organisations/{id}/archive"): ("CortezaOrganisationArchive", "Success"),
    ("GET", "/permissions/"): ("CortezaPermissionsList", "PermissionArray"),
    ("GET", "/permissions/effective"): ("CortezaPermissionsEffective", "EffectivePermissionArray"),
    ("GET", "/permissions/{roleID}/rules"): ("CortezaPermissionsRead", "RuleArray"),
    ("DELETE", "/permissions/{roleID}/rules"): ("CortezaPermissionsDelete", "Success"),
    ("PATCH", "/permissions/{roleID}/rules"): ("CortezaPermissionsUpdate", "Success"),
    ("GET", "/reminder/"): ("CortezaReminderList", "ReminderList"),
    ("POST", "/reminder/"): ("CortezaReminderCreate", "Reminder"),
    ("PUT", "/reminder/{reminderID}"): ("CortezaReminderUpdate", "Reminder"),
    ("GET", "/reminder/{reminderID}"): ("CortezaReminderRead", "Reminder"),
    ("DELETE", "/reminder/{reminderID}"): ("CortezaReminderDelete", "Success"),
    ("PATCH", "/reminder/{reminderID}/dismiss"): ("CortezaReminderDismiss", "Success"),
    ("PATCH", "/reminder/{reminderID}/snooze"): ("CortezaReminderSnooze", "Success"),
    ("GET", "/roles/"): ("CortezaRoleList", "RoleList"),
    ("POST", "/roles/"): ("CortezaRoleCreate", "Role"),
    ("PUT", "/roles/{roleID}"): ("CortezaRoleUpdate", "Role"),
    ("GET", "/roles/{roleID}"): ("CortezaRoleRead", "Role"),
    ("DELETE", "/roles/{roleID}"): ("CortezaRoleDelete", "Success"),
    ("POST", "/roles/{roleID}/archive"): ("CortezaRoleArchive", "Success"),
    ("POST", "/roles/{roleID}/unarchive"): ("CortezaRoleUnarchive", "Success"),
    ("POST", "/roles/{roleID}/undelete"): ("CortezaRoleUndelete", "Success"),
    ("POST", "/roles/{roleID}/move"): ("CortezaRoleMove", "Success"),
    ("POST", "/roles/{roleID}/merge"): ("CortezaRoleMerge", "Success"),
    ("GET", "/roles/{roleID}/members"): ("CortezaRoleMemberList", "IdList"),
    ("POST", "/roles/{roleID}/member/{userID}"): ("CortezaRoleMemberAdd", "Success"),
    ("DELETE", "/roles/{roleID}/member/{userID}"): ("CortezaRoleMemberRemove", "Success"),
    ("POST", "/roles/{roleID}/trigger"): ("CortezaRoleTriggerScript", "Role"),
    ("GET", "/settings/"): ("CortezaSettingsList", "SettingValueArray"),
    ("PATCH", "/settings/"): ("CortezaSettingsUpdate", "Boolean"),
    ("GET", "/settings/{key}"): ("CortezaSettingsGet", "SettingValue"),
    ("POST", "/settings/{key}"): ("CortezaSettingsSet", "SettingValue"),
    ("GET", "/settings/current"): ("CortezaSettingsCurrent", "CurrentSettings"),
    ("GET", "/stats/"): ("CortezaStatsList", "Stats"),
    ("GET", "/subscription/"): ("CortezaSubscriptionCurrent", "Success"),
    ("GET", "/users/"): ("CortezaUserList", "UserList"),
    ("POST", "/users/"): ("CortezaUserCreate", "User"),
    ("PUT", "/users/{userID}"): ("CortezaUserUpdate", "User"),
    ("GET", "/users/{userID}"): ("CortezaUserRead", "User"),
    ("DELETE", "/users/{userID}"): ("CortezaUserDelete", "Success"),
    ("POST", "/users/{userID}/suspend"): ("CortezaUserSuspend", "Success"),
    ("POST", "/users/{userID}/unsuspend"): ("CortezaUserUnsuspend", "Success"),
    ("POST", "/users/{userID}/undelete"): ("CortezaUserUndelete", "Success"),
    ("POST", "/users/{userID}/password"): ("CortezaUserSetPassword", "Success"),
    ("GET", "/users/{userID}/membership"): ("CortezaUserMembershipList", "IdList"),
    ("POST", "/users/{userID}/membership/{roleID}"): ("CortezaUserMembershipAdd", "Success"),
    ("DELETE", "/users/{userID}/membership/{roleID}"): ("CortezaUserMembershipRemove", "Success"),
    ("POST", "/users/{userID}/trigger"): ("CortezaUserTriggerScript", "User"),
}

# The document's groups, as tags (one route trait each).
GROUPS = {
    "actionlog": "corteza_actionlog",
    "application": "corteza_applications",
    "attachment": "corteza_attachments",
    "auth": "corteza_auth",
    "automation": "corteza_automation",
    "organisations": "corteza_organisations",
    "permissions": "corteza_permissions",
    "reminder": "corteza_reminders",
    "roles": "corteza_roles",
    "settings": "corteza_settings",
    "stats": "corteza_stats",
    "subscription": "corteza_subscription",
    "users": "corteza_users",
}

# Operations that need no token (WIRE.md §1 and §8: the public route groups).
PUBLIC_GROUPS = {"attachment", "auth"}
# `/auth/internal/change-password` is public too, though it needs an identity: it answers
# its own message (`invalid user (not authenticated)`), not the private routes'
# `Unauthorized`, so it is not marked x-session-required.


def ref(name):
    return {"$ref": f"#/components/schemas/Corteza{name}"}


def string():
    return {"type": "string"}


def ids():
    return {"type": "array", "items": string()}


def obj(props, required=()):
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    return out


# Go types of the document's parameters, as schemas. Ids (uint64) are strings in JSON,
# paths and queries; times are RFC 3339 strings; raw JSON is any value.
def param_schema(go_type, where):
    if go_type == "uint64":
        return string()
    if go_type in ("uint", "int"):
        return {"type": "integer"}
    if go_type == "bool":
        return {"type": "boolean"}
    if go_type == "[]string":
        return ids()
    if go_type == "*time.Time":
        return string()
    if go_type == "sqlxTypes.JSONText":
        return {}
    if go_type == "types.UserKind":
        return {"type": "string", "enum": ["", "bot"]}
    if go_type == "settings.ValueSet":
        return {"type": "array", "items": ref("SettingInput")}
    if go_type == "permissions.RuleSet":
        return {"type": "array", "items": ref("Rule")}
    if go_type == "*multipart.FileHeader":
        return {"type": "string", "format": "binary"}
    if go_type == "string":
        return string()
    sys.exit(f"unknown Go type {go_type}")


def schemas():
    time = string()
    opt_time = string()
    user = obj(
        {
            "userID": string(),
            "username": string(),
            "email": string(),
            "name": string(),
            "handle": string(),
            "kind": string(),
            "meta": {"nullable": True},
            "organisationID": string(),
            "relatedUserID": string(),
            "user": {"nullable": True},
            "createdAt": time,
            "updatedAt": opt_time,
            "suspendedAt": opt_time,
            "deletedAt": opt_time,
        },
        ["userID", "username", "email", "name", "handle", "kind", "createdAt"],
    )
    role = obj(
        {
            "roleID": string(),
            "name": string(),
            "handle": string(),
            "organisationID": string(),
            "createdAt": time,
            "updatedAt": opt_time,
            "archivedAt": opt_time,
            "deletedAt": opt_time,
            "canGrant": {"type": "boolean"},
            "canUpdateRole": {"type": "boolean"},
            "canDeleteRole": {"type": "boolean"},
        },
        ["roleID", "name", "handle", "createdAt"],
    )
    application = obj(
        {
            "applicationID": string(),
            "name": string(),
            "ownerID": {"type": "integer"},
            "enabled": {"type": "boolean"},
            "unify": {"nullable": True},
            "createdAt": time,
            "updatedAt": opt_time,
            "deletedAt": opt_time,
            "canGrant": {"type": "boolean"},
            "canUpdateApplication": {"type": "boolean"},
            "canDeleteApplication": {"type": "boolean"},
        },
        ["applicationID", "name", "ownerID", "enabled", "createdAt"],
    )
    reminder = obj(
        {
            "reminderID": string(),
            "resource": string(),
            "payload": {"nullable": True},
            "snoozeCount": {"type": "integer"},
            "assignedTo": string(),
            "assignedBy": string(),
            "assignedAt": time,
            "dismissedBy": string(),
            "dismissedAt": {"type": "string", "nullable": True},
            "remindAt": {"type": "string", "nullable": True},
            "createdAt": time,
            "updatedAt": opt_time,
            "deletedAt": opt_time,
        },
        [
            "reminderID",
            "resource",
            "payload",
            "snoozeCount",
            "assignedTo",
            "assignedBy",
            "assignedAt",
            "dismissedBy",
            "dismissedAt",
            "remindAt",
            "createdAt",
        ],
    )
    setting = obj(
        {
            "name": string(),
            "value": {"nullable": True},
            "updatedAt": time,
            "updatedBy": {"type": "integer"},
        },
        ["name", "value", "updatedAt", "updatedBy"],
    )
    event = obj(
        {
            "timestamp": time,
            "requestOrigin": string(),
            "requestID": string(),
            "actorIPAddr": string(),
            "actorID": string(),
            "resource": string(),
            "action": string(),
            "error": string(),
            "severity": {"type": "integer"},
            "description": string(),
            "meta": {"nullable": True},
            "actor": string(),
        },
        [
            "timestamp",
            "requestOrigin",
            "requestID",
            "actorIPAddr",
            "actorID",
            "resource",
            "action",
            "error",
            "severity",
            "description",
            "meta",
        ],
    )
    organisation = obj(
        {
            "organisationID": string(),
            "fqn": string(),
            "name": string(),
            "createdAt": time,
            "updatedAt": opt_time,
            "archivedAt": opt_time,
            "deletedAt": opt_time,
        },
        ["organisationID", "fqn", "name", "createdAt"],
    )
    rule = obj(
        {
            "roleID": string(),
            "resource": string(),
            "operation": string(),
            "access": {"type": "string", "enum": ["allow", "deny", "inherit"]},
        },
        ["resource", "operation", "access"],
    )
    auth_user = obj(
        {
            "userID": string(),
            "name": string(),
            "email": string(),
            "username": string(),
            "handle": string(),
            "roles": {"type": "array", "items": string(), "nullable": True},
        },
        ["userID", "email"],
    )
    provider = obj({"enabled": {"type": "boolean"}, "handle": string(), "label": string()})
    counts = {"type": "integer"}
    daily = {"type": "array", "items": {"type": "integer"}}
    lists = {
        "UserList": "User",
        "RoleList": "Role",
        "ApplicationList": "Application",
        "ReminderList": "Reminder",
        "ActionlogList": "ActionlogEvent",
        "AutomationList": "Script",
    }
    out = {
        "Error": obj({"message": string(), "trace": string()}, ["message"]),
        "User": user,
        "Role": role,
        "Application": application,
        "Reminder": reminder,
        "SettingValue": setting,
        "SettingInput": obj({"name": string(), "value": {"nullable": True}}, ["name"]),
        "ActionlogEvent": event,
        "Organisation": organisation,
        "Rule": rule,
        "Permission": obj({"resource": string(), "operation": string()}, ["resource", "operation"]),
        "EffectivePermission": obj(
            {"resource": string(), "operation": string(), "allow": {"type": "boolean"}},
            ["resource", "operation", "allow"],
        ),
        "Attachment": obj(
            {
                "attachmentID": string(),
                "ownerID": string(),
                "url": string(),
                "previewUrl": string(),
                "name": string(),
                "meta": {"nullable": True},
                "createdAt": time,
                "updatedAt": opt_time,
                "deletedAt": opt_time,
            },
            ["attachmentID", "ownerID", "url", "name", "createdAt"],
        ),
        "Script": obj({}),
        "AuthUser": auth_user,
        "Auth": obj({"jwt": string(), "user": ref("AuthUser")}, ["jwt", "user"]),
        "PasswordResetToken": obj({"token": string(), "user": ref("AuthUser")}, ["token", "user"]),
        "AuthSettings": obj(
            {
                "externalEnabled": {"type": "boolean"},
                "externalProviders": {"type": "array", "items": provider},
                "internalEnabled": {"type": "boolean"},
                "internalPasswordResetEnabled": {"type": "boolean"},
                "internalSignUpEmailConfirmationRequired": {"type": "boolean"},
                "internalSignUpEnabled": {"type": "boolean"},
                "signUpDisabled": string(),
            },
            [
                "externalEnabled",
                "externalProviders",
                "internalEnabled",
                "internalPasswordResetEnabled",
                "internalSignUpEmailConfirmationRequired",
                "internalSignUpEnabled",
            ],
        ),
        "CurrentSettings": obj({"Auth": {"nullable": True}, "ui": {"nullable": True}}),
        "Stats": obj(
            {
                "users": obj({k: (daily if k.startswith("daily") else counts) for k in (
                    "total", "valid", "deleted", "suspended", "dailyCreated", "dailyDeleted",
                    "dailyUpdated", "dailySuspended")}),
                "roles": obj({k: (daily if k.startswith("daily") else counts) for k in (
                    "total", "valid", "deleted", "archived", "dailyCreated", "dailyDeleted",
                    "dailyUpdated", "dailyArchived")}),
                "applications": obj({k: counts for k in ("total", "deleted", "valid")}),
            }
        ),
    }
    for name, item in lists.items():
        out[name] = obj(
            {
                "filter": {"type": "object", "additionalProperties": True},
                "set": {"type": "array", "items": ref(item), "nullable": True},
            },
            ["filter"],
        )
    return out


def reply_schema(reply):
    """The 200 body of an operation: the envelope, with `error` on every one."""
    error = {"error": ref("Error")}
    if reply == "Success":
        return obj({"success": ref("SuccessMessage"), **error})
    if reply == "Boolean":
        return obj({"response": {"type": "boolean"}, **error})
    if reply == "IdList":
        return obj({"response": ids(), **error})
    if reply.endswith("Array"):
        item = ref(reply[: -len("Array")])
        response = {"type": "array", "items": item, "nullable": True}
        if reply in ALWAYS_ANSWERED:
            response["x-ferromost-written-null"] = True
        return obj({"response": response, **error})
    if reply in ALWAYS_ANSWERED:
        response = {"allOf": [ref(reply)], "nullable": True, "x-ferromost-written-null": True}
        return obj({"response": response, **error})
    return obj({"response": ref(reply), **error})


# Replies whose success may be `{"response": null}` (a settings key that is not set, an
# empty settings list): `response` is nullable and marked `x-ferromost-written-null`, so
# the server writes null rather than leaving it out, while clients (which also read error
# answers, without `response`) do not require it.
ALWAYS_ANSWERED = {"SettingValue", "SettingValueArray"}


def parse(text):
    """(METHOD, path, [(name, type, where, required, description)]) per endpoint."""
    lines = [l.rstrip() for l in text.splitlines()]
    out = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(/\S*) HTTP/S (GET|POST|PUT|DELETE|PATCH)\b", lines[i])
        if not m:
            i += 1
            continue
        path, method = m.groups()
        i += 1
        while not lines[i].startswith("Parameter Type Method"):
            i += 1
        i += 1
        params = []
        while i < len(lines) and lines[i].strip():
            t = lines[i].split()
            params.append((t[0], t[1], t[2], t[-1] == "YES", " ".join(t[3:-2])))
            i += 1
        out.append((method, path, params))
    return out


def operation(method, path, params, op_id, reply):
    group = path.strip("/").split("/")[0]
    op = {
        "tags": [GROUPS[group]],
        "summary": op_id,
        "operationId": op_id,
    }
    parameters = []
    body = {}
    required = []
    for name, go_type, where, needed, _ in params:
        schema = param_schema(go_type, where)
        if where == "PATH":
            parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        elif where == "GET":
            parameters.append({"name": name, "in": "query", "required": needed, "schema": schema})
        else:
            body[name] = schema
            if needed:
                required.append(name)
    if parameters:
        op["parameters"] = parameters
    if body:
        multipart = any(s.get("format") == "binary" for s in body.values())
        media = "multipart/form-data" if multipart else "application/json"
        schema = obj(body, required)
        op["requestBody"] = {"required": bool(required), "content": {media: {"schema": schema}}}
    if reply == "Binary":
        content = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    else:
        content = {"application/json": {"schema": ref(f"{reply}Reply")}}
    op["responses"] = {"200": {"description": "OK", "content": content}}
    if reply == "Binary":
        # A file that is not there: an empty 404 (WIRE.md section 2).
        op["responses"]["404"] = {"description": "No such file (an empty body)"}
    if group not in PUBLIC_GROUPS:
        op["x-session-required"] = True
    return op


def main():
    endpoints = parse(SOURCE.read_text())
    seen = set()
    paths = {}
    for method, path, params in endpoints:
        key = (method, path)
        if key not in OPERATIONS:
            sys.exit(f"no operationId for {method} {path}")
        if key in seen:
            sys.exit(f"{method} {path} twice")
        seen.add(key)
        op_id, reply = OPERATIONS[key]
        paths.setdefault(MOUNT + path, {})[method.lower()] = operation(method, path, params, op_id, reply)
    missing = set(OPERATIONS) - seen
    if missing:
        sys.exit(f"not in the document: {sorted(missing)}")
    components = {f"Corteza{name}": schema for name, schema in schemas().items()}
    # One envelope schema per kind of answer, shared by the operations answering it.
    components["CortezaSuccessMessage"] = obj({"message": string()}, ["message"])
    for reply in sorted({r for _, r in OPERATIONS.values() if r != "Binary"}):
        components[f"Corteza{reply}Reply"] = reply_schema(reply)
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "Corteza system API (ferromost contract)", "version": "2020.9"},
        "x-ferromost-dialect": "corteza",
        "tags": [{"name": t} for t in sorted(set(GROUPS.values()))],
        "components": {"schemas": components},
        "paths": paths,
    }
    header = (
        "# Corteza's system API (2020.9) as ferromost serves it, mounted at /api/system.\n"
        "# Generated by openapi/derive_corteza.py from\n"
        "# ../shared/reference/corteza-system/system-api.txt; do not edit by hand.\n"
        "# build.rs generates its routes (CORTEZA_OPERATIONS) and generated/ its SDK\n"
        "# (module `corteza`). See openapi/README.md.\n"
    )
    TARGET.write_text(header + yaml.safe_dump(spec, sort_keys=False, width=100))
    print(f"{TARGET.relative_to(ROOT)}: {len(seen)} operations")


if __name__ == "__main__":
    main()
