#!/usr/bin/env bash
# e2e_watch.sh - the watcher service on real scans: pickup from an inbox
# with station subfolders, refusals with reasons (bad images, a symlink
# to a file outside, a FIFO, an empty file, an unreadable file), a file
# written slowly in chunks, two watchers on one inbox, SIGTERM and
# SIGHUP, and the crash torture: kill -9 at random moments 20 times, then
# every scan must be in the store exactly once, none lost, none doubled.
set -uo pipefail

BIN=${CHARTROOM_BIN:-build/chartroom}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
SRC=${CHARTROOM_SOURCE_DIR:-.}
S=$(cd "$SRC/samples" && pwd)
T=$(mktemp -d)
chmod 755 "$T"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
export CHARTROOM_STORE=$T/store
fails=0 passes=0
ok() { echo "ok   - $*"; passes=$((passes + 1)); }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else bad "$what"; fi; }
q() { sqlite3 "$CHARTROOM_STORE/chartroom.db" "$@"; }

# Fast, quiet settings: every test here waits on these timers.
cat >"$T/fast.ini" <<'EOF'
[watch]
settle_seconds = 0.4
incomplete_seconds = 1.5
poll_seconds = 0.3
[retry]
attempts = 2
first_wait_seconds = 0.2
longest_wait_seconds = 1
EOF

# A distinct small scan per call: different text, so a different SHA-256.
page() { # file text
	convert -size 1100x360 xc:white -font DejaVu-Sans -pointsize 34 \
		-annotate +40+110 "Progress note $2" \
		-annotate +40+220 "Patient seen on ward, stable" -depth 8 "$1"
}

check "init" "$BIN" init
check "roster import" "$BIN" patients import "$S/roster.csv"
"$BIN" watch --help >"$T/help" 2>&1
check "watch --help" grep -q "exit-when-idle" "$T/help"
"$BIN" watch >/dev/null 2>&1; rc=$?
check "watch without an inbox exits 2" test $rc -eq 2
"$BIN" watch --config "$T/nope.ini" "$T" >/dev/null 2>&1; rc=$?
check "missing config exits 2" test $rc -eq 2
printf '[watch]\nsetle_seconds = 2\n' >"$T/typo.ini"
"$BIN" watch --config "$T/typo.ini" "$T" >/dev/null 2>"$T/err"; rc=$?
check "misspelt config key exits 2" test $rc -eq 2
check "... naming the key and line" grep -q "line 2: unknown key 'setle_seconds'" "$T/err"
"$BIN" watch --config "$T/fast.ini" "$T/missing-inbox" >/dev/null 2>&1; rc=$?
check "missing inbox exits 3" test $rc -eq 3

# --- pickup, station folders, refusals ---------------------------------
IN=$T/inbox
mkdir -p "$IN/ward3/release forms" "$IN/bad"
cp "$S/chart-qr-nguyen.png" "$IN/"
cp "$S/release-auth-odonnell.tif" "$IN/ward3/release forms/"
cp "$S/chart-discharge-smith.tif" "$IN/ward3/"
cp "$S/bad/"* "$IN/bad/"
# The link points at a real scan outside the inbox: were it followed, a
# document with that scan's bytes would appear.
page "$T/outside.png" "outside the inbox"
outside_sha=$(sha256sum "$T/outside.png" | cut -c1-64)
ln -s "$T/outside.png" "$IN/link.tif"
# A writer blocks opening the FIFO until a reader opens it: if the
# watcher ever opened it, the marker file would appear.
mkfifo "$IN/pipe.tif"
(exec 3>"$IN/pipe.tif" && echo opened >"$T/fifo-opened") 2>/dev/null &
fifo_writer=$!
pids+=($fifo_writer)
: >"$IN/zero.tif"
touch "$IN/.hidden.tif" "$IN/scan.tif.part" "$IN/~\$lock.tif" "$IN/Thumbs.db"
cp "$S/chart-qr-nguyen.png" "$IN/bad/same-bytes-again.png"
timeout 300 "$BIN" watch --config "$T/fast.ini" --exit-when-idle "$IN" \
	>"$T/out" 2>"$T/log"; rc=$?
