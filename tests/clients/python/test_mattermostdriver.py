"""mattermostdriver 7.3.2 against ferromost: each step is a driver call, and each asserts
what the driver got back."""

import http.server
import json
import struct
import threading
import time
import urllib.parse
import zlib

import pytest
import requests
from mattermostdriver import Driver
from mattermostdriver.exceptions import MethodNotAllowed, NoAccessTokenProvided, NotEnoughPermissions, ResourceNotFound

from conftest import PASSWORD, options, unique


def test_login_answers_200_with_the_token_header_and_cookies(base_url, admin):
    response = requests.post(
        f"{base_url}/api/v4/users/login", json={"login_id": "admin", "password": PASSWORD}
    )
    # The drivers read the token only from exactly this.
    assert response.status_code == 200
    assert response.headers["Token"]
    assert {"MMAUTHTOKEN", "MMUSERID", "MMCSRF"} <= set(response.cookies.keys())
    assert response.json()["username"] == "admin"
    assert admin.client.token
    assert admin.users.get_user("me")["username"] == "admin"


def test_a_cookie_session_needs_the_csrf_token_to_write(base_url, person):
    name = person.client.username
    web = requests.Session()
    login = web.post(f"{base_url}/api/v4/users/login", json={"login_id": name, "password": PASSWORD})
    assert login.status_code == 200
    assert web.get(f"{base_url}/api/v4/users/me").json()["username"] == name
    patch = {"nickname": "browser"}
    refused = web.put(f"{base_url}/api/v4/users/me/patch", json=patch)
    assert refused.status_code == 401
    assert refused.json()["id"] == "api.context.session_expired.app_error"
    allowed = web.put(
        f"{base_url}/api/v4/users/me/patch",
        json=patch,
        headers={"X-CSRF-Token": web.cookies["MMCSRF"]},
    )
    assert allowed.status_code == 200
    assert allowed.json()["nickname"] == "browser"


def test_me_and_patching_me(person):
    me = person.users.get_user("me")
    assert me["id"] == person.client.userid
    assert "password" not in me
    patched = person.users.patch_user("me", options={"first_name": "Ada", "position": "Engineer"})
    assert patched["first_name"] == "Ada"
    assert patched["position"] == "Engineer"
    assert person.users.get_user(me["id"])["first_name"] == "Ada"


def test_unknown_users_are_not_found(base_url, person):
    with pytest.raises(ResourceNotFound):
        person.users.get_user("a" * 26)
    raw = requests.get(
        f"{base_url}/api/v4/users/{'a' * 26}",
        headers={"Authorization": f"Bearer {person.client.token}"},
    )
    assert raw.status_code == 404
    assert raw.json()["id"] == "app.user.missing_account.const"


def test_teams_and_channels(person, team, channel):
    mine = person.teams.get_user_teams("me")
    assert team["id"] in [t["id"] for t in mine]
    assert person.teams.get_team_by_name(team["name"])["id"] == team["id"]
    channels = person.channels.get_channels_for_user("me", team["id"])
    names = {c["name"] for c in channels}
    assert {"town-square", "off-topic", channel["name"]} <= names
    found = person.channels.get_channel_by_name(team["id"], channel["name"])
    assert found["id"] == channel["id"]
    made = person.channels.create_channel(
        options={"team_id": team["id"], "name": unique("own"), "display_name": "Own", "type": "P"}
    )
    assert made["type"] == "P"
    member = person.channels.get_channel_member(made["id"], "me")
    assert "channel_admin" in member["roles"].split()


def test_posts_replies_threads_edits_and_deletion(person, channel):
    root = person.posts.create_post(options={"channel_id": channel["id"], "message": "hello"})
    assert root["message"] == "hello"
    assert root["user_id"] == person.client.userid
    reply = person.posts.create_post(
        options={"channel_id": channel["id"], "message": "a reply", "root_id": root["id"]}
    )
    thread = person.posts.get_thread(root["id"])
    assert set(thread["order"]) == {root["id"], reply["id"]}
    edited = person.posts.patch_post(root["id"], options={"message": "hello, edited"})
    assert edited["message"] == "hello, edited"
    assert edited["edit_at"] > 0
    listed = person.posts.get_posts_for_channel(channel["id"])
    assert listed["posts"][root["id"]]["message"] == "hello, edited"
    assert listed["posts"][root["id"]]["reply_count"] == 1
    person.posts.delete_post(reply["id"])
    with pytest.raises(ResourceNotFound):
        person.posts.get_post(reply["id"])


