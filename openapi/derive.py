#!/usr/bin/env python3
"""Derive openapi/mattermost-v4.yaml from the reference sources in ../shared.

Run from the repository root: python3 openapi/derive.py [REFERENCE_DIR]

What it does, in order (openapi/README.md explains each step):
1. Load the assembled 2024 spec, then swap in the newer users and bots contracts.
2. Drop upstream prose (descriptions, examples, code samples) and write our own
   one-line summaries, keeping every path, method, operationId, parameter, body,
   response code, schema and tag.
3. Apply the listed contract-preserving fixes for the generators.
"""

import json
import re
import sys
from pathlib import Path

import yaml

import derive_outgoing_oauth

ROOT = Path(__file__).resolve().parent.parent
REF = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/reference/mattermost-api-v4"
OUT = ROOT / "openapi/mattermost-v4.yaml"
# What Mattermost's handlers really answer on success (reference/mattermost-server).
STATUS_CODES = REF.parent / "mattermost-server/status-codes.json"

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
PROSE_KEYS = {"description", "example", "examples", "x-codeSamples", "externalDocs", "summary"}
# Keys whose values are maps from user-chosen names, not OpenAPI keywords.
NAME_MAPS = {
    "properties", "schemas", "paths", "responses", "content", "securitySchemes",
    "callbacks", "headers", "encoding", "links", "mapping", "variables", "parameters",
}
REASONS = {
    "200": "OK", "201": "Created", "202": "Accepted", "204": "No Content",
    "206": "Partial Content", "301": "Moved Permanently", "302": "Found", "304": "Not Modified",
    "400": "Bad Request", "401": "Unauthorized", "403": "Forbidden", "404": "Not Found",
    "405": "Method Not Allowed", "409": "Conflict", "413": "Payload Too Large",
    "428": "Precondition Required", "429": "Too Many Requests",
    "500": "Internal Server Error", "501": "Not Implemented", "502": "Bad Gateway",
    "503": "Service Unavailable", "4XX": "Client Error", "5XX": "Server Error",
}
APP_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/AppError"}}}
BINARY = {"type": "string", "format": "binary"}
fixes = []


def load(name):
    with open(REF / name) as f:
        return yaml.safe_load(f)


def strip_prose(node, parent_key=None):
    """Remove prose keywords everywhere except inside maps of user-chosen names."""
    if isinstance(node, dict):
        in_name_map = parent_key in NAME_MAPS
        return {
            k: strip_prose(v, k)
            for k, v in node.items()
            if in_name_map or k not in PROSE_KEYS
        }
    if isinstance(node, list):
        return [strip_prose(v, None) for v in node]
    return node


def describe_responses(node, parent_key=None):
    """OpenAPI 3.0 requires a description on every response object, callbacks' included."""
    if isinstance(node, dict):
        for k, v in node.items():
            if parent_key == "responses" and isinstance(v, dict) and "$ref" not in v:
                v.setdefault("description", REASONS.get(k, "Response"))
            describe_responses(v, k)
    elif isinstance(node, list):
        for v in node:
            describe_responses(v)


def summary_for(op_id):
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+", op_id)
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def swap_contract(spec, old_name, new_name):
    """Replace the path items of one tag file with those of its newer version."""
    old, new = load(old_name), load(new_name)
    paths = {}
    inserted = False
    for path, item in spec["paths"].items():
        if path in old:
            if not inserted:
                paths.update(new)
                inserted = True
            continue
        paths[path] = item
    spec["paths"] = paths
    fixes.append(f"paths of {old_name} replaced by {new_name}")


def real_success_codes(spec):
    """Declare the success codes Mattermost's handlers really write (status-codes.json).

    For every operation the file maps, the declared 2xx/3xx responses become the server's
    status first, then its alternatives (error codes among them are left to the error
    responses). A code keeps its old response where it had one; a new one takes the old
    primary's body, except 204/302/304, which carry none. Downloads served through
    http.ServeContent also declare 206 (a range) and 304 (not modified), with a binary body
    where the contract declared none.
    """
    with open(STATUS_CODES) as f:
        real = {o["operationId"]: o for o in json.load(f)["operations"]}
    for method, path, op in operations(spec):
        entry = real.get(op["operationId"])
        if entry is None:
            continue
        wanted = [entry["server"]] + [c for c in entry.get("server_alternatives", []) if c < 400]
        downloads = "http.ServeContent" in entry.get("note", "")
        if downloads:
            wanted += [206, 304]
        wanted = [str(c) for c in dict.fromkeys(wanted)]
        responses = op["responses"]
        success = [c for c in responses if c[0] in "23"]
        if success == wanted:
            continue
        old = {c: responses[c] for c in success}
        body = next((r["content"] for r in old.values() if "content" in r), None)
        if body is None and downloads:
            body = {"application/octet-stream": {"schema": dict(BINARY)}}
        new = {}
        for code in wanted:
            if code in old:
                new[code] = old[code]
            elif code in ("204", "302", "304") or body is None:
                new[code] = {"description": REASONS[code]}
            else:
                new[code] = {"description": REASONS.get(code, "Response"), "content": body}
        if downloads and "content" not in new["200"]:
            new["200"]["content"] = body
        new.update({c: r for c, r in responses.items() if c[0] not in "23"})
        op["responses"] = new
        if len(wanted) > 1:
            # Which of several success codes the server answers by default (build.rs).
            op["x-success-status"] = int(wanted[0])
        fixes.append(f"{op['operationId']}: success codes {success} -> {wanted}, as the server answers")


