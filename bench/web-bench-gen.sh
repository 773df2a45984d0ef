#!/usr/bin/env bash
# web-bench-gen.sh STORE [DOCUMENTS] - fill a fresh store with synthetic
# records for bench/web-bench.sh: 2,000 patients and DOCUMENTS documents
# (default 100,000), one page of text each, indexed by the store's own
# FTS triggers.
#
# A benchmark fixture, not intake: rows go straight in with sqlite3 (no
# OCR, no originals on disk), in one transaction, in about a minute.
# Page text is drawn from a fixed vocabulary with a skewed distribution
# (a few words on most pages, clinical terms on few), seeded, so two runs
# build the same store.
set -euo pipefail

STORE=${1:?usage: web-bench-gen.sh STORE [DOCUMENTS]}
N=${2:-100000}
BIN=${CHARTROOM_BIN:-build/chartroom}
command -v sqlite3 >/dev/null || { echo "web-bench-gen: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 2; }

[ -e "$STORE/chartroom.db" ] && { echo "web-bench-gen: $STORE already has a store" >&2; exit 2; }
"$BIN" init --store "$STORE" >/dev/null
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Page text: N lines of "<doc number>\t<60 words>".  Word k is drawn as
# floor(V * u^5), u uniform, so early words are common and late ones rare.
awk -v n="$N" 'BEGIN {
	srand(42);
	v = split("the patient was seen today for follow up and reports no new complaints " \
		"history of present illness review of systems physical examination vital signs " \
		"blood pressure heart rate temperature respiratory rate oxygen saturation room air " \
		"assessment plan continue current medications return to clinic in weeks " \
		"diabetes mellitus type hypertension hyperlipidemia chronic kidney disease " \
		"congestive heart failure atrial fibrillation anticoagulation warfarin metformin " \
		"insulin lisinopril amlodipine atorvastatin aspirin furosemide potassium " \
		"discharge summary admission date discharge date principal diagnosis " \
		"secondary diagnoses hospital course consults procedures imaging laboratory " \
		"results hemoglobin creatinine sodium glucose troponin lactate culture " \
		"chest radiograph computed tomography ultrasound echocardiogram ejection fraction " \
		"pneumonia bronchitis asthma copd exacerbation sepsis urinary tract infection " \
		"cellulitis osteomyelitis pancreatitis cholecystitis appendicitis diverticulitis " \
		"pulmonary embolism deep vein thrombosis stroke transient ischemic attack " \
		"myocardial infarction angina syncope seizure migraine dementia delirium " \
		"depression anxiety schizophrenia alcohol withdrawal opioid overdose naloxone " \
		"fracture hip replacement knee arthroplasty laminectomy cholecystectomy " \
		"authorization release information insurance attorney disability claim " \
		"signature witness relationship daughter son wife husband guardian " \
		"pneumothorax sarcoidosis amyloidosis myasthenia gravis guillain barre " \
		"pheochromocytoma acromegaly addison cushing hashimoto graves thyroidectomy", w, " ");
	for (i = 1; i <= n; i++) {
		line = "";
		for (j = 0; j < 60; j++) {
			u = rand();
			line = line (j ? " " : "") w[1 + int(v * u * u * u * u * u)];
		}
		printf "%d\t%s\n", i, line;
	}
}' >"$TMP/pages.tsv"

sqlite3 "$STORE/chartroom.db" <<SQL
PRAGMA synchronous = OFF;
CREATE TEMP TABLE bench_text(i INTEGER PRIMARY KEY, text TEXT);
CREATE TEMP TABLE fam(k INTEGER PRIMARY KEY, name TEXT);
CREATE TEMP TABLE giv(k INTEGER PRIMARY KEY, name TEXT);
INSERT INTO fam(name) VALUES ('Garcia'),('Nguyen'),('Smith'),('Johnson'),('Okafor'),
 ('Kowalski'),('Haddad'),('Ivanova'),('Brennan'),('Thompson'),('Fitzgerald'),('Chen'),
 ('Patel'),('Rossi'),('Müller'),('O''Donnell'),('Garcia-Lopez'),('Kim'),('Silva'),('Cohen');
INSERT INTO giv(name) VALUES ('Maria'),('John'),('Linh'),('Peter'),('Samir'),('Elena'),
 ('Harold'),('Dorothy'),('Eileen'),('Margaret'),('Patrick'),('Grace'),('Daniel'),('Minh'),
 ('Ruth'),('Ahmed'),('Aisha'),('Tomasz'),('Chiara'),('Noah');
.mode tabs
.import $TMP/pages.tsv bench_text
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999)
INSERT INTO patients(mrn, family_name, given_name, birth_date, sex, physician)
SELECT printf('9%07d', i), (SELECT name FROM fam WHERE k = 1 + i % 20),
       (SELECT name FROM giv WHERE k = 1 + (i / 20) % 20),
       date('1930-01-01', '+' || ((i * 7919) % 29000) || ' days'),
       CASE i % 2 WHEN 0 THEN 'F' ELSE 'M' END, 'Dr. Bench ' || (i % 50)
FROM n;
-- One in 50 documents waits in review (no patient); the rest are filed.
INSERT INTO documents(id, file, sha256, size_bytes, status, doc_type, patient_mrn,
                      document_date, pages, confidence, reason, source)
SELECT i, 'bench/scan-' || i || '.tif', lower(hex(randomblob(32))), 48000 + i % 9000,
       CASE WHEN i % 50 = 0 THEN 'review' ELSE 'filed' END,
       CASE i % 7 WHEN 0 THEN 'correspondence' WHEN 1 THEN 'release_form'
                  WHEN 2 THEN 'release_form' ELSE 'chart' END,
       CASE WHEN i % 50 = 0 THEN NULL ELSE printf('9%07d', (i * 7919) % 2000) END,
       date('2015-01-01', '+' || ((i * 104729) % 3650) || ' days'), 1,
       CASE WHEN i % 50 = 0 THEN 0.4 ELSE 0.97 END,
       CASE WHEN i % 50 = 0 THEN 'bench: no roster patient matches' END, 'bench'
FROM bench_text;
INSERT INTO pages(document_id, page_index, width, height, dpi, rotation_deg, mean_conf, text)
SELECT i, 0, 2550, 3300, 300, 0, 0.91, text FROM bench_text;
INSERT INTO links(document_id, actor, status, mrn, reason)
SELECT id, 'intake', status, patient_mrn, reason FROM documents;
COMMIT;
INSERT INTO pages_fts(pages_fts) VALUES ('optimize');
ANALYZE;
SQL
echo "web-bench-gen: $STORE holds $(sqlite3 "$STORE/chartroom.db" 'SELECT count(*) FROM documents') documents of $(sqlite3 "$STORE/chartroom.db" 'SELECT count(*) FROM patients') patients"