check "watch --exit-when-idle exits 0" test $rc -eq 0
F=$T/failed
check "the barcode chart is filed" test "$(q "select count(*) from jobs j join documents d on d.id = j.document_id where j.inbox_path = '$IN/chart-qr-nguyen.png' and d.status = 'filed'")" -eq 1
check "the station folder is the document's source" test "$(q "select source from documents where file = '$IN/ward3/chart-discharge-smith.tif'")" = ward3
check "a type folder is a hint, not a station" test "$(q "select source from documents where file like '%release-auth-odonnell.tif'")" = ward3
check "the same bytes again are a duplicate of the first" test "$(q "select count(*) from jobs where outcome = 'duplicate' and document_id = (select id from documents where file = '$IN/chart-qr-nguyen.png')")" -eq 1
for f in bad/corrupt.png bad/document.pdf bad/empty.tif bad/huge-header.tif bad/not-an-image.tif bad/truncated.tif link.tif pipe.tif zero.tif; do
	check "refused: $f in failed/" test -e "$F/$f" -o -L "$F/$f"
	check "... with a reason file" grep -q "^Reason: " "$F/$f.reason.txt"
done
check "PDF reason says what to do" grep -q "TIFF" "$F/bad/document.pdf.reason.txt"
check "the symlink was moved, not followed" test -L "$F/link.tif"
check "... its reason says links are not followed" grep -q "never followed" "$F/link.tif.reason.txt"
check "... and nothing outside the inbox was read into the store" test "$(q "select count(*) from documents where sha256 = '$outside_sha'")" -eq 0
check "the FIFO was moved" test -p "$F/pipe.tif"
check "... without being opened" test ! -e "$T/fifo-opened"
kill $fifo_writer 2>/dev/null
check "ignored files stay in the inbox" test -e "$IN/.hidden.tif" -a -e "$IN/scan.tif.part" -a -e "$IN/~\$lock.tif" -a -e "$IN/Thumbs.db"
left=$(find "$IN" ! -type d ! -name '.*' ! -name '*.part' ! -name '~$*' ! -name Thumbs.db ! -path '*/.chartroom/*' | wc -l)
check "nothing else is left in the inbox" test "$left" -eq 0
check "the spool is empty" test "$(find "$IN/.chartroom" ! -type d ! -name '*.lock' | wc -l)" -eq 0

# The same name refused twice keeps both, side by side.
printf 'not an image, take one' >"$IN/bad/not-an-image.tif"
timeout 120 "$BIN" watch --config "$T/fast.ini" --exit-when-idle -q "$IN" 2>>"$T/log"
check "a second refusal under the same name gets its own name" test -e "$F/bad/not-an-image (2).tif"
check "... and the first is kept" test "$(cat "$F/bad/not-an-image (2).tif")" = "not an image, take one" -a "$(cat "$F/bad/not-an-image.tif")" != "not an image, take one"
check "... each with its reason" test -s "$F/bad/not-an-image (2).tif.reason.txt"
# File names are the scanning station's; what chartroom itself writes to
# the log must not name patients.
sed 's#/[^ :]*##g' "$T/log" >"$T/log.nopaths"
check "logs name no patient (beyond file names)" sh -c "! grep -qi -e nguyen -e donnell -e smith -e margaret '$T/log.nopaths'"
"$BIN" status --json >"$T/status.json"; rc=$?
check "status --json exits 0" test $rc -eq 0
check "status counts the refusals (9, and one more of the same name)" test "$(jq .failed "$T/status.json")" -eq 10
check "status counts the duplicate" test "$(jq .duplicate "$T/status.json")" -eq 1
check "status: queue empty" test "$(jq .queue_depth "$T/status.json")" -eq 0
check "status shows the stopped watcher" test "$(jq -r '.watchers[0].state' "$T/status.json")" = stopped
"$BIN" status >"$T/status.txt"
check "status text has the rate line" grep -q "^rate: " "$T/status.txt"

