-- POST /api/v4/posts as TOKEN into CHANNEL (both from the environment).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"channel_id":"' .. os.getenv("CHANNEL") .. '","message":"benchmark post for @nobody"}'
