#!/usr/bin/env bash
# ocr-throughput.sh - pages per second of `chartroom ingest` against the
# plain `tesseract` CLI on the same pages, side by side in one run.
#
# Both sides get the same two cores: chartroom with --workers 2 (one engine
# per worker, OMP_THREAD_LIMIT=1), tesseract as two parallel processes
# (xargs -P2, OMP_THREAD_LIMIT=1), one per file.  chartroom also does what
# plain tesseract does not: orientation, deskew, barcode scan, field
# extraction, re-reads, matching, hashing, and committing to the store.
#
# usage: bench/ocr-throughput.sh [ROUNDS] [FILES...]
#   ROUNDS (default 3): each round OCRs every file once per side, in
#   alternating order; the figures are totals over all rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CHARTROOM_BIN:-build/chartroom}
ROUNDS=${1:-3}
shift || true
if [ $# -gt 0 ]; then files=("$@"); else
	files=()
	while IFS=, read -r file status _; do
		[ "$file" = file ] || [ "$status" = rejected ] && continue
		files+=("samples/$file")
	done <samples/truth.csv
fi
export OMP_THREAD_LIMIT=1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

pages=0
for f in "${files[@]}"; do
	n=$(identify "$f" 2>/dev/null | wc -l)
	pages=$((pages + n))
done

cr_s=0 ts_s=0 cr_rss=0 ts_rss=0
now() { date +%s.%N; }
for r in $(seq "$ROUNDS"); do
	for side in cr ts; do
		# alternate which side goes first, so neither always runs warm
		if [ $((r % 2)) -eq 0 ]; then side=$([ $side = cr ] && echo ts || echo cr); fi
		if [ $side = cr ]; then
			rm -rf "$T/store"
			"$BIN" init --store "$T/store" >/dev/null
			"$BIN" patients import --store "$T/store" samples/roster.csv >/dev/null
			t0=$(now)
			/usr/bin/time -f %M -o "$T/rss" "$BIN" ingest --store "$T/store" --workers 2 "${files[@]}" >/dev/null || true
			t1=$(now)
			cr_s=$(echo "$cr_s + $t1 - $t0" | bc -l)
			m=$(cat "$T/rss"); [ "$m" -gt "$cr_rss" ] && cr_rss=$m
		else
			t0=$(now)
			printf '%s\n' "${files[@]}" | xargs -P2 -I{} sh -c \
				'/usr/bin/time -f %M -a -o "$0/tsrss" tesseract "$1" "$0/out-$(basename "$1")" >/dev/null 2>&1' "$T" {}
			t1=$(now)
			ts_s=$(echo "$ts_s + $t1 - $t0" | bc -l)
			m=$(sort -n "$T/tsrss" | tail -1); [ "$m" -gt "$ts_rss" ] && ts_rss=$m
		fi
	done
done

total=$((pages * ROUNDS))
cr_pps=$(echo "$total / $cr_s" | bc -l)
ts_pps=$(echo "$total / $ts_s" | bc -l)
printf 'pages: %d (%d files) x %d rounds, 2 workers / 2 processes\n' "$pages" "${#files[@]}" "$ROUNDS"
printf 'chartroom ingest : %6.3f pages/s  (%.1f s)  peak RSS %d MiB (one process, 2 engines)\n' "$cr_pps" "$cr_s" $((cr_rss / 1024))
printf 'tesseract CLI x2 : %6.3f pages/s  (%.1f s)  peak RSS %d MiB (per process)\n' "$ts_pps" "$ts_s" $((ts_rss / 1024))
printf 'throughput ratio chartroom/tesseract: %.2fx\n' "$(echo "$cr_pps / $ts_pps" | bc -l)"