def sessions_required(spec):
    """Mark the operations whose Mattermost handler requires a session (its wrapper is one
    of the APISessionRequired family, status-codes.json): the generated glue answers 401
    for them before anything else, as Mattermost's ServeHTTP does."""
    with open(STATUS_CODES) as f:
        wrappers = {o["operationId"]: o.get("wrapper") or [] for o in json.load(f)["operations"]}
    count = 0
    for method, path, op in operations(spec):
        if any(w.startswith("APISessionRequired") for w in wrappers.get(op["operationId"], [])):
            op["x-session-required"] = True
            count += 1
    fixes.append(f"x-session-required on the {count} operations whose handler requires a session")


def declare_standard_errors(spec):
    """Declare the errors every operation of the API really answers (AppError JSON).

    The router and the handlers answer them whatever the operation: 401 (no or an
    invalid session, a token in the query string, a failed CSRF check), 403 (a missing
    permission, or MFA enforcement), 404 (an id that names nothing, in the path or the
    body), 501 (a feature turned off, or not implemented yet); 400 wherever there are
    parameters or a body to get wrong, and 413 wherever there is a body. Mattermost's own
    routes answer the same. The Playbooks plugin's operations keep theirs.
    """
    added = {}
    for method, path, op in operations(spec):
        if path.startswith("/plugins/"):
            continue
        codes = {"401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
                 "501": "NotImplemented"}
        if op.get("parameters") or "requestBody" in op:
            codes["400"] = "BadRequest"
        if "requestBody" in op:
            codes["413"] = "TooLarge"
        responses = op["responses"]
        for code, name in sorted(codes.items()):
            if code not in responses:
                responses[code] = {"$ref": f"#/components/responses/{name}"}
                added[code] = added.get(code, 0) + 1
    for code, count in sorted(added.items()):
        fixes.append(f"{code} declared on {count} operations that answer it")


