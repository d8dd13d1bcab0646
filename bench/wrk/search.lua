-- POST /api/v4/teams/{team}/posts/search as TOKEN; each request looks for another
-- numbered word (TERMS=rare: one of w0..w5002, about 1 post in 5,000 each; TERMS=phrase:
-- a rare word and a common one).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local kind = os.getenv("TERMS") or "rare"
local n = 0
request = function()
  n = n + 1
  local word = "w" .. ((n * 7919) % 5003)
  local terms = word
  if kind == "phrase" then terms = word .. " status" end
  local body = '{"terms":"' .. terms .. '","is_or_search":false,"page":0,"per_page":60}'
  return wrk.format(nil, nil, nil, body)
end
