"""mmpy_bot 2.2.1 against ferromost: a bot made by an admin, started with its token and run
as its author runs it (Bot.run, in a thread): it listens on ferromost's websocket, and its
plugin answers the messages the `posted` events bring, over the API."""

import asyncio
import os
import threading
import time
import urllib.parse
import uuid

import httpx
import pytest
from mmpy_bot import Bot, Plugin, Settings, listen_to

PASSWORD = "Passw0rd!long"
BASE = os.environ["FERROMOST_URL"]


def api(token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{BASE}/api/v4", headers=headers)


def ok(response):
    assert response.status_code < 300, response.text
    return response.json()


class Pinger(Plugin):
    @listen_to("^ping$")
    async def ping(self, message):
        self.driver.reply_to(message, "pong")
        self.driver.react_to(message, "white_check_mark")

    @listen_to("^report$")
    async def report(self, message):
        # A reply with a file, as bots send them: uploaded first, then attached.
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"report-{uuid.uuid4().hex[:8]}.txt")
        with open(path, "w") as f:
            f.write("all systems nominal\n")
        try:
            self.driver.reply_to(message, "here it is", file_paths=[path])
        finally:
            os.remove(path)


@pytest.fixture(scope="module")
def world():
    """An empty server set up as an admin would for a bot: the first account, bots and
    tokens turned on, a team with a channel, the bot in it with a token."""
    anonymous = api()
    assert ok(anonymous.get("/config/client", params={"format": "old"}))["NoAccounts"] == "true"
    ok(anonymous.post("/users", json={"username": "admin", "email": "admin@example.com", "password": PASSWORD}))
    login = anonymous.post("/users/login", json={"login_id": "admin", "password": PASSWORD})
    assert login.status_code == 200
    admin = api(login.headers["Token"])
    ok(admin.put("/config/patch", json={"ServiceSettings": {"EnableBotAccountCreation": True}}))
    team = ok(admin.post("/teams", json={"name": f"t{uuid.uuid4().hex[:8]}", "display_name": "Bots", "type": "O"}))
    channel = ok(admin.post("/channels", json={"team_id": team["id"], "name": "robots", "display_name": "Robots", "type": "O"}))
    bot = ok(admin.post("/bots", json={"username": "pinger", "display_name": "Pinger"}))
    ok(admin.post(f"/teams/{team['id']}/members", json={"team_id": team["id"], "user_id": bot["user_id"]}))
    ok(admin.post(f"/channels/{channel['id']}/members", json={"user_id": bot["user_id"]}))
    token = ok(admin.post(f"/users/{bot['user_id']}/tokens", json={"description": "mmpy_bot"}))
    me = ok(admin.get("/users/me"))
    return {"admin": admin, "me": me, "team": team, "channel": channel, "bot": bot, "token": token["token"]}


@pytest.fixture(scope="module")
def bot(world):
    url = urllib.parse.urlparse(BASE)
    settings = Settings(
        MATTERMOST_URL=f"{url.scheme}://{url.hostname}",
        MATTERMOST_PORT=url.port,
        BOT_TOKEN=world["token"],
        BOT_TEAM=world["team"]["name"],
        SSL_VERIFY=False,
    )
    return Bot(settings=settings, plugins=[Pinger()], enable_logging=False)


@pytest.fixture(scope="module")
def running(bot, world):
    """The bot's own loop in a thread, once its websocket is authenticated (connecting sets
    the bot online)."""

    def run():
        asyncio.set_event_loop(asyncio.new_event_loop())
        bot.run()

    threading.Thread(target=run, daemon=True).start()
    status = lambda: ok(world["admin"].get(f"/users/{world['bot']['user_id']}/status"))["status"]
    assert eventually(lambda: status() == "online"), "the bot's websocket did not connect"
    yield bot
    bot.driver.disconnect()


def thread_of(world, root_id):
    return ok(world["admin"].get(f"/posts/{root_id}/thread"))


def eventually(check, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_the_bot_logs_in_with_its_token(bot, world):
    assert bot.driver.user_id == world["bot"]["user_id"]
    assert bot.driver.username == "pinger"


def test_the_bot_answers_in_the_thread_and_reacts(running, world):
    post = ok(world["admin"].post("/posts", json={"channel_id": world["channel"]["id"], "message": "ping"}))
    replied = eventually(lambda: len(thread_of(world, post["id"])["order"]) == 2)
    assert replied, "the bot did not answer"
    thread = thread_of(world, post["id"])
    reply = next(p for p in thread["posts"].values() if p["id"] != post["id"])
    assert reply["message"] == "pong"
    assert reply["user_id"] == world["bot"]["user_id"]
    assert reply["root_id"] == post["id"]
    assert reply["props"]["from_bot"] == "true"
    reacted = eventually(lambda: ok(world["admin"].get(f"/posts/{post['id']}/reactions")))
    assert reacted
    reactions = ok(world["admin"].get(f"/posts/{post['id']}/reactions"))
    assert [(r["user_id"], r["emoji_name"]) for r in reactions] == [(world["bot"]["user_id"], "white_check_mark")]


def test_the_bot_replies_with_a_file(running, world):
    post = ok(world["admin"].post("/posts", json={"channel_id": world["channel"]["id"], "message": "report"}))
    replied = eventually(lambda: len(thread_of(world, post["id"])["order"]) == 2)
    assert replied, "the bot did not answer"
    thread = thread_of(world, post["id"])
    reply = next(p for p in thread["posts"].values() if p["id"] != post["id"])
    assert reply["message"] == "here it is"
    assert len(reply["file_ids"]) == 1
    info = reply["metadata"]["files"][0]
    assert info["name"].startswith("report-") and info["extension"] == "txt"
    download = world["admin"].get(f"/files/{reply['file_ids'][0]}")
    assert download.status_code == 200
    assert download.content == b"all systems nominal\n"


def test_the_bot_ignores_its_own_messages(running, world):
    own = running.driver.create_post(channel_id=world["channel"]["id"], message="ping")
    assert own["props"]["from_bot"] == "true"
    time.sleep(1)
    assert thread_of(world, own["id"])["order"] == [own["id"]]


def test_the_bot_sends_a_direct_message(bot, world):
    sent = bot.driver.direct_message(receiver_id=world["me"]["id"], message="hello human")
    channel = ok(world["admin"].get(f"/channels/{sent['channel_id']}"))
    assert channel["type"] == "D"
    assert sorted(channel["name"].split("__")) == sorted([world["me"]["id"], world["bot"]["user_id"]])
