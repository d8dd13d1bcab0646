"""mattermostautodriver 11.11.1 (generated from Mattermost's OpenAPI spec, and what mmpy_bot
is built on) against ferromost."""

import os
import urllib.parse

import pytest
from mattermostautodriver import TypedDriver
from mattermostautodriver.exceptions import (
    FeatureDisabled,
    InvalidOrMissingParameters,
    NoAccessTokenProvided,
    NotEnoughPermissions,
    ResourceNotFound,
)

from conftest import PASSWORD, unique


def auto(**extra):
    url = urllib.parse.urlparse(os.environ["FERROMOST_URL"])
    options = {"url": url.hostname, "port": url.port, "scheme": url.scheme}
    options.update(extra)
    driver = TypedDriver(options)
    driver.login()
    return driver


@pytest.fixture
def me(person):
    """The fixture's person, signed in with mattermostautodriver."""
    return auto(login_id=person.client.username, password=PASSWORD)


def test_login_and_me(me, person):
    assert me.client.token
    assert me.client.userid == person.client.userid
    assert me.users.get_user("me")["username"] == person.client.username


def test_errors_carry_mattermost_ids(me):
    with pytest.raises(ResourceNotFound) as missing:
        me.users.get_user("b" * 26)
    assert missing.value.error_id == "app.user.missing_account.const"
    with pytest.raises(NotEnoughPermissions) as forbidden:
        me.system.get_config()
    assert forbidden.value.error_id == "api.context.permissions.app_error"
    with pytest.raises(InvalidOrMissingParameters):
        me.posts.create_post(channel_id="not-an-id", message="x")


def test_posts_threads_and_flags(me, team, channel):
    root = me.posts.create_post(channel_id=channel["id"], message="a topic")
    reply = me.posts.create_post(channel_id=channel["id"], message="an answer", root_id=root["id"])
    assert reply["root_id"] == root["id"]
    threads = me.threads.get_user_threads("me", team["id"])
    followed = [t for t in threads["threads"] if t["id"] == root["id"]]
    assert followed and followed[0]["reply_count"] == 1
    thread = me.threads.get_user_thread("me", team["id"], root["id"])
    assert thread["post"]["id"] == root["id"]
    me.threads.stop_following_thread("me", team["id"], root["id"])
    threads = me.threads.get_user_threads("me", team["id"])
    assert root["id"] not in [t["id"] for t in threads["threads"]]
    # Flagging is a preference; the flagged list follows it.
    me.preferences.update_preferences(
        "me",
        [{"user_id": me.client.userid, "category": "flagged_post", "name": root["id"], "value": "true"}],
    )
    flagged = me.posts.get_flagged_posts_for_user("me")
    assert flagged["order"] == [root["id"]]


def test_search_and_unread_counts(admin, me, team, channel):
    word = unique("token")
    post = me.posts.create_post(channel_id=channel["id"], message=f"look for {word}")
    found = me.posts.search_posts(team["id"], terms=word, is_or_search=False)
    assert found["order"] == [post["id"]]
    admin.posts.create_post(options={"channel_id": channel["id"], "message": "unread one"})
    unread = me.teams.get_team_unread("me", team["id"])
    assert unread["msg_count"] >= 1
    me.channels.view_channel("me", channel_id=channel["id"])
    unread = me.channels.get_channel_unread("me", channel["id"])
    assert unread["msg_count"] == 0


def test_bots_with_tokens_post_as_bots(admin):
    boss = auto(login_id="admin", password=PASSWORD)
    bot = boss.bots.create_bot(username=unique("bot"), display_name="Helper", description="posts")
    assert bot["user_id"]
    made = boss.users.create_user_access_token(bot["user_id"], description="bot token")
    robot = auto(token=made["token"])
    assert robot.users.get_user("me")["is_bot"] is True
    team = boss.teams.create_team(name=unique("bots"), display_name="Bots", type="O")
    boss.teams.add_team_member(team["id"], user_id=bot["user_id"])
    town = robot.channels.get_channel_by_name(team["id"], "town-square")
    post = robot.posts.create_post(channel_id=town["id"], message="beep")
    # Bots' own clients ignore their messages by this.
    assert post["props"]["from_bot"] == "true"
    human = boss.posts.create_post(channel_id=town["id"], message="hello bot")
    assert "from_bot" not in (human.get("props") or {})
    # Bots cannot log in with a password, and a revoked token stops at once.
    boss.users.revoke_user_access_token(made["id"])
    with pytest.raises(NoAccessTokenProvided):
        robot.users.get_user("me")


def test_config_patch_by_an_admin(me):
    boss = auto(login_id="admin", password=PASSWORD)
    patched = boss.system.patch_config({"ServiceSettings": {"EnableCustomEmoji": False}})
    assert patched["ServiceSettings"]["EnableCustomEmoji"] is False
    client = boss.client.get("/api/v4/config/client", params={"format": "old"})
    assert client["EnableCustomEmoji"] == "false"
    with pytest.raises(NotEnoughPermissions):
        me.system.patch_config({"ServiceSettings": {"EnableCustomEmoji": True}})
    # Custom emoji are off for everyone now, and back on when the admin says so.
    with pytest.raises(FeatureDisabled):
        me.emoji.get_emoji_list()
    boss.system.patch_config({"ServiceSettings": {"EnableCustomEmoji": True}})
    assert me.emoji.get_emoji_list(sort="name") == []


def test_the_file_store_connection_test(me):
    boss = auto(login_id="admin", password=PASSWORD)
    config = boss.system.get_config()
    assert config["FileSettings"]["DriverName"] == "local"
    with pytest.raises(InvalidOrMissingParameters):
        boss.system.test_s3_connection(config)  # no bucket named: Mattermost requires one
    config["FileSettings"]["AmazonS3Bucket"] = "named"
    assert boss.system.test_s3_connection(config) == {"status": "OK"}
    with pytest.raises(NotEnoughPermissions):
        me.system.test_s3_connection(config)


def test_plugins_none_installed(me):
    boss = auto(login_id="admin", password=PASSWORD)
    assert boss.plugins.get_plugins() == {"active": [], "inactive": []}
    assert boss.plugins.get_plugin_statuses() == []
    assert me.plugins.get_webapp_plugins() == []
    with pytest.raises(ResourceNotFound):
        boss.plugins.enable_plugin("com.example.demo")
    with pytest.raises(ResourceNotFound):
        boss.plugins.remove_plugin("com.example.demo")
    with pytest.raises(NotEnoughPermissions):
        me.plugins.get_plugins()
    with pytest.raises(NotEnoughPermissions):
        me.plugins.enable_plugin("com.example.demo")
    visit = boss.plugins.get_marketplace_visited_by_admin()
    assert visit["name"] == "FirstAdminVisitMarketplace"
    assert boss.system.update_marketplace_visited_by_admin({"value": "true"}) == {"status": "OK"}
    assert boss.plugins.get_marketplace_visited_by_admin()["value"] == "true"
    with pytest.raises(NotEnoughPermissions):
        me.plugins.get_marketplace_visited_by_admin()