def test_reactions_and_pins(person, channel):
    post = person.posts.create_post(options={"channel_id": channel["id"], "message": "react"})
    reaction = person.reactions.create_reaction(
        options={"user_id": person.client.userid, "post_id": post["id"], "emoji_name": "smile"}
    )
    assert reaction["emoji_name"] == "smile"
    assert [r["emoji_name"] for r in person.reactions.get_reactions_of_post(post["id"])] == ["smile"]
    person.reactions.delete_reaction(person.client.userid, post["id"], "smile")
    assert not person.reactions.get_reactions_of_post(post["id"])
    person.posts.pin_post_to_channel(post["id"])
    pinned = person.channels.get_channel_pinned_posts(channel["id"])
    assert post["id"] in pinned["order"]
    person.posts.unpin_post_to_channel(post["id"])
    assert post["id"] not in person.channels.get_channel_pinned_posts(channel["id"])["order"]


def png(width, height):
    """A solid red PNG of the given size."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xff\x00\x00" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def test_custom_emoji_made_used_as_a_reaction_and_deleted(person, channel):
    name = unique("ferris").replace("-", "_")
    emoji = person.emoji.create_custom_emoji(name, files={"image": ("ferris.png", png(200, 100))})
    assert (emoji["name"], emoji["creator_id"]) == (name, person.client.userid)
    assert person.emoji.get_custom_emoji_by_name(name)["id"] == emoji["id"]
    image = person.emoji.get_custom_emoji_image(emoji["id"])
    assert image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert [e["id"] for e in person.emoji.search_custom_emoji(options={"term": name})] == [emoji["id"]]
    found = person.emoji.autocomplete_custom_emoji(params={"name": name[:6]})
    assert emoji["id"] in [e["id"] for e in found]
    assert emoji["id"] in [e["id"] for e in person.emoji.get_emoji_list(params={"sort": "name"})]
    post = person.posts.create_post(options={"channel_id": channel["id"], "message": "custom"})
    person.reactions.create_reaction(
        options={"user_id": person.client.userid, "post_id": post["id"], "emoji_name": name}
    )
    assert [r["emoji_name"] for r in person.reactions.get_reactions_of_post(post["id"])] == [name]
    with pytest.raises(ResourceNotFound):
        person.reactions.create_reaction(
            options={"user_id": person.client.userid, "post_id": post["id"], "emoji_name": "no_such_one"}
        )
    assert person.emoji.delete_custom_emoji(emoji["id"]) == {"status": "OK"}
    with pytest.raises(ResourceNotFound):
        person.emoji.get_custom_emoji(emoji["id"])
    assert not person.reactions.get_reactions_of_post(post["id"])


def test_an_incoming_webhook_posts_into_its_channel(admin, channel):
    hook = admin.webhooks.create_incoming_hook(
        options={"channel_id": channel["id"], "display_name": "CI", "description": "builds"}
    )
    assert (hook["channel_id"], hook["user_id"]) == (channel["id"], admin.client.userid)
    assert hook["id"] in [h["id"] for h in admin.webhooks.list_incoming_hooks(params={"team_id": channel["team_id"]})]
    called = admin.webhooks.call_webhook(hook["id"], options={"text": "deployed <https://ci.example.com/7|build 7>"})
    assert (called.status_code, called.text) == (200, "ok")
    posts = admin.posts.get_posts_for_channel(channel["id"])
    newest = posts["posts"][posts["order"][0]]
    assert newest["message"] == "deployed [build 7](https://ci.example.com/7)"
    assert newest["props"]["from_webhook"] == "true"
    assert newest["user_id"] == admin.client.userid
    renamed = admin.webhooks.update_incoming_hook(
        hook["id"], options={"id": hook["id"], "channel_id": channel["id"], "display_name": "Deploys"}
    )
    assert renamed["display_name"] == "Deploys"
    assert admin.webhooks.get_incoming_hook(hook["id"])["display_name"] == "Deploys"


def test_an_outgoing_webhook_round_trip(admin, channel):
    """A small integration on loopback: it records what it gets and answers with text,
    which ferromost posts back into the channel."""
    calls = []

    class Integration(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            calls.append(dict(urllib.parse.parse_qsl(body)))
            answer = json.dumps({"text": "ci says: " + calls[-1]["text"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Integration)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        admin.client.put(
            "/config/patch",
            options={"ServiceSettings": {"AllowedUntrustedInternalConnections": "127.0.0.1"}},
        )
        hook = admin.webhooks.create_outgoing_hook(
            options={
                "team_id": channel["team_id"],
                "channel_id": channel["id"],
                "display_name": "CI",
                "trigger_words": ["status"],
                "callback_urls": [f"http://127.0.0.1:{server.server_port}/hook"],
            }
        )
        assert len(hook["token"]) == 26
        admin.posts.create_post(options={"channel_id": channel["id"], "message": "status of main"})
        answer = None
        for _ in range(100):
            posts = admin.posts.get_posts_for_channel(channel["id"])
            answer = next((p for p in posts["posts"].values() if p["message"].startswith("ci says")), None)
            if answer:
                break
            time.sleep(0.05)
        assert answer is not None, "the integration's answer was posted"
        assert answer["message"] == "ci says: status of main"
        assert answer["props"]["from_webhook"] == "true"
        assert (calls[0]["token"], calls[0]["trigger_word"]) == (hook["token"], "status")
        # The driver's regenerate_token_outgoing_hook sends PUT, which Mattermost's route
        # refuses (405, only POST); ferromost answers as Mattermost does.
        with pytest.raises(MethodNotAllowed):
            admin.webhooks.regenerate_token_outgoing_hook(hook["id"])
        regenerated = admin.client.post(f"/hooks/outgoing/{hook['id']}/regen_token")
        assert regenerated["token"] != hook["token"]
        admin.webhooks.delete_outgoing_hook(hook["id"])
    finally:
        server.shutdown()


def test_a_custom_slash_command_answered_by_its_integration(admin, channel):
    """A slash command whose integration (on loopback) answers in the channel; the driver
    makes, lists, runs and deletes it."""
    calls = []

    class Integration(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            calls.append((self.headers.get("Authorization"), dict(urllib.parse.parse_qsl(body))))
            answer = json.dumps(
                {"response_type": "in_channel", "text": "deploying " + calls[-1][1]["text"]}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Integration)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        admin.client.put(
            "/config/patch",
            options={"ServiceSettings": {"AllowedUntrustedInternalConnections": "127.0.0.1"}},
        )
        trigger = unique("deploy")
        command = admin.commands.create_command(
            options={
                "team_id": channel["team_id"],
                "trigger": trigger,
                "method": "P",
                "url": f"http://127.0.0.1:{server.server_port}/command",
                "auto_complete": True,
                "auto_complete_hint": "[service]",
            }
        )
        assert len(command["token"]) == 26
        listed = admin.commands.list_commands_for_team(
            params={"team_id": channel["team_id"], "custom_only": True}
        )
        assert [c["trigger"] for c in listed] == [trigger]
        answer = admin.commands.execute_command(
            options={"channel_id": channel["id"], "command": f"/{trigger} web"}
        )
        assert answer["response_type"] == "in_channel"
        authorization, form = calls[0]
        assert authorization == "Token " + command["token"]
        assert (form["command"], form["text"], form["channel_id"]) == (f"/{trigger}", "web", channel["id"])
        posts = admin.posts.get_posts_for_channel(channel["id"])
        newest = posts["posts"][posts["order"][0]]
        assert newest["message"] == "deploying web"
        assert newest["props"]["from_webhook"] == "true"
        # A built-in command through the same call.
        admin.commands.execute_command(options={"channel_id": channel["id"], "command": "/shrug fine"})
        posts = admin.posts.get_posts_for_channel(channel["id"])
        assert posts["posts"][posts["order"][0]]["message"].startswith("fine ")
        # The driver's delete_command joins "/commands" and the id without a slash (a 404
        # on Mattermost too); the route itself, through the driver's client:
        admin.client.delete(f"/commands/{command['id']}")
        with pytest.raises(ResourceNotFound):
            admin.commands.execute_command(options={"channel_id": channel["id"], "command": f"/{trigger}"})
    finally:
        server.shutdown()


def test_a_button_press_reaches_its_integration(admin, channel):
    """An interactive message posted through the driver; pressing its button (the web
    app's call) reaches the integration, whose answer updates the post."""
    calls = []

    class Integration(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            calls.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            answer = json.dumps({"update": {"message": "approved"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Integration)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        admin.client.put(
            "/config/patch",
            options={"ServiceSettings": {"AllowedUntrustedInternalConnections": "127.0.0.1"}},
        )
        url = f"http://127.0.0.1:{server.server_port}/press"
        post = admin.posts.create_post(
            options={
                "channel_id": channel["id"],
                "message": "approve the release?",
                "props": {"attachments": [{"actions": [
                    {"name": "Approve", "integration": {"url": url, "context": {"release": "1.0"}}}
                ]}]},
            }
        )
        action = post["props"]["attachments"][0]["actions"][0]
        assert "integration" not in action
        answer = admin.client.post(f"/posts/{post['id']}/actions/{action['id']}", options={})
        assert answer["status"] == "OK"
        assert calls[0]["context"] == {"release": "1.0"}
        assert calls[0]["post_id"] == post["id"]
        assert admin.posts.get_post(post["id"])["message"] == "approved"
    finally:
        server.shutdown()


def test_files_upload_attach_and_download(person, channel):
    data = bytes(range(256)) * 40
    uploaded = person.files.upload_file(
        channel_id=channel["id"], files={"files": ("report.bin", data)}
    )
    info = uploaded["file_infos"][0]
    assert (info["name"], info["extension"], info["size"]) == ("report.bin", "bin", len(data))
    post = person.posts.create_post(
        options={"channel_id": channel["id"], "message": "the report", "file_ids": [info["id"]]}
    )
    assert post["file_ids"] == [info["id"]]
    assert [f["id"] for f in post["metadata"]["files"]] == [info["id"]]
    fetched = person.files.get_file(info["id"])
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    meta = person.files.get_file_metadata(info["id"])
    assert (meta["id"], meta["post_id"]) == (info["id"], post["id"])
    infos = person.posts.get_file_info_for_post(post["id"])
    assert [f["id"] for f in infos] == [info["id"]]


def test_search(person, team, channel):
    word = unique("needle")
    post = person.posts.create_post(
        options={"channel_id": channel["id"], "message": f"the {word} in the haystack"}
    )
    found = person.posts.search_for_team_posts(team["id"], options={"terms": word, "is_or_search": False})
    assert found["order"] == [post["id"]]


def test_unread_counts_and_viewing(admin, person, channel):
    person.channels.view_channel("me", options={"channel_id": channel["id"]})
    admin.posts.create_post(options={"channel_id": channel["id"], "message": "news"})
    admin.posts.create_post(
        options={"channel_id": channel["id"], "message": f"@{person.client.username} look"}
    )
    unread = person.channels.get_unread_messages("me", channel["id"])
    assert unread["msg_count"] == 2
    assert unread["mention_count"] == 1
    person.channels.view_channel("me", options={"channel_id": channel["id"]})
    unread = person.channels.get_unread_messages("me", channel["id"])
    assert unread["msg_count"] == 0
    assert unread["mention_count"] == 0


def test_preferences(person):
    me = person.client.userid
    pref = {"user_id": me, "category": "display_settings", "name": "use_military_time", "value": "true"}
    person.preferences.save_user_preferences(me, options=[pref])
    got = person.preferences.get_specific_user_preference(me, "display_settings", "use_military_time")
    assert got["value"] == "true"
    person.preferences.delete_user_preferences(me, options=[pref])
    listed = person.preferences.list_user_preferences_by_category(me, "display_settings")
    assert all(p["name"] != "use_military_time" for p in listed)


def test_status(person):
    me = person.client.userid
    person.status.update_user_status(me, options={"user_id": me, "status": "dnd"})
    assert person.status.get_user_status(me)["status"] == "dnd"
    statuses = person.status.get_user_statuses_by_id(options=[me])
    assert statuses[0]["status"] == "dnd"


def test_personal_access_tokens(admin, person):
    me = person.client.userid
    # People need the token role, given by an admin.
    with pytest.raises(NotEnoughPermissions):
        person.users.create_user_access_token(me, options={"description": "script"})
    admin.users.update_user_role(me, options={"roles": "system_user system_user_access_token"})
    made = person.users.create_user_access_token(me, options={"description": "script"})
    assert made["token"]
    script = Driver(options(token=made["token"]))
    assert script.login()["id"] == me
    person.client.post("/users/tokens/revoke", options={"token_id": made["id"]})
    with pytest.raises(NoAccessTokenProvided):
        script.users.get_user("me")


def test_an_admin_changes_the_config(base_url, admin):
    config = admin.system.get_configuration()
    config["TeamSettings"]["SiteName"] = "Renamed by a driver"
    admin.system.update_configuration(config)
    client = admin.system.get_client_configuration(params={"format": "old"})
    assert client["SiteName"] == "Renamed by a driver"
    anonymous = requests.get(f"{base_url}/api/v4/config/client", params={"format": "old"}).json()
    assert anonymous["SiteName"] == "Renamed by a driver"


def test_the_file_store_connection_test(admin, person):
    config = admin.system.get_configuration()
    config["FileSettings"]["AmazonS3Bucket"] = "named"
    assert admin.system.test_aws_s3_connection(options=config) == {"status": "OK"}
    with pytest.raises(NotEnoughPermissions):
        person.system.test_aws_s3_connection(options=config)


def test_logout_ends_the_session(person):
    token = person.client.token
    person.logout()
    again = Driver(options(token=token))
    with pytest.raises(NoAccessTokenProvided):
        again.login()


def listen(driver, stop_on):
    """Runs the driver's own websocket loop (init_websocket) in a thread, collecting every
    frame as the driver hands it over; it stops after a frame for which `stop_on` holds.
    Answers the frames and a function that waits for the thread."""
    import asyncio
    import json
    import threading

    frames = []

    async def handler(message):
        frame = json.loads(message)
        frames.append(frame)
        if stop_on(frame):
            driver.disconnect()

    def run():
        asyncio.set_event_loop(asyncio.new_event_loop())
        driver.init_websocket(handler)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return frames, lambda seconds: thread.join(seconds)


def wait_for(frames, check, seconds=10):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(check(f) for f in frames):
            return
        time.sleep(0.05)
    raise AssertionError(f"not seen in {seconds} s: {frames}")


def test_the_websocket_authenticates_and_delivers_posts(admin, person, channel):
    import json

    me = person.client.userid
    frames, join = listen(
        person,
        lambda f: f.get("event") == "posted" and "@" in json.loads(f["data"]["post"])["message"],
    )
    # The driver's handshake: authentication_challenge, then hello as event 0.
    wait_for(frames, lambda f: f.get("event") == "hello")
    hello = next(f for f in frames if f.get("event") == "hello")
    assert hello["seq"] == 0 and len(hello["data"]["connection_id"]) == 26
    person.posts.create_post(options={"channel_id": channel["id"], "message": "plain"})
    name = person.users.get_user("me")["username"]
    admin.posts.create_post(options={"channel_id": channel["id"], "message": f"hi @{name}"})
    join(10)
    posted = [f for f in frames if f.get("event") == "posted"]
    assert [json.loads(f["data"]["post"])["message"] for f in posted] == ["plain", f"hi @{name}"]
    assert json.loads(posted[1]["data"]["mentions"]) == [me]
    assert "mentions" not in posted[0]["data"]
    assert posted[1]["data"]["channel_name"] == channel["name"]
    assert posted[1]["data"]["sender_name"] == "@admin"
    events = [f for f in frames if "event" in f]
    assert [f["seq"] for f in events] == list(range(len(events)))
    # The challenge's reply came too.
    assert any(f.get("seq_reply") == 1 and f.get("status") == "OK" for f in frames)
