"""Fixtures of the Python-driver suite: a running ferromost (FERROMOST_URL, started empty by
tests/clients/run.sh), its first account made the way a new administrator makes it, and
helpers that make people, teams and channels through the drivers themselves."""

import os
import urllib.parse
import uuid

import pytest
import requests
from mattermostdriver import Driver

PASSWORD = "Passw0rd!long"


def options(**extra):
    url = urllib.parse.urlparse(os.environ["FERROMOST_URL"])
    base = {"url": url.hostname, "port": url.port, "scheme": url.scheme, "basepath": "/api/v4"}
    base.update(extra)
    return base


def unique(prefix):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def base_url():
    return os.environ["FERROMOST_URL"]


@pytest.fixture(scope="session")
def admin(base_url):
    """The first account on an empty server: the web app learns from the client config that
    none exists yet, creates it without a session, and it becomes the system admin."""
    config = requests.get(f"{base_url}/api/v4/config/client", params={"format": "old"}).json()
    assert config["NoAccounts"] == "true", "the suite needs an empty server"
    anonymous = Driver(options())
    made = anonymous.users.create_user(
        options={"username": "admin", "email": "admin@example.com", "password": PASSWORD}
    )
    assert "system_admin" in made["roles"].split()
    config = requests.get(f"{base_url}/api/v4/config/client", params={"format": "old"}).json()
    assert config["NoAccounts"] == "false"
    driver = Driver(options(login_id="admin", password=PASSWORD))
    driver.login()
    # The settings a fresh server keeps off, turned on as an admin does it.
    config = driver.system.get_configuration()
    config["ServiceSettings"]["EnableUserAccessTokens"] = True
    config["ServiceSettings"]["EnableBotAccountCreation"] = True
    config["TeamSettings"]["EnableOpenServer"] = True
    saved = driver.system.update_configuration(config)
    assert saved["ServiceSettings"]["EnableUserAccessTokens"] is True
    return driver


@pytest.fixture(scope="session")
def team(admin):
    return admin.teams.create_team(
        options={"name": unique("team"), "display_name": "Client suite", "type": "O"}
    )


@pytest.fixture
def person(admin, team):
    """A new member of the team, logged in with mattermostdriver."""
    name = unique("p")
    made = admin.users.create_user(
        options={"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    )
    admin.teams.add_user_to_team(team["id"], options={"team_id": team["id"], "user_id": made["id"]})
    driver = Driver(options(login_id=name, password=PASSWORD))
    driver.login()
    return driver


@pytest.fixture
def channel(admin, team, person):
    """A public channel of the team that `person` has joined."""
    made = admin.channels.create_channel(
        options={"team_id": team["id"], "name": unique("c"), "display_name": "Talk", "type": "O"}
    )
    admin.channels.add_user(made["id"], options={"user_id": person.client.userid})
    return made