# --- an unreadable file: retried, then refused with a reason -----------
# Root reads everything, so run this part as an unprivileged user.
U=$T/unreadable
mkdir -p "$U/inbox"
page "$U/inbox/locked.png" locked
chmod 000 "$U/inbox/locked.png"
as=()
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody:nogroup "$U"
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
"${as[@]}" "$BIN" --store "$U/store" init >/dev/null
"${as[@]}" timeout 120 "$BIN" --store "$U/store" watch --config "$T/fast.ini" \
	--exit-when-idle "$U/inbox" >/dev/null 2>"$T/ulog"; rc=$?
check "unreadable: watch exits 0" test $rc -eq 0
check "unreadable: retried before refusing" grep -q "trying again" "$T/ulog"
check "unreadable: refused into failed/" test -e "$U/failed/locked.png"
check "unreadable: the reason says permission" grep -qi "permission" "$U/failed/locked.png.reason.txt"
if [ "$(id -u)" -eq 0 ]; then
	"$BIN" --store "$U/store" search >/dev/null 2>"$T/err"; rc=$?
	check "root is refused in a store owned by the service's user" test $rc -eq 3
	check "... and told whom to run as" grep -q "belongs to user nobody" "$T/err"
fi

# --- a file written slowly in chunks is not taken early ----------------
W=$T/slow
mkdir -p "$W"
src=$S/chart-discharge-smith.tif
size=$(stat -c %s "$src")
chunk=$(((size + 5) / 6))
(
	for i in 0 1 2 3 4 5; do
		dd if="$src" of="$W/slow.tif" bs="$chunk" skip=$i seek=$i count=1 conv=notrunc status=none
		sleep 0.7
	done
) &
writer=$!
sleep 0.2
"$BIN" watch --config "$T/fast.ini" --settle 1.5 --exit-when-idle "$W" >/dev/null 2>"$T/slowlog" &
wpid=$!
pids+=($wpid)
wait $writer
wait $wpid; rc=$?
check "slow writer: watch exits 0" test $rc -eq 0
want=$(sha256sum "$src" | cut -c1-64)
check "slow writer: the whole file was taken" test "$(q "select count(*) from documents where sha256 = '$want'")" -eq 1
check "slow writer: no partial copy was stored or refused" test "$(q "select count(*) from jobs where inbox_path = '$W/slow.tif'")" -eq 1

# --- SIGHUP reads the config again; SIGTERM drains ----------------------
H=$T/hup
mkdir -p "$H"
cp "$T/fast.ini" "$T/hup.ini"
"$BIN" watch --config "$T/hup.ini" "$H" >/dev/null 2>"$T/huplog" &
wpid=$!
pids+=($wpid)
sleep 1.5
sed -i 's/^\[retry\]/ignore = *.skip\n[retry]/' "$T/hup.ini"
kill -HUP $wpid
sleep 0.5
page "$T/later.png" skipped && mv "$T/later.png" "$H/later.skip"
page "$H/later.png" later
for i in $(seq 1 60); do
	[ -e "$H/later.png" ] || break
	sleep 0.25
done
sleep 0.5
kill -TERM $wpid
wait $wpid; rc=$?
check "SIGTERM: exits 0" test $rc -eq 0
check "SIGHUP: config read again" grep -q "read again" "$T/huplog"
check "SIGHUP: the new ignore pattern applies" test -e "$H/later.skip"
check "the file dropped while running was taken" test ! -e "$H/later.png"
check "SIGTERM: heartbeat says stopped" test "$(q "select state from watchers where pid = $wpid")" = stopped

