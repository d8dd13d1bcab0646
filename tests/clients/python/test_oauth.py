"""An OAuth 2.0 app against ferromost's provider, with published clients: mattermostdriver
registers the app and signs in with the access token; requests-oauthlib (a public client,
PKCE S256) goes through /oauth/authorize and /oauth/access_token."""

import os
import urllib.parse

import pytest
import requests
from mattermostdriver import Driver
from mattermostdriver.exceptions import NoAccessTokenProvided
from requests_oauthlib import OAuth2Session

from conftest import options

CALLBACK = "https://planner.example/callback"


def test_an_oauth_app_signs_a_user_in_with_pkce(base_url, admin, person):
    # The token endpoint is plain http on the loopback here.
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    app = admin.oauth.register_oauth_app(
        options={
            "name": "Planner",
            "description": "plans things",
            "homepage": "https://planner.example",
            "callback_urls": [CALLBACK],
            "is_public": True,
        }
    )
    assert app["client_secret"] == ""
    assert admin.oauth.get_info_on_oauth_app(app["id"])["name"] == "Planner"

    session = OAuth2Session(app["id"], redirect_uri=CALLBACK, pkce="S256")
    url, state = session.authorization_url(f"{base_url}/oauth/authorize")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
    assert query["code_challenge_method"] == "S256"
    # The user, signed in, allows the app (what the consent page posts).
    bearer = {"Authorization": f"Bearer {person.client.token}"}
    page = requests.get(url, headers=bearer, allow_redirects=False)
    assert page.status_code == 200 and "Planner" in page.text
    allowed = requests.post(f"{base_url}/oauth/authorize", json=query, headers=bearer)
    assert allowed.status_code == 200, allowed.text
    back = allowed.json()["redirect"]
    assert back.startswith(CALLBACK + "?")

    token = session.fetch_token(
        f"{base_url}/oauth/access_token", authorization_response=back, include_client_id=True
    )
    assert token["token_type"] == "bearer"
    assert "refresh_token" not in token

    as_app = Driver(options(token=token["access_token"]))
    assert as_app.login()["id"] == person.client.userid
    # mattermostdriver 7.3.2's get_authorized_oauth_apps drops the slash before the user id
    # (a 404 on Mattermost too); the route itself, through the driver's client:
    authorized = person.client.get(f"/users/{person.client.userid}/oauth/apps/authorized")
    assert [a["id"] for a in authorized] == [app["id"]]

    # Taking the grant back ends the app's session.
    gone = requests.post(f"{base_url}/oauth/deauthorize", json={"client_id": app["id"]}, headers=bearer)
    assert gone.status_code == 200
    with pytest.raises(NoAccessTokenProvided):
        Driver(options(token=token["access_token"])).login()
    admin.oauth.delete_oauth_app(app["id"])
