-- wrk script: POST signed ConnectWise callbacks, each line of the file once.
-- wrk -s bench/events.lua URL -- EVENTS_FILE PATH THREADS
-- Each line of EVENTS_FILE is "<x-content-signature>\t<body>".
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    lines[#lines + 1] = line
  end
  path = args[2]
  step = tonumber(args[3])
  -- Thread n sends lines n, n + step, ...: no event is sent twice by two threads.
  counter = id
end

function request()
  local line = lines[(counter % #lines) + 1]
  counter = counter + step
  local tab = line:find("\t", 1, true)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Host"] = "127.0.0.1",
    ["x-content-signature"] = line:sub(1, tab - 1),
  }
  return wrk.format("POST", path, headers, line:sub(tab + 1))
end
