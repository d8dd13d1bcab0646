-- GET (the URL given to wrk) as TOKEN.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
