#!/usr/bin/env bash
# e2e_access.sh - the real chartroom binary on users and the audit log:
# user add/passwd/disable/enable/list, the audit entries that search,
# show, export, review assign and refile write, audit log filters, and
# audit verify catching a changed, a deleted and an inserted entry made
# with the sqlite3 shell, as someone with write access to the database
# (but not to audit.key) would.
#
# No OCR here: documents are put in with sqlite3, so this runs in seconds.
set -uo pipefail

BIN=${CHARTROOM_BIN:-build/chartroom}
SRC=${CHARTROOM_SOURCE_DIR:-.}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export CHARTROOM_STORE=$T/store
DB=$CHARTROOM_STORE/chartroom.db
ME="cli:$(id -un)"
PW='correct horse battery'
fails=0 passes=0
ok() { echo "ok   - $*"; passes=$((passes + 1)); }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else bad "$what"; fi; }
for tool in sqlite3 jq; do
	command -v $tool >/dev/null || { echo "e2e_access: needs $tool (deps.sh)"; exit 1; }
done
# The last audit entry with this action, as JSON.
last() { "$BIN" audit log --json --action "$1" --limit 1; }

check "init" "$BIN" init

# --- users -------------------------------------------------------------
echo "$PW" | "$BIN" user add alice --role admin --password-stdin >"$T/out" 2>&1; rc=$?
check "user add exits 0" test $rc -eq 0
check "... and says so" grep -q "user alice added as admin" "$T/out"
echo "$PW" | "$BIN" user add drjones --role physician \
	--physician "Dr. Eleanor Whitaker" --password-stdin >/dev/null 2>"$T/err"; rc=$?
check "physician added" test $rc -eq 0
check "... with a warning while the roster lacks the name" grep -q "no patient in the roster" "$T/err"
echo "$PW" | "$BIN" user add alice --role clerk --password-stdin >/dev/null 2>"$T/err"; rc=$?
check "an existing name exits 1" test $rc -eq 1
check "... and says it exists" grep -q "already exists" "$T/err"
echo "$PW" | "$BIN" user add bob --role root --password-stdin >/dev/null 2>&1; rc=$?
check "an unknown role exits 2" test $rc -eq 2
echo "$PW" | "$BIN" user add Bob --role clerk --password-stdin >/dev/null 2>&1; rc=$?
check "an uppercase name exits 2" test $rc -eq 2
echo "$PW" | "$BIN" user add bob --role physician --password-stdin >/dev/null 2>&1; rc=$?
check "a physician without --physician exits 2" test $rc -eq 2
"$BIN" user add bob --role clerk "$PW" >/dev/null 2>&1; rc=$?
check "a password on the command line is refused (exit 2)" test $rc -eq 2
echo "short" | "$BIN" user add bob --role clerk --password-stdin >/dev/null 2>"$T/err"; rc=$?
check "a short password exits 1" test $rc -eq 1
check "... and says why" grep -q "too short" "$T/err"
"$BIN" user add bob --role clerk --password-stdin </dev/null >/dev/null 2>&1; rc=$?
check "no password line exits 1" test $rc -eq 1
echo "$PW" | "$BIN" user add bob --role clerk --password-stdin >/dev/null 2>&1
echo "$PW" | "$BIN" user add olga --role operator --password-stdin >/dev/null 2>&1

"$BIN" user list --json >"$T/users" 2>&1; rc=$?
check "user list --json exits 0" test $rc -eq 0
check "four users listed" test "$(wc -l <"$T/users")" -eq 4
check "roles as given" test "$(jq -r '.name + ":" + .role' "$T/users" | tr '\n' ' ')" = \
	"alice:admin bob:clerk drjones:physician olga:operator "
check "physician name kept" test "$(jq -r 'select(.name=="drjones").physician' "$T/users")" = "Dr. Eleanor Whitaker"
check "no password or hash in the listing" sh -c "! grep -qiE 'argon|horse|pwhash' '$T/users'"
check "no hash in the text listing either" sh -c "'$BIN' user list | grep -vqiE 'argon|horse'"
check "only the hash is stored" test "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE pwhash LIKE '\$argon2id\$%' AND pwhash NOT LIKE '%horse%'")" -eq 4

