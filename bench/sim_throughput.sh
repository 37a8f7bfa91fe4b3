#!/bin/sh
# SPDX-License-Identifier: MIT
# sim_throughput.sh: how many answers per second chakong-sim serve gives on
# loopback.
#
# Builds chakong-sim (Release) unless told which binary to use, starts it on
# 127.0.0.1 with its port on core 0 (taskset, where there are two cores or
# more), and drives it with wrk from the other cores: keep-alive connections
# POSTing bank inquiries (bank.md) about persons of the population, each with
# a fresh RequestId, so every request takes the whole path: routing, the
# RequestId registry, parsing and checking the request, looking the subject
# up, rendering the answer.  Prints requests per second; fails when any
# answer was not a 200.
#
# Prerequisites besides the build's: wrk (Debian package wrk); taskset
# (util-linux) is used when present.
#
# usage: bench/sim_throughput.sh [-d SECONDS] [-c CONNECTIONS] [-t WRK_THREADS]
#                                [-s SUBJECTS] [-B BUILD_DIR | -x CHAKONG_SIM]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
duration=10
connections=32
threads=1
subjects=1000
build_dir="$top/build-bench"
sim=""

usage() {
	sed -n 's/^# usage: /usage: /p; s/^#      *\(\[.*\)$/       \1/p' "$0" >&2
	exit 2
}

while getopts d:c:t:s:B:x:h opt; do
	case $opt in
	d) duration=$OPTARG ;;
	c) connections=$OPTARG ;;
	t) threads=$OPTARG ;;
	s) subjects=$OPTARG ;;
	B) build_dir=$OPTARG ;;
	x) sim=$OPTARG ;;
	*) usage ;;
	esac
done

if ! command -v wrk >/dev/null 2>&1; then
	echo "sim_throughput: wrk is not installed (Debian: apt-get install wrk)" >&2
	exit 2
fi

if [ -z "$sim" ]; then
	if [ ! -f "$build_dir/CMakeCache.txt" ]; then
		cmake -S "$top" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCK_TESTS=OFF >/dev/null
	fi
	cmake --build "$build_dir" --target chakong-sim -j "$(nproc)" >/dev/null
	sim="$build_dir/chakong-sim"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sim-bench.XXXXXX")
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Who to ask about, and which bank: from the ground truth of the same world.
"$sim" truth --subjects "$subjects" --out "$work/truth.json"
bank=$(grep -o '"id":"[^"]*","kind":"bank"' "$work/truth.json" | head -n 1 |
	sed 's/^"id":"\([^"]*\)".*/\1/')
grep -o '"id_no":"[0-9X]*","kind":"person","name":"[^"\\]*"' "$work/truth.json" |
	head -n 200 |
	sed 's/^"id_no":"\([^"]*\)","kind":"person","name":"\([^"]*\)"$/  {"\1", "\2"},/' \
		>"$work/subjects.lua"
if [ -z "$bank" ] || [ ! -s "$work/subjects.lua" ]; then
	echo "sim_throughput: no bank or no person found in the ground truth" >&2
	exit 1
fi

cat >"$work/bank.lua" <<EOF
-- A bank inquiry (bank.md) per request, each with a fresh RequestId.
local subjects = {
$(cat "$work/subjects.lua")
}
local path = "/$bank/fi/inquiry"
local n = 0

-- setup runs in the main state: number the threads so RequestIds differ.
local threads_made = 0
function setup(thread)
  threads_made = threads_made + 1
  thread:set("tid", threads_made)
end

request = function()
  n = n + 1
  local id = string.format("bench-%d-%d", tid or 0, n)
  local s = subjects[(n % #subjects) + 1]
  local body = '<?xml version="1.0" encoding="UTF-8"?>\n' ..
    '<Document xmlns="urn:chakong:bank:1"><InfReq><ReqId>' .. id .. '</ReqId>' ..
    '<CreDtTm>2024-03-05T01:00:00+08:00</CreDtTm>' ..
    '<Authrty><Nm>泰兴市人民法院</Nm><Id>苏1283</Id></Authrty>' ..
    '<LglBsis><CaseNo>(2024)苏1283执1234号</CaseNo><Offcr>李四</Offcr></LglBsis>' ..
    '<Pty><Nm>' .. s[2] .. '</Nm><Id><Tp>RIC</Tp><Val>' .. s[1] .. '</Val></Id></Pty>' ..
    '<Scp>ACCT</Scp><Scp>WLTH</Scp></InfReq></Document>\n'
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/xml; charset=utf-8",
    ["X-Request-Id"] = id,
  }, body)
end
EOF

server_cpu=""
client_cpu=""
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	server_cpu="taskset -c 0"
	client_cpu="taskset -c 1-$(($(nproc) - 1))"
fi

# shellcheck disable=SC2086
$server_cpu "$sim" serve --subjects "$subjects" --port 0 --port-file "$work/port" \
	>"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
i=0
while [ ! -s "$work/port" ]; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$server_pid" 2>/dev/null; then
		echo "sim_throughput: chakong-sim serve did not start:" >&2
		cat "$work/serve.err" >&2
		exit 1
	fi
	sleep 0.05
done
port=$(cat "$work/port")

# A short warm-up, then the measured run.
# shellcheck disable=SC2086
$client_cpu wrk -t "$threads" -c "$connections" -d 2s -s "$work/bank.lua" \
	"http://127.0.0.1:$port" >/dev/null
# shellcheck disable=SC2086
$client_cpu wrk -t "$threads" -c "$connections" -d "${duration}s" -s "$work/bank.lua" \
	"http://127.0.0.1:$port" >"$work/wrk.out"
cat "$work/wrk.out"

if grep -q "Non-2xx" "$work/wrk.out"; then
	echo "sim_throughput: some answers were not 200: the figure is not valid" >&2
	exit 1
fi
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$work/wrk.out")
echo "server pinned: ${server_cpu:-no}; connections $connections; wrk threads $threads"
echo "requests/s: $rps"