# --- two watchers on one inbox (one inotify, one polling): each file once
D=$T/shared
mkdir -p "$D"
for i in $(seq 1 16); do page "$D/two-$i.png" "two watchers $i"; done
"$BIN" watch --config "$T/fast.ini" --instance a --workers 1 --exit-when-idle "$D" >/dev/null 2>"$T/alog" &
a=$!
"$BIN" watch --config "$T/fast.ini" --instance b --workers 1 --poll --exit-when-idle "$D" >/dev/null 2>"$T/blog" &
b=$!
pids+=($a $b)
wait $a; ra=$?
wait $b; rb=$?
check "two watchers: both exit 0" test $ra -eq 0 -a $rb -eq 0
check "two watchers: 16 documents" test "$(q "select count(*) from documents where file like '$D/two-%'")" -eq 16
check "two watchers: 16 jobs, none duplicate or refused" test "$(q "select count(*) from jobs where inbox_path like '$D/two-%' and state = 'done' and outcome in ('filed','review')")" -eq 16
check "two watchers: no other job rows" test "$(q "select count(*) from jobs where inbox_path like '$D/two-%'")" -eq 16
echo "# instance a took $(q "select count(*) from jobs where instance = 'a'"), b took $(q "select count(*) from jobs where instance = 'b'")"
"$BIN" watch --instance a "$D" --config "$T/fast.ini" >/dev/null 2>&1 &
a=$!
pids+=($a)
sleep 1
"$BIN" watch --instance a "$D" --config "$T/fast.ini" >/dev/null 2>"$T/err"; rc=$?
check "a second watcher under the same name is refused" test $rc -eq 3
check "... saying so" grep -q "another watcher runs as instance 'a'" "$T/err"
kill -TERM $a
wait $a

# --- crash torture -------------------------------------------------------
C=$T/torture
mkdir -p "$C"
for i in $(seq 1 50); do page "$C/t-$i.png" "torture $i"; done
sums=$(for i in $(seq 1 50); do sha256sum "$C/t-$i.png" | cut -c1-64; done | sort)
kills=0
for round in $(seq 1 20); do
	"$BIN" watch --config "$T/fast.ini" --instance torture -q "$C" >/dev/null 2>>"$T/tlog" &
	wpid=$!
	sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
	[ $((RANDOM % 3)) -eq 0 ] && sleep 1
	kill -9 $wpid 2>/dev/null && kills=$((kills + 1))
	wait $wpid 2>/dev/null
done
echo "# killed the watcher $kills times; $(q "select count(*) from documents where file like '$C/t-%'") of 50 stored before the last start"
timeout 600 "$BIN" watch --config "$T/fast.ini" --instance torture --exit-when-idle -q "$C" >/dev/null 2>>"$T/tlog"; rc=$?
check "torture: the last run exits 0" test $rc -eq 0
check "torture: killed at least 15 times" test $kills -ge 15
got=$(q "select sha256 from documents where file like '$C/t-%'" | sort)
check "torture: every scan stored" test "$(printf '%s\n' "$got" | grep -c .)" -eq 50
check "torture: each exactly once, the right bytes" test "$got" = "$sums"
check "torture: one finished job per scan" test "$(q "select count(*) from jobs where instance = 'torture' and state = 'done' and outcome in ('filed','review')")" -eq 50
check "torture: nothing claimed, duplicate or refused" test "$(q "select count(*) from jobs where instance = 'torture' and (state != 'done' or outcome = 'duplicate')")" -eq 0
check "torture: inbox empty" test "$(find "$C" ! -type d ! -path '*/.chartroom/*' | wc -l)" -eq 0
check "torture: spool empty" test "$(find "$C/.chartroom" ! -type d ! -name '*.lock' | wc -l)" -eq 0
check "torture: failed folder empty" test "$(find "$T/failed" -name 't-*' | wc -l)" -eq 0
check "torture: integrity_check ok" test "$(q 'pragma integrity_check')" = ok
check "torture: originals intact" sh -c "cd '$CHARTROOM_STORE/originals' && for f in \$(find . -type f ! -name '*.tmp*'); do s=\$(sha256sum \"\$f\" | cut -c1-64); case \"\$f\" in *\$s*) ;; *) exit 1;; esac; done"
if grep -q "resumed" "$T/tlog"; then ok "torture: resumed claimed files after a kill"; else echo "# (no kill landed while a file was claimed)"; fi