def main():
    spec = load("mattermost-openapi-v4.yaml")
    swap_contract(spec, "source/users.yaml", "source/users.seed002.yaml")
    swap_contract(spec, "source/bots.yaml", "source/bots.seed000.yaml")
    spec = strip_prose(spec)

    spec["info"] = {
        "title": "Mattermost API v4 (ferromost contract)",
        "version": "4.0.0",
    }
    spec.pop("externalDocs", None)
    spec["tags"] = [{"name": t["name"]} for t in spec["tags"]]
    schemas = spec["components"]["schemas"]

    # Fix: PluginStatus.state is `type: number` with a string enum; the server sends 0..5.
    schemas["PluginStatus"]["properties"]["state"] = {"type": "integer"}
    fixes.append("PluginStatus.state: string enum on a number dropped; type integer")

    # Fix: inline PluginManifest.webapp is identical to the PluginManifestWebapp component
    # and typify would give both the same Rust name.
    schemas["PluginManifest"]["properties"]["webapp"] = {
        "$ref": "#/components/schemas/PluginManifestWebapp"
    }
    fixes.append("PluginManifest.webapp: inline copy replaced by $ref PluginManifestWebapp")

    # Fix: users.seed002.yaml refers to IntuneLoginRequest, which the 2024 definitions lack.
    schemas.setdefault("IntuneLoginRequest", {
        "type": "object",
        "required": ["access_token"],
        "properties": {
            "access_token": {"type": "string"},
            "device_id": {"type": "string"},
        },
    })
    fixes.append("IntuneLoginRequest schema added (referenced by LoginIntune, missing upstream)")

    # Fix: the configuration is Mattermost's whole config.json: about 40 sections of
    # settings, far more than the 2024 schema lists (and some of those under old names and
    # types). Typed after that schema, a client's full config sent back to UpdateConfig
    # would lose every setting it does not list. Both become objects of sections, as on the
    # wire; EnvironmentConfig is {Section: {Setting: true}} for the settings set from the
    # environment.
    for name in ("Config", "EnvironmentConfig"):
        schemas[name] = {"type": "object", "additionalProperties": {"type": "object"}}
        fixes.append(f"{name}: an object of sections, each an object of settings")

    # Fix: a post list always carries its order and posts, empty or not (the server's
    # fields have no omitempty), and clients index them unconditionally
    # (mattermostdriver's users read `pinned["order"]`); optional, generated types leave
    # empty ones out.
    for name, fields in (("PostList", ["order", "posts"]),
                         ("PostListWithSearchMatches", ["order", "posts", "matches"]),
                         ("UserThreads", ["threads"])):
        schemas[name]["required"] = fields
        fixes.append(f"{name}: {', '.join(fields)} required, as the server always sends them")

    # Fix: sidebar categories as the server sends and reads them. A category carries its
    # sort order, sorting, muted and collapsed flags; with its channels, `channel_ids`
    # always (empty or not; clients map over it). GetSidebarCategoriesForTeamForUser
    # answers one object of categories and order (not an array of them), the batch update
    # takes and answers arrays of categories with channels, and removal answers StatusOK.
    flags = {
        "sort_order": {"type": "integer", "format": "int64"},
        "sorting": {"type": "string", "enum": ["", "manual", "alpha", "recent"]},
        "muted": {"type": "boolean"},
        "collapsed": {"type": "boolean"},
    }
    for name in ("SidebarCategory", "SidebarCategoryWithChannels"):
        for field, schema in flags.items():
            schemas[name]["properties"].setdefault(field, schema)
    with_channels = schemas["SidebarCategoryWithChannels"]
    with_channels["properties"]["channel_ids"]["default"] = []
    with_channels["required"] = ["channel_ids"]
    schemas["OrderedSidebarCategories"]["required"] = ["categories", "order"]
    fixes.append("SidebarCategory(WithChannels): sort_order, sorting, muted, collapsed added; "
                 "channel_ids always sent; OrderedSidebarCategories: both fields always sent")

    # Addition: fields of Mattermost's user JSON that the 2024 User schema lacks and that
    # clients read (bots are told apart by is_bot).
    for name, schema in [
        ("position", {"type": "string"}),
        ("is_bot", {"type": "boolean"}),
        ("bot_description", {"type": "string"}),
        ("bot_last_icon_update", {"type": "integer", "format": "int64"}),
    ]:
        schemas["User"]["properties"].setdefault(name, schema)
    fixes.append("User: position, is_bot, bot_description, bot_last_icon_update added")

    # Addition: fields of Mattermost's team and team-member JSON that the 2024 schemas lack
    # and that clients read (guests are told apart by scheme_guest).
    for name, schema in [
        ("company_name", {"type": "string"}),
        ("last_team_icon_update", {"type": "integer", "format": "int64"}),
        ("scheme_id", {"type": "string"}),
        ("group_constrained", {"type": "boolean"}),
        ("cloud_limits_archived", {"type": "boolean"}),
    ]:
        schemas["Team"]["properties"].setdefault(name, schema)
    fixes.append("Team: company_name, last_team_icon_update, scheme_id, group_constrained, "
                 "cloud_limits_archived added")
    schemas["TeamMember"]["properties"].setdefault("scheme_guest", {"type": "boolean"})
    fixes.append("TeamMember: scheme_guest added")

    # Addition: the same for channels and channel members.
    for name, schema in [
        ("scheme_id", {"type": "string"}),
        ("props", {"type": "object"}),
        ("group_constrained", {"type": "boolean"}),
        ("shared", {"type": "boolean"}),
        ("total_msg_count_root", {"type": "integer", "format": "int64"}),
        ("policy_id", {"type": "string"}),
        ("last_root_post_at", {"type": "integer", "format": "int64"}),
    ]:
        schemas["Channel"]["properties"].setdefault(name, schema)
    fixes.append("Channel: scheme_id, props, group_constrained, shared, total_msg_count_root, "
                 "policy_id, last_root_post_at added")
    for name, schema in [
        ("scheme_guest", {"type": "boolean"}),
        ("scheme_user", {"type": "boolean"}),
        ("scheme_admin", {"type": "boolean"}),
        ("explicit_roles", {"type": "string"}),
        ("msg_count_root", {"type": "integer", "format": "int64"}),
        ("mention_count_root", {"type": "integer", "format": "int64"}),
        ("urgent_mention_count", {"type": "integer", "format": "int64"}),
    ]:
        schemas["ChannelMember"]["properties"].setdefault(name, schema)
    fixes.append("ChannelMember: scheme_guest, scheme_user, scheme_admin, explicit_roles, "
                 "msg_count_root, mention_count_root, urgent_mention_count added")

    # Addition: fields of Mattermost's post JSON that the 2024 Post schema lacks and that
    # clients read (pins, thread counts, whether the caller follows the thread).
    for name, schema in [
        ("is_pinned", {"type": "boolean"}),
        ("reply_count", {"type": "integer", "format": "int64"}),
        ("last_reply_at", {"type": "integer", "format": "int64"}),
        ("is_following", {"type": "boolean"}),
        ("hashtags", {"type": "string"}),
    ]:
        schemas["Post"]["properties"].setdefault(name, schema)
    fixes.append("Post: is_pinned, reply_count, last_reply_at, is_following, hashtags added")
    # Addition: what Mattermost's file info JSON carries besides the 2024 schema: the
    # channel, the tiny blurred JPEG clients show first (base64; null for non-images), the
    # shared-channel origin and whether the content was archived.
    for name, schema in [
        ("channel_id", {"type": "string"}),
        ("mini_preview", {"type": "string", "format": "byte", "nullable": True}),
        ("remote_id", {"type": "string", "nullable": True}),
        ("archived", {"type": "boolean"}),
    ]:
        schemas["FileInfo"]["properties"].setdefault(name, schema)
    fixes.append("FileInfo: channel_id, mini_preview, remote_id, archived added")
    # Addition: what Mattermost's incoming webhook JSON carries besides the 2024 schema: its
    # owner and team, the username and icon it posts with, and whether its channel is fixed.
    for name, schema in [
        ("user_id", {"type": "string"}),
        ("team_id", {"type": "string"}),
        ("username", {"type": "string"}),
        ("icon_url", {"type": "string"}),
        ("channel_locked", {"type": "boolean"}),
    ]:
        schemas["IncomingWebhook"]["properties"].setdefault(name, schema)
    fixes.append("IncomingWebhook: user_id, team_id, username, icon_url, channel_locked added")
    # Addition: what Mattermost's outgoing webhook JSON carries besides the 2024 schema: the
    # token sent to the integration and the username and icon its answers post with.
    for name, schema in [
        ("token", {"type": "string"}),
        ("username", {"type": "string"}),
        ("icon_url", {"type": "string"}),
    ]:
        schemas["OutgoingWebhook"]["properties"].setdefault(name, schema)
    fixes.append("OutgoingWebhook: token, username, icon_url added")
    # Addition: what Mattermost's Command JSON carries besides the 2024 schema: the plugin
    # that made it and the autocomplete data of built-in and plugin commands.
    for name, schema in [
        ("plugin_id", {"type": "string"}),
        ("autocomplete_data", {"type": "object"}),
        ("autocomplete_icon_data", {"type": "string"}),
    ]:
        schemas["Command"]["properties"].setdefault(name, schema)
    fixes.append("Command: plugin_id, autocomplete_data, autocomplete_icon_data added")
    # Addition: what Mattermost's OAuthApp JSON carries besides the 2024 schema: its
    # creator, the Mattermost App it belongs to, and (v11) whether it is a public client
    # (no secret; PKCE required).
    for name, schema in [
        ("creator_id", {"type": "string"}),
        ("mattermost_app_id", {"type": "string"}),
        ("is_public", {"type": "boolean"}),
    ]:
        schemas["OAuthApp"]["properties"].setdefault(name, schema)
    fixes.append("OAuthApp: creator_id, mattermost_app_id, is_public added")
    # Fix: a command's answer as Mattermost encodes it (CommandResponse's JSON names are
    # snake_case; the 2024 schema names the Go fields), with everything it carries.
    schemas["CommandResponse"] = {
        "type": "object",
        "properties": {
            "response_type": {"type": "string"},
            "text": {"type": "string"},
            "username": {"type": "string"},
            "channel_id": {"type": "string"},
            "icon_url": {"type": "string"},
            "type": {"type": "string"},
            "props": {"type": "object"},
            "goto_location": {"type": "string"},
            "trigger_id": {"type": "string"},
            "skip_slack_parsing": {"type": "boolean"},
            "attachments": {"type": "array", "items": {"type": "object"}, "nullable": True},
            "extra_responses": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/CommandResponse"},
                "nullable": True,
            },
        },
    }
    fixes.append("CommandResponse: the snake_case names Mattermost sends, and channel_id, type, "
                 "props, trigger_id, skip_slack_parsing, extra_responses added")
    # Fix: a file search's list always carries its order and infos (empty or not), and the
    # paging ids under the names Mattermost sends.
    file_list = schemas["FileInfoList"]
    file_list["required"] = ["order", "file_infos"]
    for name, schema in [
        ("next_file_info_id", {"type": "string"}),
        ("prev_file_info_id", {"type": "string"}),
        ("first_inaccessible_file_time", {"type": "integer", "format": "int64"}),
    ]:
        file_list["properties"].setdefault(name, schema)
    fixes.append("FileInfoList: order and file_infos required; next_file_info_id, "
                 "prev_file_info_id, first_inaccessible_file_time added")
    # Fix: GetPlugins always carries both lists, empty or not (the server makes them
    # empty slices), and the web app and mmctl read them unconditionally.
    for _, _, op in operations(spec):
        if op["operationId"] == "GetPlugins":
            listed = op["responses"]["200"]["content"]["application/json"]["schema"]
            listed["required"] = ["active", "inactive"]
            fixes.append("GetPlugins: active and inactive required, as the server always "
                         "sends them")
    # Fix: a thread's participants are users (Mattermost sends user objects), not posts;
    # and the thread and thread-list counts clients read are declared.
    thread = schemas["UserThread"]["properties"]
    if thread.get("participants", {}).get("items", {}).get("$ref", "").endswith("/Post"):
        thread["participants"] = {"type": "array",
                                  "items": {"$ref": "#/components/schemas/User"}}
        fixes.append("UserThread.participants: items are User")
    for name, schema in [
        ("unread_replies", {"type": "integer", "format": "int64"}),
        ("unread_mentions", {"type": "integer", "format": "int64"}),
        ("is_urgent", {"type": "boolean"}),
        ("deleted", {"type": "boolean"}),
    ]:
        thread.setdefault(name, schema)
    for name in ["total_unread_threads", "total_unread_mentions",
                 "total_unread_urgent_mentions"]:
        schemas["UserThreads"]["properties"].setdefault(
            name, {"type": "integer", "format": "int64"})
    fixes.append("UserThread: unread_replies, unread_mentions, is_urgent, deleted added; "
                 "UserThreads: the unread totals added")

    # Fix: the thread operations and GetUpload answer JSON (a thread, the per-channel
    # mention counts, a status, an upload) but declare a bodyless 200, so generated clients
    # would drop it.
    thread_bodies = {
        "GetUpload": {"$ref": "#/components/schemas/UploadSession"},
        "GetUserThread": {"$ref": "#/components/schemas/UserThread"},
        "UpdateThreadReadForUser": {"$ref": "#/components/schemas/UserThread"},
        "SetThreadUnreadByPostId": {"$ref": "#/components/schemas/UserThread"},
        "GetThreadMentionCountsByChannel": {
            "type": "object",
            "additionalProperties": {"type": "integer", "format": "int64"},
        },
        "UpdateThreadsReadForUser": {"$ref": "#/components/schemas/StatusOK"},
        "StartFollowingThread": {"$ref": "#/components/schemas/StatusOK"},
        "StopFollowingThread": {"$ref": "#/components/schemas/StatusOK"},
    }

    for method, path, op in operations(spec):
        op_id = op["operationId"]
        success = next((c for c in op["responses"] if c.startswith("2")), "200")
        if op_id in thread_bodies and "content" not in op["responses"].get(success, {}):
            op["responses"].setdefault(success, {})["content"] = {
                "application/json": {"schema": thread_bodies[op_id]}}
            fixes.append(f"{op_id}: 200 declared as the JSON it answers")
        # Fix: CreateTermsOfService declares no body, but the server reads {"text": ...}.
        if op_id == "CreateTermsOfService" and "requestBody" not in op:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string"}},
                }}},
            }
            fixes.append(f"{op_id}: the {{text}} request body the server reads declared")
        # Fix: `accepted` is a boolean on the wire (Client4 sends true/false), not a string.
        if op_id == "RegisterTermsOfServiceAction":
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            if schema["properties"].get("accepted", {}).get("type") == "string":
                schema["properties"]["accepted"] = {"type": "boolean"}
                fixes.append(f"{op_id}: accepted typed boolean, as clients send it")
        # Fix: the server joins by an email invitation `token` or by a team's `invite_id`
        # (Client4 sends both, one empty); a required token would refuse invite-id joins.
        if op_id == "AddTeamMemberFromInvite":
            params = op.setdefault("parameters", [])
            for p in params:
                if p.get("name") == "token":
                    p["required"] = False
            if not any(p.get("name") == "invite_id" for p in params):
                params.append({"name": "invite_id", "in": "query", "required": False,
                               "schema": {"type": "string"}})
                fixes.append(f"{op_id}: token optional, invite_id query parameter declared")
        # Fix: a post's props are an object on the wire, not a string; clients also send
        # the pending_post_id they match the answer by.
        if op_id in ("UpdatePost", "PatchPost"):
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            if schema["properties"].get("props", {}).get("type") == "string":
                schema["properties"]["props"] = {"type": "object"}
                fixes.append(f"{op_id}: props typed object, as clients send it")
        if op_id == "CreatePost":
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            if "pending_post_id" not in schema["properties"]:
                schema["properties"]["pending_post_id"] = {"type": "string"}
                fixes.append(f"{op_id}: pending_post_id declared")
        # Fix: the answer maps each channel id to its members; upstream wrote the
        # placeholder "<CHANNEL_ID>" as if it were a property name.
        if op_id == "GetUsersByGroupChannelIds":
            schema = op["responses"]["200"]["content"]["application/json"]["schema"]
            if "<CHANNEL_ID>" in schema.get("properties", {}):
                schema.pop("properties")
                schema["additionalProperties"] = {
                    "type": "array", "items": {"$ref": "#/components/schemas/User"}}
                fixes.append(f"{op_id}: the channel-id placeholder property made a map")
        # Fix: the flagged posts come back as one post list (Client4 reads a PostList),
        # not an array of them.
        if op_id == "GetFlaggedPostsForUser":
            content = op["responses"]["200"]["content"]["application/json"]
            if content["schema"].get("type") == "array":
                content["schema"] = {"$ref": "#/components/schemas/PostList"}
                fixes.append(f"{op_id}: 200 body is one PostList")
        # Fix: without `format` Mattermost answers 501 (only the old format exists), with
        # another value 400; a required parameter would answer 400 for both.
        if op_id in ("GetClientConfig", "GetClientLicense"):
            # Fix: both answer a JSON object of strings, which clients read at start-up;
            # a 200 without content makes generated clients drop it.
            ok = op["responses"]["200"]
            if "content" not in ok:
                ok["content"] = {"application/json": {"schema": {
                    "type": "object", "additionalProperties": {"type": "string"}}}}
                fixes.append(f"{op_id}: 200 declared as the object of strings it answers")
            for p in op.get("parameters", []):
                if p.get("name") == "format" and p.get("required"):
                    p["required"] = False
                    fixes.append(f"{op_id}: format optional (missing: 501, as the server answers)")
        # Fix: the sidebar category operations' bodies (see the schema fix above).
        category = {"$ref": "#/components/schemas/SidebarCategoryWithChannels"}
        sidebar = {
            "GetSidebarCategoriesForTeamForUser": (None, {"$ref": "#/components/schemas/OrderedSidebarCategories"}),
            "CreateSidebarCategoryForTeamForUser": (category, category),
            "UpdateSidebarCategoriesForTeamForUser": ({"type": "array", "items": category},
                                                      {"type": "array", "items": category}),
            "GetSidebarCategoryForTeamForUser": (None, category),
            "UpdateSidebarCategoryForTeamForUser": (category, category),
            "RemoveSidebarCategoryForTeamForUser": (None, {"$ref": "#/components/schemas/StatusOK"}),
        }
        if op_id in sidebar:
            request, answer = sidebar[op_id]
            if request is not None:
                op["requestBody"]["content"]["application/json"]["schema"] = request
            op["responses"]["200"]["content"]["application/json"]["schema"] = answer
            fixes.append(f"{op_id}: bodies as the server reads and answers them")
        # Fix: the system operations' bodies as the server reads and answers them.
        strings = {"type": "object", "additionalProperties": {"type": "string"}}
        json_body = lambda schema: {"application/json": {"schema": schema}}  # noqa: E731
        status_ok = {"$ref": "#/components/schemas/StatusOK"}
        if op_id == "GetRedirectLocation":
            # It answers JSON {"location": ...}, not an image.
            op["responses"]["200"]["content"] = json_body(
                {"type": "object", "properties": {"location": {"type": "string"}}})
            fixes.append(f"{op_id}: 200 is JSON, as the server answers")
        if op_id == "GetImageByUrl" and not op.get("parameters"):
            op["parameters"] = [{"name": "url", "in": "query", "required": True,
                                 "schema": {"type": "string"}}]
            fixes.append(f"{op_id}: the url query parameter it reads declared")
        if op_id == "AcknowledgeNotification":
            # The mobile app's receipt: what it acknowledges; the answer is StatusOK, or
            # the notification's message when the app asks for it (is_id_loaded).
            op["requestBody"] = {"required": True, "content": json_body({
                "type": "object",
                "properties": {
                    "id": {"type": "string"}, "platform": {"type": "string"},
                    "type": {"type": "string"}, "post_id": {"type": "string"},
                    "is_id_loaded": {"type": "boolean"},
                    "received_at": {"type": "integer", "format": "int64"},
                }})}
            op["responses"]["200"]["content"] = json_body({"type": "object"})
            fixes.append(f"{op_id}: the acknowledgement body declared; 200 StatusOK or a message")
        if op_id == "GetAnalyticsOld" and "content" not in op["responses"]["200"]:
            op["responses"]["200"]["content"] = json_body({"type": "array", "items": {
                "type": "object", "properties": {
                    "name": {"type": "string"}, "value": {"type": "integer", "format": "int64"}}}})
            fixes.append(f"{op_id}: 200 declared as the rows it answers")
        if op_id == "PostLog":
            op["responses"]["200"]["content"] = json_body(strings)
            fixes.append(f"{op_id}: 200 an object of strings")
        if op_id == "GetPrevTrialLicense" and "content" not in op["responses"]["200"]:
            op["responses"]["200"]["content"] = json_body(strings)
            fixes.append(f"{op_id}: 200 declared as the licence fields it answers")
        if op_id in ("RemoveLicenseFile", "RequestTrialLicense") and "content" not in op["responses"]["200"]:
            op["responses"]["200"]["content"] = json_body(status_ok)
            fixes.append(f"{op_id}: 200 declared as the StatusOK it answers")
        # Fix: a busy server (SetServerBusy) refuses searches with 503, as Mattermost does.
        if op_id == "SearchPosts" and "503" not in op["responses"]:
            op["responses"]["503"] = {"description": "Service Unavailable", "content": APP_ERROR}
            fixes.append(f"{op_id}: 503 declared (a busy server refuses searches)")
        # Fix: clients ask for their teams' unread counts without `exclude_team`.
        if op_id == "GetTeamsUnreadForUser":
            for p in op.get("parameters", []):
                if p.get("name") == "exclude_team" and p.get("required"):
                    p["required"] = False
                    fixes.append(f"{op_id}: exclude_team optional")
        # Fix: `allow_open_invite` is a boolean on the wire (a Team's own field), not a string.
        if op_id == "UpdateTeam":
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            if schema["properties"].get("allow_open_invite", {}).get("type") == "string":
                schema["properties"]["allow_open_invite"] = {"type": "boolean"}
                fixes.append(f"{op_id}: allow_open_invite typed boolean, as clients send it")
        op["summary"] = summary_for(op_id)
        # Generator hint: the upload is handed to its handler unread (multipart, or the
        # raw file with `channel_id` and `filename` in the query, as Mattermost takes both).
        # Fix: a public link without `h` is answered as one with a wrong hash (400
        # api.file.get_file.public_invalid.app_error), so the parameter is optional.
        if op_id == "GetFilePublic":
            for p in op.get("parameters", []):
                if p.get("name") == "h" and p.get("required"):
                    p["required"] = False
                    fixes.append(f"{op_id}: h optional (a missing hash is an invalid link)")
        # Fix: the brand image is a PNG, answered to anyone (a bad token is ignored, as
        # Mattermost's APIHandlerTrustRequester does), not a JSON string.
        if op_id == "GetBrandImage":
            op["responses"]["200"]["content"] = {"image/png": {"schema": dict(BINARY)}}
            op["x-trust-requester"] = True
            fixes.append(f"{op_id}: 200 declared as image/png binary; x-trust-requester")
        # Fix: SearchFiles reads a JSON body (as SearchPosts does), not a form; only
        # `terms` is required.
        if op_id == "SearchFiles":
            form = op["requestBody"]["content"].pop("multipart/form-data", None)
            if form is not None:
                schema = form["schema"]
                schema["required"] = ["terms"]
                op["requestBody"]["content"]["application/json"] = {"schema": schema}
                fixes.append(f"{op_id}: the body is JSON, terms required")
        # Fix: the emoji operations' bodies as the server reads and answers them: lists
        # are arrays of Emoji (GetEmojisByNames' too, not of User), DeleteEmoji answers
        # StatusOK, and `prefix_only` is a boolean (Mattermost's EmojiSearch).
        emoji = {"$ref": "#/components/schemas/Emoji"}
        if op_id in ("GetEmojiList", "AutocompleteEmoji", "GetEmojisByNames"):
            op["responses"]["200"]["content"] = json_body({"type": "array", "items": emoji})
            fixes.append(f"{op_id}: 200 an array of Emoji")
        if op_id == "DeleteEmoji":
            op["responses"]["200"]["content"] = json_body(status_ok)
            fixes.append(f"{op_id}: 200 declared as the StatusOK it answers")
        if op_id == "SearchEmoji":
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            schema["properties"]["prefix_only"] = {"type": "boolean"}
            fixes.append(f"{op_id}: prefix_only typed boolean, as the server reads it")
        # Fix: a bookmark's new place and `bookmarks_since` are integers (the server decodes
        # an int64; a fraction is refused).
        int64 = {"type": "integer", "format": "int64"}
        if op_id == "UpdateChannelBookmarkSortOrder":
            op["requestBody"]["content"]["application/json"]["schema"] = dict(int64)
            fixes.append(f"{op_id}: the body typed integer (int64), as the server reads it")
        if op_id == "ListChannelBookmarksForChannel":
            for p in op.get("parameters", []):
                if p.get("name") == "bookmarks_since":
                    p["schema"] = dict(int64)
                    fixes.append(f"{op_id}: bookmarks_since typed integer (int64)")
        # Fix: the incoming webhook bodies as the server reads them (its IncomingWebhook):
        # `channel_locked` is read on both; an update may leave out what it does not change.
        if op_id in ("CreateIncomingWebhook", "UpdateIncomingWebhook"):
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            schema["properties"].setdefault("channel_locked", {"type": "boolean"})
            if op_id == "UpdateIncomingWebhook":
                schema["properties"].setdefault("team_id", {"type": "string"})
                schema["required"] = [r for r in schema.get("required", []) if r in ("id", "channel_id")]
            fixes.append(f"{op_id}: channel_locked declared" + ("; only id and channel_id required" if op_id == "UpdateIncomingWebhook" else ""))
        # Fix: the outgoing webhook bodies as the server reads them (its OutgoingWebhook):
        # a hook scoped to a channel needs no trigger words and a name is optional; an
        # update carries the whole hook, of which only the id is required.
        if op_id in ("CreateOutgoingWebhook", "UpdateOutgoingWebhook"):
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            props = schema["properties"]
            for name, extra in [
                ("team_id", {"type": "string"}),
                ("trigger_words", {"type": "array", "items": {"type": "string"}}),
                ("trigger_when", {"type": "integer"}),
                ("callback_urls", {"type": "array", "items": {"type": "string"}}),
                ("content_type", {"type": "string"}),
                ("username", {"type": "string"}),
                ("icon_url", {"type": "string"}),
            ]:
                props.setdefault(name, extra)
            keep = ("team_id", "callback_urls") if op_id == "CreateOutgoingWebhook" else ("id",)
            schema["required"] = [r for r in schema.get("required", []) if r in keep]
            fixes.append(f"{op_id}: the hook's fields declared; only {', '.join(keep)} required")
        # Fix: regenerating a token answers the hook with its new token (Client4 reads it),
        # not StatusOK.
        if op_id == "RegenOutgoingHookToken":
            op["responses"]["200"]["content"] = json_body({"$ref": "#/components/schemas/OutgoingWebhook"})
            fixes.append(f"{op_id}: 200 declared as the OutgoingWebhook it answers")
        # Fix: an ephemeral post may carry a thread and props (attachments), as Mattermost
        # reads its whole post.
        if op_id == "CreatePostEphemeral":
            post = op["requestBody"]["content"]["application/json"]["schema"]["properties"]["post"]
            post["properties"].setdefault("root_id", {"type": "string"})
            post["properties"].setdefault("props", {"type": "object"})
            fixes.append(f"{op_id}: the post's root_id and props declared")
        # Fix: the command bodies as the server reads them (its Command and CommandArgs):
        # every field of a command; nothing required by the decoder (missing fields are
        # refused by the command's own checks, with their ids).
        if op_id == "CreateCommand":
            op["requestBody"]["content"]["application/json"]["schema"] = {
                "$ref": "#/components/schemas/Command"
            }
            fixes.append(f"{op_id}: the body declared as the whole Command the server reads")
        # Fix: the OAuth app bodies as the server reads them (its whole OAuthApp): nothing
        # required by the decoder (missing fields are refused by the app's own checks,
        # model.oauth.is_valid.*).
        if op_id in ("CreateOAuthApp", "UpdateOAuthApp"):
            op["requestBody"]["content"]["application/json"]["schema"] = {
                "$ref": "#/components/schemas/OAuthApp"
            }
            fixes.append(f"{op_id}: the body declared as the whole OAuthApp the server reads")
        if op_id == "ExecuteCommand":
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            for name in ("team_id", "root_id", "parent_id"):
                schema["properties"].setdefault(name, {"type": "string"})
            schema.pop("required", None)
            fixes.append(f"{op_id}: team_id, root_id, parent_id declared; nothing required")
        # Fix: interactive messages and dialogs as the server reads and answers them: a
        # pressed action may send the selected option and the cookie of an ephemeral post,
        # and is answered with the trigger id; a dialog is forwarded to the client whole (an
        # object of whatever the integration sends); a submission is answered with the
        # integration's errors.
        if op_id == "DoPostAction":
            op["requestBody"] = {
                "required": False,
                "content": json_body({
                    "type": "object",
                    "properties": {
                        "selected_option": {"type": "string"},
                        "cookie": {"type": "string"},
                    },
                }),
            }
            op["responses"]["200"]["content"] = json_body({
                "type": "object",
                "properties": {"status": {"type": "string"}, "trigger_id": {"type": "string"}},
            })
            fixes.append(f"{op_id}: the optional body (selected_option, cookie) declared; 200 "
                         "declared as {status, trigger_id}")
        if op_id == "OpenInteractiveDialog":
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            schema["properties"]["dialog"] = {"type": "object"}
            schema.pop("required", None)
            fixes.append(f"{op_id}: the dialog declared as a free object; nothing required")
        if op_id == "SubmitInteractiveDialog":
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            schema.pop("required", None)
            op["responses"]["200"]["content"] = json_body({
                "type": "object",
                "properties": {
                    "error": {"type": "string"},
                    "errors": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            })
            fixes.append(f"{op_id}: nothing required; 200 declared as the integration's "
                         "{error, errors}")
        if op_id in ("UploadFile", "UploadData"):
            op["x-body-stream"] = True
            fixes.append(f"{op_id}: x-body-stream (multipart or raw body, read as it arrives)")
        op.pop("body", None)
        # Fix: path parameters used in the path but never declared.
        declared = {p.get("name") for p in op.get("parameters", []) if p.get("in") == "path"}
        for name in re.findall(r"{(\w+)}", path):
            if name not in declared:
                op.setdefault("parameters", []).append(
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                )
                fixes.append(f"{op_id}: path parameter {name} declared")
        responses = op["responses"]
        # Fix: a `default` response is read as success and error at once.
        if "default" in responses:
            body = responses.pop("default")
            responses["4XX"] = dict(body)
            responses["5XX"] = dict(body)
            fixes.append(f"{op_id}: default response split into 4XX and 5XX")
        errors_with_body = any(
            code[0] in "45" and isinstance(r, dict) and ("content" in r or "$ref" in r)
            for code, r in responses.items()
        )
        for code, r in responses.items():
            if "$ref" in r:
                continue
            r["description"] = REASONS.get(code, "Response")
            # Fix: bodyless error responses beside AppError ones.
            if code[0] in "45" and "content" not in r and errors_with_body:
                r["content"] = APP_ERROR
                fixes.append(f"{op_id}: {code} given the AppError body the server sends")
            # Fix: image and file downloads that declare a 200 with no content.
            if code == "200" and "content" not in r and method == "get" and re.search(
                r"image|icon|download|/svg|/export", path
            ):
                kind = "image/*" if re.search(r"image|icon|svg", path) else "application/octet-stream"
                r["content"] = {kind: {"schema": dict(BINARY)}}
                fixes.append(f"{op_id}: 200 declared as {kind} binary")
        if "requestBody" in op:
            op["requestBody"].setdefault("content", {})
    derive_outgoing_oauth.fix(spec, fixes)
    real_success_codes(spec)
    sessions_required(spec)
    declare_standard_errors(spec)
    for name, r in spec["components"]["responses"].items():
        r["description"] = REASONS.get(name, name)
    describe_responses(spec["paths"])

    count = sum(1 for _ in operations(spec))
    header = (
        "# The Mattermost API v4 contract as ferromost implements it.\n"
        "# Generated by openapi/derive.py from the reference sources; see openapi/README.md.\n"
        f"# {len(spec['paths'])} paths, {count} operations.\n"
    )
    with open(OUT, "w") as f:
        f.write(header)
        yaml.safe_dump(spec, f, sort_keys=False, width=100, allow_unicode=True)
    with open(ROOT / "openapi/FIXES.txt", "w") as f:
        f.write("\n".join(fixes) + "\n")
    print(f"{OUT.name}: {len(spec['paths'])} paths, {count} operations, {len(fixes)} fixes")


if __name__ == "__main__":
    main()
