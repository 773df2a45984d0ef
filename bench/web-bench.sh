#!/usr/bin/env bash
# web-bench.sh - requests/second and p99 latency of "chartroom serve" for
# searches and document views on a store of 100,000 documents, next to
# the same store calls made straight against SQLite (the baseline).
#
#   bench/web-bench.sh [BUILD_DIR]      (default build/)
#
# Environment: DOCS (100000), DURATION seconds per run (10), CONNECTIONS
# for wrk (8), SERVER_THREADS (4), BASELINE_THREADS (2).  The store is
# made once by bench/web-bench-gen.sh in bench/out/web-store and reused.
# Needs wrk, sqlite3, curl, jq and a C compiler.  Not part of make check.
#
# Every API request checks its session (which touches it: a write) and
# appends an audit entry (a write, fsynced), so the server's numbers
# include two durable commits per request; the baseline has none.  That
# is the point of the comparison: the cost of the web layer as built.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
BIN=$BUILD/chartroom
DOCS=${DOCS:-100000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-8}
SERVER_THREADS=${SERVER_THREADS:-4}
BASELINE_THREADS=${BASELINE_THREADS:-2}
OUT=$SRC/bench/out
STORE=$OUT/web-store-$DOCS
for tool in wrk sqlite3 curl jq cc; do
	command -v $tool >/dev/null || { echo "web-bench: needs $tool (see deps.sh)" >&2; exit 2; }
done
mkdir -p "$OUT"

if [ ! -e "$STORE/chartroom.db" ]; then
	echo "# generating $DOCS documents in $STORE"
	CHARTROOM_BIN=$BIN "$SRC/bench/web-bench-gen.sh" "$STORE" "$DOCS"
fi
cc -O2 -std=c11 -I"$SRC" "$SRC/bench/web-bench-baseline.c" "$BUILD/libcr_store.a" \
	"$BUILD/libcr_common.a" $(pkg-config --libs sqlite3 libsodium) -lpthread \
	-o "$OUT/web-bench-baseline"

PASSWORD=bench-pass-$RANDOM$RANDOM
"$BIN" user disable bench --store "$STORE" >/dev/null 2>&1 || true
if ! printf '%s\n' "$PASSWORD" | "$BIN" user add bench --role clerk --password-stdin --store "$STORE" >/dev/null 2>&1; then
	printf '%s\n' "$PASSWORD" | "$BIN" user passwd bench --password-stdin --store "$STORE" >/dev/null
	"$BIN" user enable bench --store "$STORE" >/dev/null
fi

"$BIN" serve --store "$STORE" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" --quiet >"$OUT/serve.out" 2>"$OUT/serve.err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 100); do grep -q '^listening on' "$OUT/serve.out" && break; sleep 0.1; done
BASE=$(sed -n 's/^listening on \(.*\)\/$/\1/p' "$OUT/serve.out")
[ -n "$BASE" ] || { echo "web-bench: the server did not start" >&2; cat "$OUT/serve.err" >&2; exit 1; }
COOKIE=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
	--data-binary "{\"user\":\"bench\",\"password\":\"$PASSWORD\"}" "$BASE/api/session" |
	sed -n 's/^[Ss]et-[Cc]ookie: \(cr_session=[0-9a-f]*\);.*/\1/p')
[ -n "$COOKIE" ] || { echo "web-bench: cannot sign in" >&2; exit 1; }

cat >"$OUT/doc.lua" <<LUA
-- Document views of ids drawn uniformly from 1..$DOCS.
math.randomseed(42)
request = function()
	return wrk.format("GET", "/api/documents/" .. math.random(1, $DOCS))
end
LUA

TEXT_WORD=${TEXT_WORD:-pneumothorax}
NAME_WORD=${NAME_WORD:-garcia}
matches=$(sqlite3 "$STORE/chartroom.db" "SELECT count(*) FROM pages_fts WHERE pages_fts MATCH '$TEXT_WORD'")

# wrk_run NAME PATH [LUA]: prints "rps p50 p99" (milliseconds).
wrk_run() {
	local name=$1 path=$2 lua=${3-} args=()
	[ -n "$lua" ] && args+=(-s "$lua")
	wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: $COOKIE" "${args[@]}" \
		"$BASE$path" >"$OUT/wrk-$name.txt"
	if grep -q 'Non-2xx' "$OUT/wrk-$name.txt"; then
		echo "web-bench: $name had non-2xx answers:" >&2
		cat "$OUT/wrk-$name.txt" >&2
		exit 1
	fi
	awk '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }' "$OUT/wrk-$name.txt"
}
base_run() { # MODE ARG
	"$OUT/web-bench-baseline" "$STORE" "$1" "$2" "$DURATION" "$BASELINE_THREADS" |
		sed -n 's/.*qps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\)/\1 \2 \3/p'
}

echo "# $DOCS documents; '$TEXT_WORD' is on $matches pages; wrk -t2 -c$CONNECTIONS -d${DURATION}s; server $SERVER_THREADS threads; baseline $BASELINE_THREADS threads; $(nproc) cores"
printf '%-34s %10s %9s %9s %12s %9s %9s %8s\n' endpoint "API req/s" "p50 ms" "p99 ms" "SQLite q/s" "p50 ms" "p99 ms" ratio
row() { # LABEL "api" "base"
	read -r ar a50 a99 <<<"$2"
	read -r br b50 b99 <<<"$3"
	printf '%-34s %10s %9s %9s %12s %9s %9s %7.2fx\n' "$1" "$ar" "$a50" "$a99" "$br" "$b50" "$b99" \
		"$(echo "$br / $ar" | bc -l)"
	echo "| $1 | $ar | $a50 | $a99 | $br | $b50 | $b99 | $(printf '%.1f' "$(echo "$br / $ar" | bc -l)")× |" >>"$OUT/web-bench.md"
}
: >"$OUT/web-bench.md"
row "GET /api/documents?q=$TEXT_WORD" "$(wrk_run text "/api/documents?q=$TEXT_WORD&limit=20")" "$(base_run text "$TEXT_WORD")"
row "GET /api/documents?name=$NAME_WORD" "$(wrk_run name "/api/documents?name=$NAME_WORD&limit=20")" "$(base_run name "$NAME_WORD")"
row "GET /api/documents/{random id}" "$(wrk_run doc /api/documents/1 "$OUT/doc.lua")" "$(base_run doc "$DOCS")"
echo "# ratio: SQLite queries/s over API requests/s (how many times slower the API is)"
echo "# markdown rows in $OUT/web-bench.md; wrk output in $OUT/wrk-*.txt"
