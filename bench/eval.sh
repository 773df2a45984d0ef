#!/usr/bin/env bash
# eval.sh - how well `chartroom ingest` files a labelled corpus, side by side with a naive
# baseline on the same scans.  Behind `make eval`.
#
# usage: bench/eval.sh [CORPUS_DIR]
#
#   CORPUS_DIR holds the scans, roster.csv and truth.csv (columns file, expected_status, mrn,
#   doc_type, birth_date, document_date, patient_name, notes; `file` relative to CORPUS_DIR).
#   Without it the development corpus is generated into build/eval-corpus by
#   samples/corpus/generate-corpus.sh, once: it is reused while the generator is unchanged
#   (its sha256 is kept in build/eval-corpus/.generator).  PLAN_SEED=N draws another plan
#   of the same generator into build/eval-corpus-planN.
#
# Chartroom: a fresh store in a temporary folder, `init`, `patients import roster.csv`,
# `ingest --json --workers 2` over every file of truth.csv.
# Baseline: `tesseract FILE stdout` (OMP_THREAD_LIMIT=1, two at a time), then "grep for a roster
# MRN and its birth date": filed to a patient when the text holds their MRN (exact digits) and
# their birth date as MM/DD/YYYY, YYYY-MM-DD or M/D/YYYY, and only when exactly one patient
# qualifies; otherwise review.  Its doc type: "authorization"/"release" -> release_form, "dear"
# -> correspondence, "progress note"/"discharge" -> chart, else unknown.  Its birth date is the
# date it matched; it reads no document date.  Tesseract's text is cached per file sha256 in
# build/eval-baseline-cache/ (EVAL_NO_CACHE=1 to OCR again).
#
# Prints one table and writes the same figures as JSON to build/eval-result.json; per-document
# rows (truth, chartroom's answer, the baseline's) go to build/eval-details.jsonl.
# Exit status: 0 no misfile by chartroom; 1 chartroom misfiled something; 2 usage; 3 could not run.
#
# Environment: CHARTROOM_BIN (default build/chartroom), EVAL_N (corpus size, default 160),
# EVAL_WORKERS (default 2), EVAL_NO_CACHE, EVAL_ROSTER_N (pad the roster to this many patients,
# look-alikes made of its own names; `EVAL_ROSTER_N=30000 make eval`).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${CHARTROOM_BIN:-$ROOT/build/chartroom}
GEN=$ROOT/samples/corpus/generate-corpus.sh
OUTDIR=$ROOT/build
RESULT=$OUTDIR/eval-result.json
DETAILS=$OUTDIR/eval-details.jsonl
WORKERS=${EVAL_WORKERS:-2}