# --- a failed folder on another filesystem ----------------------------
X=$T/exdev
mkdir -p "$X/in"
FX=$(mktemp -d /dev/shm/cr-failed.XXXXXX 2>/dev/null || true)
if [ -n "$FX" ] && [ "$(stat -c %d "$FX")" != "$(stat -c %d "$X")" ]; then
	cp "$S/bad/truncated.tif" "$X/in/"
	ln -s "$T/outside.png" "$X/in/link.tif"
	mkfifo "$X/in/pipe.tif"
	timeout 120 "$BIN" watch --config "$T/fast.ini" --failed "$FX" --exit-when-idle -q "$X/in" 2>"$T/xlog"; rc=$?
	check "EXDEV: watch exits 0" test $rc -eq 0
	check "EXDEV: the damaged scan is copied across" cmp -s "$S/bad/truncated.tif" "$FX/truncated.tif"
	check "EXDEV: the link is recreated as a link" test -L "$FX/link.tif"
	check "EXDEV: the FIFO is not copied (never opened)" test ! -e "$FX/pipe.tif"
	check "EXDEV: ... but its reason is there" test -s "$FX/pipe.tif.reason.txt"
	check "EXDEV: inbox and spool empty" test "$(find "$X/in" ! -type d ! -name '*.lock' | wc -l)" -eq 0
	rm -rf "$FX"
else
	echo "# (no second filesystem at /dev/shm: EXDEV case skipped)"
fi

# --- deterministic crash points ------------------------------------------
# kill -9 at the Nth rename/unlink of a run (strace fault injection), for
# N = 1..6, then a clean run: the claim, the commit-then-unlink and every
# step of a refusal are each interrupted at least once.
if command -v strace >/dev/null; then
	K=$T/points
	mkdir -p "$K"
	for i in 1 2 3; do page "$K/p-$i.png" "crash point $i"; done
	cp "$S/bad/corrupt.png" "$S/bad/not-an-image.tif" "$K/"
	ksums=$(for i in 1 2 3; do sha256sum "$K/p-$i.png" | cut -c1-64; done | sort)
	for n in 1 2 3 4 5 6; do
		(timeout 60 strace -f -o /dev/null \
			-e inject=rename,renameat,renameat2,unlink,unlinkat:signal=KILL:when=$n \
			"$BIN" watch --config "$T/fast.ini" --instance points --failed "$T/pfailed" \
			--exit-when-idle -q "$K" 2>>"$T/plog"; :) 2>/dev/null
	done
	timeout 120 "$BIN" watch --config "$T/fast.ini" --instance points --failed "$T/pfailed" \
		--exit-when-idle -q "$K" 2>>"$T/plog"; rc=$?
	check "crash points: the last run exits 0" test $rc -eq 0
	got=$(q "select sha256 from documents where file like '$K/p-%'" | sort)
	check "crash points: each good scan stored once" test "$got" = "$ksums"
	check "crash points: both bad files refused, once each" test "$(find "$T/pfailed" -maxdepth 1 -type f ! -name '*.reason.txt' | wc -l)" -eq 2
	check "crash points: every refused file has its reason" test "$(find "$T/pfailed" -maxdepth 1 -name '*.reason.txt' -size +0 | wc -l)" -eq 2
	check "crash points: nothing left claimed" test "$(q "select count(*) from jobs where instance = 'points' and state = 'claimed'")" -eq 0
	check "crash points: inbox and spool empty" test "$(find "$K" ! -type d ! -name '*.lock' | wc -l)" -eq 0
else
	echo "# (strace not installed: crash points skipped)"
fi

echo "# $passes passed, $fails failed"
[ $fails -eq 0 ]
