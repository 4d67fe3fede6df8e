-- wrk script: POST the survey answer form to many distinct personal links.
-- wrk -s bench/post.lua URL -- TOKENS_FILE BODY OFFSET
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  body = args[2]
  -- Each thread starts at its own place in the list, so links rarely repeat.
  counter = tonumber(args[3] or "0") + id * math.floor(#tokens / 2)
  headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Host"] = "127.0.0.1"}
end

function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  return wrk.format("POST", "/surveys/r/" .. token .. "/", headers, body)
end