die() { echo "eval.sh: $*" >&2; exit 3; }
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; -*) echo "usage: bench/eval.sh [CORPUS_DIR]" >&2; exit 2 ;; esac
(( $# <= 1 )) || { echo "usage: bench/eval.sh [CORPUS_DIR]" >&2; exit 2; }
for t in jq awk tesseract sha256sum xargs; do command -v "$t" >/dev/null || die "$t not found"; done
[[ -x $BIN ]] || die "$BIN not built (cmake --build build)"
mkdir -p "$OUTDIR"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------------------------------------
# 1. The corpus
# ---------------------------------------------------------------------------------------------
GEN_S=null
if (( $# == 1 )); then
    [[ -d $1 ]] || die "$1: no such folder"
    CORPUS=$(cd "$1" && pwd)
else
    # PLAN_SEED (the generator's) draws another plan: its own folder, so that switching
    # back does not regenerate the default one
    CORPUS=$OUTDIR/eval-corpus${PLAN_SEED:+-plan$PLAN_SEED}
    stamp="$(sha256sum "$GEN" | cut -d' ' -f1) n=${EVAL_N:-160} roster=${ROSTER_N:-3000} plan=${PLAN_SEED:-}"
    if [[ ! -f $CORPUS/.generator || $(cat "$CORPUS/.generator") != "$stamp" ]]; then
        echo "eval.sh: generating the development corpus into $CORPUS ..." >&2
        rm -rf "$CORPUS" "$CORPUS.part"
        t0=$(now)
        bash "$GEN" "$CORPUS.part" "${EVAL_N:-160}" || die "corpus generation failed"
        GEN_S=$(secs "$t0" "$(now)")
        echo "$stamp" > "$CORPUS.part/.generator"
        mv "$CORPUS.part" "$CORPUS"
    fi
fi
[[ -f $CORPUS/truth.csv && -f $CORPUS/roster.csv ]] || die "$CORPUS needs truth.csv and roster.csv"

# csvsplit(line, fields): one CSV line (RFC 4180 quoting) into fields[1..n]; prepended to
# the awk programs below that read roster.csv or truth.csv.
AWK_CSV='
function csvsplit(s, f,    n, i, c, q, cur) {
    n = 0; cur = ""; q = 0
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (q) {
            if (c == "\"") { if (substr(s, i + 1, 1) == "\"") { cur = cur "\""; i++ } else q = 0 }
            else cur = cur c
        } else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = cur; cur = "" }
        else cur = cur c
    }
    f[++n] = cur
    return n
}
'

T=$(mktemp -d "${TMPDIR:-/tmp}/chartroom-eval.XXXXXX")
trap 'rm -rf "$T"' EXIT

# truth.csv -> TSV: file status mrn doc_type birth_date document_date two_ids(0/1) label(0/1)
awk "$AWK_CSV"'
{ sub(/\r$/, "") }
NR == 1 { n = csvsplit($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
$0 != "" {
    csvsplit($0, f)
    notes = f[col["notes"]]
    gsub(/\t/, " ", notes)
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", f[col["file"]], f[col["expected_status"]], f[col["mrn"]],
        f[col["doc_type"]], f[col["birth_date"]], f[col["document_date"]],
        (index(notes, "two identifiers") > 0), (index(notes, "printed label") > 0)
}' "$CORPUS/truth.csv" > "$T/truth.tsv"
NDOC=$(wc -l < "$T/truth.tsv")
(( NDOC > 0 )) || die "$CORPUS/truth.csv lists no documents"
files=()
while IFS=$'\t' read -r f _; do
    [[ -e $CORPUS/$f ]] || die "$CORPUS/$f listed in truth.csv but missing"
    files+=( "$CORPUS/$f" )
done < "$T/truth.tsv"
ROSTER=$CORPUS/roster.csv
NROSTER=$(( $(wc -l < "$ROSTER") - 1 ))
# A larger roster, for the held-out case of many look-alikes: pad it to EVAL_ROSTER_N patients
# made of the roster's own family and given names (so most share a name with someone), birth
# dates and MRNs at random (seeded).  The truth stays true: no padded patient repeats a
# roster MRN or a name + birth date of the roster or of any name + birth date written on a
# document (a review document's person not in the roster stays not in the roster).
if (( ${EVAL_ROSTER_N:-0} > NROSTER )); then
    awk -v want="$EVAL_ROSTER_N" "$AWK_CSV"'
    function key(fam, giv, dob) { return tolower(fam) "|" tolower(giv) "|" dob }
    { sub(/\r$/, "") }
    FILENAME == ARGV[1] && FNR == 1 { print; nh = csvsplit($0, h); for (i = 1; i <= nh; i++) col[h[i]] = i; next }
    FILENAME == ARGV[1] {
        print; n++; csvsplit($0, f)
        fams[++nf] = f[col["family_name"]]; givs[++ng] = f[col["given_name"]]; sexes[ng] = f[col["sex"]]
        used[f[col["mrn"]]] = 1; taken[key(f[col["family_name"]], f[col["given_name"]], f[col["birth_date"]])] = 1
        phys = f[col["physician"]]
        next
    }
    FNR == 1 { csvsplit($0, h); for (i in h) tcol[h[i]] = i; next }
    {
        csvsplit($0, f); name = f[tcol["patient_name"]]; dob = f[tcol["birth_date"]]
        if (name == "" || dob == "") next
        if (index(name, ",")) { fam = substr(name, 1, index(name, ",") - 1); giv = substr(name, index(name, ",") + 1) }
        else { k = split(name, w, " "); fam = w[k]; giv = w[1] }
        gsub(/^ +| +$/, "", fam); gsub(/^ +| +$/, "", giv)
        taken[key(fam, giv, dob)] = 1; taken[key(giv, fam, dob)] = 1
    }
    END {
        srand(7)
        while (n < want) {
            fam = fams[int(rand() * nf) + 1]; g = int(rand() * ng) + 1
            dob = sprintf("%04d-%02d-%02d", 1925 + int(rand() * 100), 1 + int(rand() * 12), 1 + int(rand() * 28))
            mrn = sprintf("%08d", int(rand() * 100000000))
            if ((mrn in used) || (key(fam, givs[g], dob) in taken)) continue
            used[mrn] = 1; taken[key(fam, givs[g], dob)] = 1
            for (i = 1; i <= nh; i++) v[i] = ""
            v[col["mrn"]] = mrn; v[col["family_name"]] = fam; v[col["given_name"]] = givs[g]
            v[col["birth_date"]] = dob; v[col["sex"]] = sexes[g]; v[col["physician"]] = phys
            line = v[1]; for (i = 2; i <= nh; i++) line = line "," v[i]
            print line; n++
        }
    }' "$CORPUS/roster.csv" "$CORPUS/truth.csv" > "$T/roster.csv"
    ROSTER=$T/roster.csv
    NROSTER=$(( $(wc -l < "$ROSTER") - 1 ))
fi
jq -Rn '[inputs | split("\t") | {file: .[0], status: .[1], mrn: .[2], doc_type: .[3],
         birth_date: .[4], document_date: .[5], two: (.[6] == "1"), label: (.[7] == "1")}]' \
    < "$T/truth.tsv" > "$T/truth.json"
PAGES=$(for f in "${files[@]}"; do { identify "$f" 2>/dev/null || true; } | wc -l; done | awk '{ s += $1 } END { print s + 0 }')

# ---------------------------------------------------------------------------------------------
# 2. Chartroom
# ---------------------------------------------------------------------------------------------
echo "eval.sh: chartroom ingest of $NDOC documents ($PAGES pages), $WORKERS workers ..." >&2
"$BIN" init --store "$T/store" >/dev/null || die "chartroom init failed"
"$BIN" patients import --store "$T/store" "$ROSTER" > "$T/import.out" 2>&1 ||
    { (( $? == 1 )) || { cat "$T/import.out" >&2; die "roster import failed"; }; }
t0=$(now)
rc=0
"$BIN" ingest --store "$T/store" --json --workers "$WORKERS" "${files[@]}" > "$T/chartroom.jsonl" 2> "$T/ingest.err" || rc=$?
CR_S=$(secs "$t0" "$(now)")
if (( rc > 1 )); then cat "$T/ingest.err" >&2; die "chartroom ingest exited with $rc"; fi
(( $(wc -l < "$T/chartroom.jsonl") == NDOC )) || { cat "$T/ingest.err" >&2; die "chartroom printed $(wc -l < "$T/chartroom.jsonl") lines for $NDOC files"; }
jq -s --arg p "$CORPUS/" '[.[] | {file: (.file | ltrimstr($p)), status, mrn: (.patient.mrn // ""),
        doc_type, birth_date: (.fields.birth_date // ""), document_date: (.fields.document_date // ""),
        reason: (.reason // ""), fields, confidence, candidates: (.candidates // [])}]' \
    "$T/chartroom.jsonl" > "$T/chartroom.json" || die "chartroom output is not JSON"

# ---------------------------------------------------------------------------------------------
# 3. The naive baseline: tesseract, then grep for a roster MRN and its birth date
# ---------------------------------------------------------------------------------------------
TV=$(tesseract --version 2>&1 | head -1 | tr -c 'A-Za-z0-9.\n' _)
CACHE=$OUTDIR/eval-baseline-cache/$TV
[[ -n ${EVAL_NO_CACHE:-} ]] && CACHE=$T/ocr
mkdir -p "$CACHE"
: > "$T/ocr.list"; : > "$T/todo.list"
while read -r sha path; do
    rel=${path#"$CORPUS/"}
    printf '%s\t%s\n' "$rel" "$CACHE/$sha" >> "$T/ocr.list"
    [[ -f $CACHE/$sha.txt || -f $CACHE/$sha.fail ]] || printf '%s\n%s\n' "$path" "$CACHE/$sha" >> "$T/todo.list"
done < <(sha256sum "${files[@]}" | sed 's/^\\//; s/  / /')
NTODO=$(( $(wc -l < "$T/todo.list") / 2 ))
echo "eval.sh: baseline: tesseract on $NTODO files ($(( NDOC - NTODO )) cached), 2 at a time ..." >&2
t0=$(now)
if (( NTODO )); then
    # shellcheck disable=SC2016
    xargs -d '\n' -n 2 -P 2 sh -c \
        'if OMP_THREAD_LIMIT=1 tesseract "$0" stdout > "$1.part" 2>/dev/null; then mv "$1.part" "$1.txt"; else rm -f "$1.part"; : > "$1.fail"; fi' \
        < "$T/todo.list"
fi
BL_S=$(secs "$t0" "$(now)")
# -> TSV: file status mrn doc_type birth_date
awk -F'\t' "$AWK_CSV"'
FNR == 1 && FILENAME == ROSTER { n = csvsplit($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
FILENAME == ROSTER {
    sub(/\r$/, ""); csvsplit($0, f)
    m = f[col["mrn"]]; d = f[col["birth_date"]]
    if (m == "" || d !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) next
    np++; pm[np] = m; pd[np] = d
    y = substr(d, 1, 4); mo = substr(d, 6, 2); dd = substr(d, 9, 2)
    f1[np] = mo "/" dd "/" y; f2[np] = d; f3[np] = (mo + 0) "/" (dd + 0) "/" y
    if (m ~ /^[0-9]+$/) bymrn[m] = bymrn[m] " " np; else odd[np] = 1
    next
}
{
    file = $1; base = $2; text = ""; status = "review"; mrn = ""; dob = ""
    if ((getline line < (base ".txt")) < 0) {
        print file "\trejected\t\tunknown\t"; next
    }
    text = line
    while ((getline line < (base ".txt")) > 0) text = text "\n" line
    close(base ".txt")
    # every run of digits in the text is a possible MRN
    delete cand; nc = 0
    s = text; gsub(/[^0-9]+/, " ", s); k = split(s, runs, " ")
    for (i = 1; i <= k; i++) if (runs[i] in bymrn) {
        split(substr(bymrn[runs[i]], 2), ps, " ")
        for (j in ps) cand[ps[j]] = 1
    }
    for (p in odd) if (index(text, pm[p])) cand[p] = 1
    hits = 0
    for (p in cand) if (index(text, f1[p]) || index(text, f2[p]) || index(text, f3[p])) { hits++; hit = p }
    if (hits == 1) { status = "filed"; mrn = pm[hit]; dob = pd[hit] }
    low = tolower(text)
    if (index(low, "authorization") || index(low, "release")) type = "release_form"
    else if (index(low, "dear")) type = "correspondence"
    else if (index(low, "progress note") || index(low, "discharge")) type = "chart"
    else type = "unknown"
    print file "\t" status "\t" mrn "\t" type "\t" dob
}' ROSTER="$ROSTER" "$ROSTER" "$T/ocr.list" > "$T/baseline.tsv"
jq -Rn '[inputs | split("\t") | {file: .[0], status: .[1], mrn: .[2], doc_type: .[3],
         birth_date: .[4], document_date: ""}]' < "$T/baseline.tsv" > "$T/baseline.json"

# ---------------------------------------------------------------------------------------------
# 4. Figures
# ---------------------------------------------------------------------------------------------
jq -n --slurpfile truth "$T/truth.json" --slurpfile cr "$T/chartroom.json" --slurpfile bl "$T/baseline.json" \
      --arg corpus "$CORPUS" --argjson roster "$NROSTER" --argjson pages "$PAGES" \
      --argjson cr_s "$CR_S" --argjson bl_s "$BL_S" --argjson gen_s "$GEN_S" --argjson ntodo "$NTODO" '
def frac($n; $of): {n: $n, of: $of, rate: (if $of > 0 then ($n / $of * 1000 | round) / 1000 else null end)};
def joined($out): ($out | map({key: .file, value: .}) | from_entries) as $o
    | $truth[0] | map(. as $t | {t: $t, o: ($o[$t.file] // {status: "missing", mrn: "", doc_type: "", birth_date: "", document_date: ""})});
def ok: .o.status == "filed" and .t.status == "filed" and .o.mrn == .t.mrn;
def metrics($out; $has_docdate):
    joined($out) as $j
    | ($j | map(select(.t.status != "rejected"))) as $d
    | {
        documents: ($d | length),
        straight_through: frac($d | map(select(ok)) | length; $d | length),
        straight_through_of_fileable: frac($d | map(select(ok)) | length; $d | map(select(.t.status == "filed")) | length),
        straight_through_two_identifiers: frac($d | map(select(.t.two and ok)) | length; $d | map(select(.t.two)) | length),
        straight_through_printed_label: frac($d | map(select(.t.label and ok)) | length; $d | map(select(.t.label)) | length),
        review_rate: frac($d | map(select(.o.status == "review")) | length; $d | length),
        misfiled: ($j | map(select(.o.status == "filed" and (ok | not))) | length),
        misfiled_wrong_patient: ($j | map(select(.o.status == "filed" and .t.status == "filed" and .o.mrn != .t.mrn)) | length),
        misfiled_should_review: ($j | map(select(.o.status == "filed" and .t.status != "filed")) | length),
        should_file_went_to_review: ($d | map(select(.t.status == "filed" and .o.status == "review")) | length),
        review_correct: frac($d | map(select(.t.status == "review" and .o.status == "review")) | length; $d | map(select(.t.status == "review")) | length),
        rejected_unexpectedly: ($d | map(select(.o.status == "rejected" or .o.status == "missing")) | length),
        rejected_as_expected: frac($j | map(select(.t.status == "rejected" and .o.status == "rejected")) | length; $j | map(select(.t.status == "rejected")) | length),
        duplicates: ($j | map(select(.o.status == "duplicate")) | length),
        doc_type_accuracy: frac($d | map(select(.o.doc_type == .t.doc_type)) | length; $d | length),
        birth_date_accuracy: frac($d | map(select(.t.birth_date != "" and .o.birth_date == .t.birth_date)) | length; $d | map(select(.t.birth_date != "")) | length),
        document_date_accuracy: (if $has_docdate
            then frac($d | map(select(.t.document_date != "" and .o.document_date == .t.document_date)) | length; $d | map(select(.t.document_date != "")) | length)
            else frac(0; $d | map(select(.t.document_date != "")) | length) + {rate: null, note: "not extracted"} end)
      };
def norm_reason: gsub("(?<w>match |matches |named |with |for |to |about )[A-Z][A-Za-z'\''.-]*( [A-Z][A-Za-z'\''.-]*)*"; "\(.w)<name>") | gsub("[0-9]+(\\.[0-9]+)?"; "#");
(joined($cr[0]) | map(select(.t.status == "filed" and .o.status == "review"))) as $missed
| {
    corpus: $corpus, documents: ($truth[0] | length), pages: $pages, roster_patients: $roster,
    generation_seconds: $gen_s,
    chartroom: (metrics($cr[0]; true) + {ingest_seconds: $cr_s}),
    baseline: (metrics($bl[0]; false) + {ocr_seconds: $bl_s, ocr_files_run: $ntodo}),
    review_reasons_for_fileable: ($missed | group_by(.o.reason | norm_reason)
        | map({reason: (.[0].o.reason | norm_reason), count: length,
               examples: (.[:3] | map({file: .t.file, reason: .o.reason, fields: .o.fields, truth_mrn: .t.mrn, truth_birth_date: .t.birth_date}))})
        | sort_by(-.count))
  }' > "$RESULT"
jq -n -c --slurpfile truth "$T/truth.json" --slurpfile cr "$T/chartroom.json" --slurpfile bl "$T/baseline.json" '
    ($cr[0] | map({key: .file, value: .}) | from_entries) as $c | ($bl[0] | map({key: .file, value: .}) | from_entries) as $b
    | $truth[0][] | {file, truth: ., chartroom: $c[.file], baseline: $b[.file]}' > "$DETAILS"

# ---------------------------------------------------------------------------------------------
# 5. The table
# ---------------------------------------------------------------------------------------------
jq -r '
def pct: if .rate == null then (if .note then "n/a (" + .note + ")" else "n/a" end)
         else "\(.rate * 1000 | round / 10 | tostring | if test("\\.") then . else . + ".0" end)%  (\(.n)/\(.of))" end;
def row($title; f): [$title, (.chartroom | f), (.baseline | f)] | @tsv;
"Chartroom evaluation: \(.corpus)",
"\(.documents) documents, \(.pages) pages, roster of \(.roster_patients) patients" + (if .generation_seconds then "; corpus generated in \(.generation_seconds) s" else "" end),
"",
(["", "chartroom", "baseline (tesseract + grep)"] | @tsv),
row("straight-through (filed right / non-rejected docs)"; .straight_through | pct),
row("  of documents that should be filed"; .straight_through_of_fileable | pct),
row("  on documents with two identifiers"; .straight_through_two_identifiers | pct),
row("  on documents with a printed label"; .straight_through_printed_label | pct),
row("review rate"; .review_rate | pct),
row("  review when truth says review"; .review_correct | pct),
row("  should be filed but went to review"; .should_file_went_to_review | tostring),
row("MISFILED"; .misfiled | tostring),
row("  filed to the wrong patient"; .misfiled_wrong_patient | tostring),
row("  filed when truth says review/rejected"; .misfiled_should_review | tostring),
row("rejected unexpectedly"; .rejected_unexpectedly | tostring),
(if .chartroom.rejected_as_expected.of > 0 then row("rejected as expected"; .rejected_as_expected | pct) else empty end),
row("duplicates"; .duplicates | tostring),
row("doc-type accuracy"; .doc_type_accuracy | pct),
row("birth-date accuracy"; .birth_date_accuracy | pct),
row("document-date accuracy"; .document_date_accuracy | pct),
(["time (s)", (.chartroom.ingest_seconds | tostring) + " ingest, 2 workers",
  (.baseline.ocr_seconds | tostring) + " OCR, 2 processes" + (if .baseline.ocr_files_run < .documents then " (\(.documents - .baseline.ocr_files_run) cached)" else "" end)] | @tsv)
' "$RESULT" | awk -F'\t' 'NF < 2 { print; next } { printf "%-52s %-24s %s\n", $1, $2, $3 }'

echo
echo "Why documents that should be filed went to review (chartroom, top 10):"
jq -r '.review_reasons_for_fileable[:10][] | "  \(.count)x  \(.reason)",
       (.examples[:2][] | "        \(.file) (truth \(.truth_mrn) \(.truth_birth_date)): fields \(.fields | tojson)")' "$RESULT"
echo
echo "eval.sh: results in $RESULT, per document in $DETAILS"

misfiled=$(jq '.chartroom.misfiled' "$RESULT")
if (( misfiled > 0 )); then
    echo "eval.sh: chartroom MISFILED $misfiled document(s):" >&2
    jq -r 'select(.chartroom.status == "filed" and (.truth.status != "filed" or .chartroom.mrn != .truth.mrn))
           | "  \(.file): filed to \(.chartroom.mrn), truth \(.truth.status) \(.truth.mrn)"' "$DETAILS" >&2
    exit 1
fi
exit 0
