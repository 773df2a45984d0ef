#!/usr/bin/env bash
# watch-bench.sh - the watcher service measured three ways:
#
#  1. pickup latency on a local filesystem: a file is completed (renamed
#     into the inbox, as scanners and copy tools do), and the time until
#     its job row says "claimed" is read from the journal.  The settle
#     window is part of it by design; it is reported beside the figure.
#  2. throughput with 1 and 2 workers on the same scans (the samples),
#     as pages per second and their ratio.
#  3. a backlog of BACKLOG files (default 5000) dropped at once: peak RSS
#     of the watcher, and RSS sampled through the run, to show memory
#     does not grow with the backlog; the same for a tenth of it.
#
# usage: bench/watch-bench.sh [BACKLOG]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(pwd)/${CHARTROOM_BIN:-build/chartroom}
BACKLOG=${1:-5000}
export OMP_THREAD_LIMIT=1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
q() { sqlite3 "$1/chartroom.db" "$2"; }

# ---- 1. pickup latency --------------------------------------------------
for settle in 2 0.5; do
	st=$T/lat-$settle
	"$BIN" --store "$st" init >/dev/null
	mkdir -p "$T/lat-in-$settle"
	"$BIN" --store "$st" watch --settle "$settle" -q "$T/lat-in-$settle" 2>/dev/null &
	wpid=$!
	sleep 2
	lat=()
	for i in $(seq 1 10); do
		convert -size 800x200 xc:white -font DejaVu-Sans -pointsize 30 \
			-annotate +30+100 "latency $settle $i" "$T/l.png"
		t0=$(date +%s%3N)
		mv "$T/l.png" "$T/lat-in-$settle/l$i.png"
		for _ in $(seq 1 400); do
			c=$(q "$st" "select claimed_ms from jobs where inbox_path like '%/l$i.png'")
			[ -n "$c" ] && break
			sleep 0.05
		done
		lat+=($((c - t0)))
		sleep 0.3
	done
	kill -TERM $wpid
	wait $wpid || true
	printf '%s\n' "${lat[@]}" | sort -n >"$T/lat"
	settle_ms=$(echo "$settle * 1000 / 1" | bc)
	med=$(sed -n 5p "$T/lat")
	echo "pickup latency, settle ${settle}s (inotify, local fs), 10 files:" \
		"median $med ms, max $(tail -1 "$T/lat") ms;" \
		"beyond the settle window: median $((med - settle_ms)) ms"
done

# ---- 2. throughput, 1 vs 2 workers -----------------------------------
files=()
while IFS=, read -r file status _; do
	[ "$file" = file ] || [ "$status" = rejected ] && continue
	files+=("samples/$file")
done <samples/truth.csv
pages=0
for f in "${files[@]}"; do pages=$((pages + $(identify "$f" 2>/dev/null | wc -l))); done
declare -A secs
for w in 1 2; do
	st=$T/tp-$w
	"$BIN" --store "$st" init >/dev/null
	"$BIN" --store "$st" patients import samples/roster.csv >/dev/null
	mkdir -p "$T/tp-in-$w"
	cp "${files[@]}" "$T/tp-in-$w/"
	t0=$(date +%s.%N)
	"$BIN" --store "$st" watch --workers $w --settle 0.1 --exit-when-idle -q "$T/tp-in-$w" 2>/dev/null
	t1=$(date +%s.%N)
	secs[$w]=$(echo "$t1 - $t0" | bc -l)
	printf 'throughput, %d worker%s: %d files, %d pages in %.1f s = %.2f pages/s\n' \
		$w "$([ $w = 1 ] || echo s)" ${#files[@]} $pages "${secs[$w]}" \
		"$(echo "$pages / ${secs[$w]}" | bc -l)"
done
printf 'throughput ratio, 2 workers / 1 worker: %.2fx\n' "$(echo "${secs[1]} / ${secs[2]}" | bc -l)"

# ---- 3. backlog memory ------------------------------------------------
# One small scan, made unique per copy by a PNG text chunk (valid file,
# different SHA-256), so every copy is a real document, not a duplicate.
convert -size 700x160 xc:white -font DejaVu-Sans -pointsize 28 \
	-annotate +20+90 "Backlog test page" -depth 8 "$T/base.png"
make_backlog() { # dir count
	python3 - "$T/base.png" "$1" "$2" <<'EOF'
import struct, sys, zlib, os
base, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(base, 'rb').read()
iend = data.rindex(b'IEND') - 4
os.makedirs(out, exist_ok=True)
for i in range(n):
    body = b'Comment\0copy %d' % i
    chunk = struct.pack('>I', len(body)) + b'tEXt' + body + \
        struct.pack('>I', zlib.crc32(b'tEXt' + body) & 0xffffffff)
    with open('%s/b%05d.png' % (out, i), 'wb') as f:
        f.write(data[:iend] + chunk + data[iend:])
EOF
}
for n in $((BACKLOG / 10)) $BACKLOG; do
	st=$T/bl-$n
	"$BIN" --store "$st" init >/dev/null
	make_backlog "$T/bl-in-$n" $n
	/usr/bin/time -f '%M' -o "$T/rss-$n" \
		"$BIN" --store "$st" watch --workers 2 --settle 0.1 --exit-when-idle -q "$T/bl-in-$n" 2>/dev/null &
	tpid=$!
	samples=()
	t0=$(date +%s)
	while kill -0 $tpid 2>/dev/null; do
		p=$(pgrep -P $tpid chartroom | head -1 || true)
		[ -n "$p" ] && r=$(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || true) && [ -n "${r:-}" ] && samples+=("$r")
		sleep 2
	done
	wait $tpid || true
	t1=$(date +%s)
	done_n=$(q "$st" "select count(*) from jobs where state = 'done'")
	ns=${#samples[@]}
	echo "backlog of $n files: $done_n done in $((t1 - t0)) s; peak RSS $(($(cat "$T/rss-$n") / 1024)) MiB;" \
		"RSS at 10%/50%/90% of the run: $((${samples[$((ns / 10))]:-0} / 1024))/$((${samples[$((ns / 2))]:-0} / 1024))/$((${samples[$((ns * 9 / 10))]:-0} / 1024)) MiB"
done