echo "another long password" | "$BIN" user passwd bob --password-stdin >/dev/null 2>&1; rc=$?
check "user passwd exits 0" test $rc -eq 0
echo "another long password" | "$BIN" user passwd nobody --password-stdin >/dev/null 2>&1; rc=$?
check "passwd of an unknown user exits 1" test $rc -eq 1
"$BIN" user disable olga >/dev/null; rc=$?
check "user disable exits 0" test $rc -eq 0
check "... and the list shows it" test "$("$BIN" user list --json | jq -r 'select(.name=="olga").disabled')" = true
"$BIN" user disable nobody >/dev/null 2>&1; rc=$?
check "disabling an unknown user exits 1" test $rc -eq 1
check "user enable" "$BIN" user enable olga
sqlite3 "$DB" "DELETE FROM users WHERE name = 'olga'" 2>/dev/null; rc=$?
check "users cannot be deleted" test $rc -ne 0

# --- audited reads and changes from the command line --------------------
"$BIN" patients import "$SRC/samples/roster.csv" >/dev/null 2>&1
m1=$(sed -n 2p "$SRC/samples/roster.csv" | cut -d, -f1)
m2=$(sed -n 3p "$SRC/samples/roster.csv" | cut -d, -f1)
fam1=$(sed -n 2p "$SRC/samples/roster.csv" | cut -d, -f2)
printf 'fake scan bytes\n' >"$T/scan.bin"
sha=$(sha256sum "$T/scan.bin" | cut -d' ' -f1)
mkdir -p "$CHARTROOM_STORE/originals/${sha:0:2}"
cp "$T/scan.bin" "$CHARTROOM_STORE/originals/${sha:0:2}/$sha"
sqlite3 "$DB" "INSERT INTO documents(id, file, sha256, size_bytes, original_path, status, doc_type, pages, reason)
	VALUES (1, 'scan.bin', '$sha', 16, '$T/scan.bin', 'review', 'chart', 0, 'no second identifier');
	INSERT INTO candidates(document_id, rank, mrn, score) VALUES (1, 1, '$m1', 0.8);
	INSERT INTO links(document_id, actor, status, reason) VALUES (1, 'intake', 'review', 'test');"

"$BIN" search --name "$fam1" >/dev/null 2>&1
e=$(last search)
check "search is audited as $ME" test "$(jq -r .user <<<"$e")" = "$ME"
check "... with the filters named, not their values" test "$(jq -r .detail <<<"$e")" = "filters: name; 0 hits"
"$BIN" search --mrn "$m1" >/dev/null 2>&1
check "an MRN search records the MRN" test "$(last search | jq -r .mrn)" = "$m1"
"$BIN" review assign 1 "$m1" --reason "label matches $fam1" >/dev/null 2>&1; rc=$?
check "review assign exits 0" test $rc -eq 0
e=$(last assign)
check "assign is audited with patient and document" test "$(jq -r '.mrn + " " + (.document_id|tostring) + " " + .outcome' <<<"$e")" = "$m1 1 allowed"
"$BIN" show 1 >/dev/null 2>&1
e=$(last document_view)
check "show is audited" test "$(jq -r '.mrn + " " + (.document_id|tostring)' <<<"$e")" = "$m1 1"
"$BIN" export 1 --original "$T/copy.bin" >/dev/null 2>&1; rc=$?
check "export exits 0" test $rc -eq 0
check "export is audited" test "$(last export | jq -r '.detail + " " + (.document_id|tostring)')" = "original 1"
"$BIN" refile 1 "$m2" --force >/dev/null 2>&1; rc=$?
check "refile exits 0" test $rc -eq 0
e=$(last refile)
check "refile is audited with the new patient" test "$(jq -r .mrn <<<"$e")" = "$m2"
check "... and the old one as an id" test "$(jq -r .detail <<<"$e")" = "was filed to $m1, forced"
check "no patient name anywhere in the audit log" \
	test "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE detail LIKE '%${fam1//\'/\'\'}%' OR user LIKE '%${fam1//\'/\'\'}%'")" -eq 0

# --- audit log ----------------------------------------------------------
"$BIN" audit log --json >"$T/log" 2>&1; rc=$?
check "audit log exits 0" test $rc -eq 0
check "user changes are in it" test "$(jq -r 'select(.action|startswith("user_")).action' "$T/log" | sort -u | tr '\n' ' ')" = \
	"user_add user_disable user_enable user_passwd "
