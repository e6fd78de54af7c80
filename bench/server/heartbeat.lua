-- SPDX-License-Identifier: GPL-2.0-or-later
-- wrk: POST heartbeats, each thread cycling through its own share of enrolled hosts.
-- usage: wrk ... -s heartbeat.lua URL -- HOSTS_FILE THREADS
-- HOSTS_FILE: one "MACHINE_ID SECRET" per line (bench/server/enroll.py writes it).
local next_thread = 0

function setup(thread)
	thread:set("thread_index", next_thread)
	next_thread = next_thread + 1
end

local requests = {}
local at = 1
local refused = 0

function init(args)
	local stride = tonumber(args[2])
	local i = 0
	for line in io.lines(args[1]) do
		local machine_id, secret = line:match("(%S+) (%S+)")
		if i % stride == thread_index then
			local body = string.format(
				'{"machine_id":"%s","kernel_release":"6.1.0-47-amd64",' ..
				'"kernel_build_id":"","agent_version":"0.1.0","uptime":%d,' ..
				'"boot_id":"6b1f8d1e","patches":[{"name":"tt_cve_2026_1",' ..
				'"target":"6.1.0-47-amd64/tt_cve_2026_1.ko","sha256":"%s",' ..
				'"state":"enabled","transition":false}]}',
				machine_id, 1000 + i, string.rep("ab", 32))
			requests[#requests + 1] = wrk.format("POST", "/api/v1/heartbeat",
				{["Authorization"] = "Bearer " .. secret,
				 ["Content-Type"] = "application/json"}, body)
		end
		i = i + 1
	end
end

function request()
	local r = requests[at]
	at = at % #requests + 1
	return r
end
