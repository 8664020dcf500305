-- post.lua - wrk script for bench-httpd.sh: POSTs distinct gzipped
-- reports, each wrk thread its own share of the files in LIST (one path a
-- line), and counts the replies by status.
--
-- wrk ... -s post.lua URL -- LIST NTHREADS [MEDIA-TYPE]
local threads = {}
local next_id = 0

function setup(thread)
	thread:set("tid", next_id)
	next_id = next_id + 1
	table.insert(threads, thread)
end

function init(args)
	local nthreads = tonumber(args[2])
	media = args[3] or "application/tlsrpt+gzip"
	bodies, idx, codes = {}, 0, {}
	local i = 0
	for path in io.lines(args[1]) do
		if i % nthreads == tid then
			local f = assert(io.open(path, "rb"))
			table.insert(bodies, f:read("*a"))
			f:close()
		end
		i = i + 1
	end
end

function request()
	idx = idx + 1
	if idx > #bodies then idx = 1 end -- past the end: duplicates (200)
	return wrk.format("POST", nil, { ["Content-Type"] = media }, bodies[idx])
end

function response(status, headers, body)
	codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
	local total = {}
	for _, t in ipairs(threads) do
		for code, n in pairs(t:get("codes")) do
			total[code] = (total[code] or 0) + n
		end
	end
	for code, n in pairs(total) do
		io.write(string.format("status %d %d\n", code, n))
	end
	io.write(string.format("p50_ms %.2f\np99_ms %.2f\nmax_ms %.2f\n",
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		latency.max / 1000))
end
