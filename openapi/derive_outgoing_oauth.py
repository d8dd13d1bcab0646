"""Contract fixes for the outgoing OAuth connection operations (derive.py calls `fix`).

The 2024 schemas describe a form, not what the server reads and answers: Mattermost reads
and answers one OutgoingOAuthConnection (audiences a list of URLs, the secret and the
password left out of every answer), takes `team_id` only where a list is read (Client4
sends none to DeleteOutgoingOAuthConnection), pages a list by `from_id` and `limit`, and
narrows it to the one connection for an `audience`.
"""

OPS = (
    "ListOutgoingOAuthConnections",
    "CreateOutgoingOAuthConnection",
    "GetOutgoingOAuthConnection",
    "UpdateOutgoingOAuthConnection",
    "DeleteOutgoingOAuthConnection",
    "ValidateOutgoingOAuthConnection",
)

CONNECTION = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "creator_id": {"type": "string"},
        "create_at": {"type": "integer", "format": "int64"},
        "update_at": {"type": "integer", "format": "int64"},
        "name": {"type": "string"},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
        "credentials_username": {"type": "string"},
        "credentials_password": {"type": "string"},
        "oauth_token_url": {"type": "string"},
        "grant_type": {"type": "string"},
        "audiences": {"type": "array", "items": {"type": "string"}},
    },
}


def _json(schema):
    return {"application/json": {"schema": schema}}


def fix(spec, fixes):
    schemas = spec["components"]["schemas"]
    schemas.pop("OutgoingOAuthConnectionGetItem", None)
    schemas.pop("OutgoingOAuthConnectionPostItem", None)
    schemas["OutgoingOAuthConnection"] = CONNECTION

    def one():
        return {"$ref": "#/components/schemas/OutgoingOAuthConnection"}

    fixes.append("OutgoingOAuthConnection: one schema for what the server reads and answers "
                 "(audiences a list), replacing OutgoingOAuthConnectionGetItem/PostItem")
    for item in spec["paths"].values():
        for op in item.values():
            if not isinstance(op, dict) or op.get("operationId") not in OPS:
                continue
            op_id = op["operationId"]
            for p in op.get("parameters", []):
                if p.get("name") == "team_id":
                    p["required"] = False
            if "requestBody" in op:
                op["requestBody"]["content"] = _json(one())
            ok = op["responses"].get("200") or op["responses"].get("201")
            if op_id == "ListOutgoingOAuthConnections":
                ok["content"] = _json({"type": "array", "items": one()})
                op["parameters"] += [
                    {"name": "from_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "audience", "in": "query", "schema": {"type": "string"}},
                ]
            elif op_id in ("DeleteOutgoingOAuthConnection", "ValidateOutgoingOAuthConnection"):
                ok["content"] = _json({"$ref": "#/components/schemas/StatusOK"})
            else:
                ok["content"] = _json(one())
            fixes.append(f"{op_id}: team_id optional; bodies are OutgoingOAuthConnection"
                         + ("; from_id, limit, audience declared"
                            if op_id == "ListOutgoingOAuthConnections" else ""))