check "oldest first" test "$(jq -s 'map(.id) == (map(.id)|sort)' "$T/log")" = true
check "each entry carries its hash" test "$(jq -r '.hash|length' "$T/log" | sort -u)" = 64
"$BIN" audit log --json --patient "$m1" >"$T/log" 2>&1
check "--patient filters" test "$(jq -r .mrn "$T/log" | sort -u)" = "$m1"
check "... and finds search, assign, show, export" test "$(jq -r .action "$T/log" | sort -u | tr '\n' ' ')" = \
	"assign audit_view document_view export search "
"$BIN" audit log --user nobody >/dev/null 2>&1; rc=$?
check "no match exits 1" test $rc -eq 1
"$BIN" audit log --since 2999-01-01 >/dev/null 2>&1; rc=$?
check "--since in the future matches nothing" test $rc -eq 1
"$BIN" audit log --since yesterday >/dev/null 2>&1; rc=$?
check "a bad --since exits 2" test $rc -eq 2
check "reading the log is itself audited" test "$(last audit_view | jq -r .user)" = "$ME"
"$BIN" audit log >"$T/text" 2>&1
check "text log has one line per entry" test "$(wc -l <"$T/text")" -ge 20

# --- verify and tampering -------------------------------------------------
"$BIN" audit verify >"$T/v" 2>&1; rc=$?
check "an untouched log verifies (exit 0)" test $rc -eq 0
check "... and says intact" grep -q "intact" "$T/v"
"$BIN" audit verify --json >"$T/v" 2>&1
check "verify --json: intact" test "$(jq -r .intact "$T/v")" = true
check "key file is 0600" test "$(stat -c %a "$CHARTROOM_STORE/audit.key")" = 600
sqlite3 "$DB" "UPDATE audit SET user = 'x' WHERE id = 1" 2>/dev/null; rc=$?
check "the triggers refuse an UPDATE" test $rc -ne 0
sqlite3 "$DB" "DELETE FROM audit WHERE id = 1" 2>/dev/null; rc=$?
check "the triggers refuse a DELETE" test $rc -ne 0

cp "$DB" "$T/clean.db"
restore() { cp "$T/clean.db" "$DB"; rm -f "$DB-wal" "$DB-shm"; }

sqlite3 "$DB" "DROP TRIGGER audit_no_update; UPDATE audit SET outcome = 'denied' WHERE id = 3;"
"$BIN" audit verify --json >"$T/v" 2>/dev/null; rc=$?
check "a changed entry: exit 1" test $rc -eq 1
check "... named: entry 3 changed" test "$(jq -c '[.problems[] | [.fault, .id]]' "$T/v")" = '[["changed",3]]'
restore

sqlite3 "$DB" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 5;"
"$BIN" audit verify >"$T/v" 2>/dev/null; rc=$?
check "a deleted entry: exit 1" test $rc -eq 1
check "... named: entry 5 deleted" grep -q "^deleted *entry 5 was deleted" "$T/v"
restore

sqlite3 "$DB" "DROP TRIGGER audit_no_update;
	UPDATE audit SET id = id + 100000 WHERE id >= 4;
	UPDATE audit SET id = id - 99999 WHERE id >= 100000;
	INSERT INTO audit SELECT 4, at_ms, 'alice', 'search', mrn, document_id, remote, outcome, detail, prev, hash FROM audit WHERE id = 5;"
"$BIN" audit verify --json >"$T/v" 2>/dev/null; rc=$?
check "an inserted entry: exit 1" test $rc -eq 1
check "... named: entry 4 inserted" test "$(jq -c '[.problems[] | [.fault, .id]]' "$T/v")" = '[["inserted",4]]'
restore

n=$(sqlite3 "$DB" "SELECT max(id) FROM audit")
sqlite3 "$DB" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id > $((n - 3));"
"$BIN" audit verify --json >"$T/v" 2>/dev/null; rc=$?
check "a cut-off end: exit 1" test $rc -eq 1
check "... named: truncated $((n - 2))..$n" test "$(jq -c '[.problems[] | [.fault, .first_id, .last_id]]' "$T/v")" = "[[\"truncated\",$((n - 2)),$n]]"
restore

"$BIN" audit verify >/dev/null 2>&1; rc=$?
check "restored copy verifies again" test $rc -eq 0

for c in user audit; do
	check "$c --help" "$BIN" $c --help
done
"$BIN" user frobnicate >/dev/null 2>&1; rc=$?
check "unknown user verb exits 2" test $rc -eq 2
"$BIN" audit frobnicate >/dev/null 2>&1; rc=$?
check "unknown audit verb exits 2" test $rc -eq 2

echo "e2e_access: $passes passed, $fails failed"
[ $fails -eq 0 ]
