"""Makes an empty ferromost worth fuzzing: the first account (a system admin), a team, a
channel and a post, so that generated requests meet real data; prints the admin's session
token and a personal access token of theirs (ChatCaptain's key), on one line."""

import os
import sys

import requests

base = f"{os.environ['FERROMOST_URL']}/api/v4"
password = "Passw0rd!long"


def ok(response):
    if response.status_code >= 300:
        sys.exit(f"{response.request.method} {response.url}: {response.status_code} {response.text}")
    return response.json()


ok(requests.post(f"{base}/users", json={"username": "admin", "email": "admin@example.com", "password": password}))
login = requests.post(f"{base}/users/login", json={"login_id": "admin", "password": password})
ok(login)
token = login.headers["Token"]
admin = requests.Session()
admin.headers["Authorization"] = f"Bearer {token}"
team = ok(admin.post(f"{base}/teams", json={"name": "fuzz", "display_name": "Fuzz", "type": "O"}))
channel = ok(admin.post(f"{base}/channels", json={"team_id": team["id"], "name": "fuzzing", "display_name": "Fuzzing", "type": "O"}))
ok(admin.post(f"{base}/posts", json={"channel_id": channel["id"], "message": "seed"}))
key = ok(admin.post(f"{base}/users/me/tokens", json={"description": "conformance"}))["token"]
print(token, key)
