/*
 * test_store.c - unit tests of the store module: the folder and schema,
 * the roster, the originals, documents in and out, search and relinking.
 * Every test gets a fresh store in its own mkdtemp() folder, removed
 * afterwards.  The schema and journal mode are checked by opening the
 * database with SQLite directly, as an operator's sqlite3 shell would.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "../store/store.h"

struct fx {
	char tmp[512];  /* the mkdtemp() folder */
	char dir[1024]; /* the store folder inside it */
	struct store *st;
	int64_t doc[10]; /* ids of the sample documents 1..9 */
	char sha[10][65];
};

#define MRN_SMITH "00482913"
#define MRN_SMITHERS "00517720"
#define MRN_UNDER "00600001"
#define MRN_UNDERX "00600002"
#define MRN_GARCIA "00700001"

/* ---- Helpers --------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct cr_err err;
	const char *base = getenv("TMPDIR");
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->tmp, sizeof(f->tmp), "%s/test_store.XXXXXX",
	         base != NULL && base[0] != '\0' ? base : "/tmp");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->dir, sizeof(f->dir), "%s/store", f->tmp);
	f->st = store_open(f->dir, STORE_CREATE, &err);
	if (f->st == NULL)
		fail_msg("store_open: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	nftw(f->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

#define OK(call)                                                               \
	do {                                                                   \
		struct cr_err e_;                                              \
		int rc_;                                                       \
		cr_err_clear(&e_);                                             \
		rc_ = (call);                                                  \
		if (rc_ != 0)                                                  \
			fail_msg("%s: %d %s", #call, rc_, e_.msg);             \
	} while (0)

/* Run a one-row query on the store's database from outside. */
static void sql_text(const char *dir, const char *sql, char *out, size_t size)
{
	char path[PATH_MAX];
	sqlite3_stmt *stmt;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/chartroom.db", dir);
	assert_int_equal(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	                 SQLITE_OK);
	out[0] = '\0';
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		snprintf(out, size, "%s", sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/* Run statements on the store's database from outside; SQLite's code. */
static int sql_exec(const char *dir, const char *sql)
{
	char path[PATH_MAX];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/chartroom.db", dir);
	assert_int_equal(
	    sqlite3_open_v2(path, &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
	    SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void date_in_days(int days, char out[11])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static int add_patient(struct store *st, const char *mrn, const char *fam,
                       const char *giv, const char *mid, const char *bd,
                       const char *sex, int *added, struct cr_err *err)
{
	struct store_patient p = {mrn, fam, giv, mid, bd, sex, "Dr. Osler"};

	return store_patient_upsert(st, &p, added, err);
}

/* A patient as seen through the callbacks. */
struct pcopy {
	int n;
	char mrn[8][32], family[8][64], given[8][64], middle[8][64];
	char birth[8][16], sex[8][8], physician[8][64];
};

static void cp(char *dst, size_t size, const char *s)
{
	cr_strlcpy(dst, s != NULL ? s : "(null)", size);
}

static int patient_cb(void *ctx, const struct store_patient *p)
{
	struct pcopy *c = ctx;

	if (c->n >= 8)
		return 1;
	cp(c->mrn[c->n], sizeof(c->mrn[0]), p->mrn);
	cp(c->family[c->n], sizeof(c->family[0]), p->family_name);
	cp(c->given[c->n], sizeof(c->given[0]), p->given_name);
	cp(c->middle[c->n], sizeof(c->middle[0]), p->middle_name);
	cp(c->birth[c->n], sizeof(c->birth[0]), p->birth_date);
	cp(c->sex[c->n], sizeof(c->sex[0]), p->sex);
	cp(c->physician[c->n], sizeof(c->physician[0]), p->physician);
	c->n++;
	return 0;
}

/* Insert a one- or two-page document; its sha is that of "doc <n>". */
static int64_t add_doc(struct fx *f, int n, const char *status,
                       const char *type, const char *mrn, const char *date,
                       const char *text0, const char *text1)
{
	struct store_page pages[2] = {
	    {0, 2550, 3300, 300, 0, 0.9, text0},
	    {1, 2550, 3300, 300, 0, 0.8, text1},
	};
	struct store_document d;
	char name[32], body[32];

	snprintf(body, sizeof(body), "doc %d", n);
	cr_sha256_hex(body, strlen(body), f->sha[n]);
	snprintf(name, sizeof(name), "scan%d.tif", n);
	memset(&d, 0, sizeof(d));
	d.file = name;
	d.sha256 = f->sha[n];
	d.size_bytes = 1000 + (uint64_t)n;
	d.status = status;
	d.doc_type = type;
	d.patient_mrn = mrn;
	d.document_date = date;
	d.pages = text1 != NULL ? 2 : 1;
	d.confidence = 0.5;
	d.reason = strcmp(status, "filed") == 0 ? NULL : "needs a human";
	d.actor = "intake";
	OK(store_document_insert(f->st, &d, pages, text1 != NULL ? 2 : 1, NULL,
	                         0, NULL, 0, &e_));
	assert_true(d.id > 0);
	f->doc[n] = d.id;
	return d.id;
}

/* The sample roster and documents used by the search tests. */
static void load_samples(struct fx *f)
{
	struct cr_err err;

	assert_int_equal(add_patient(f->st, MRN_SMITH, "Smith", "John", "Allen",
	                             "1952-03-14", "M", NULL, &err),
	                 0);
	assert_int_equal(add_patient(f->st, MRN_SMITHERS, "Smithers", "Anna",
	                             NULL, "1980-07-02", "F", NULL, &err),
	                 0);
	assert_int_equal(add_patient(f->st, MRN_UNDER, "Under_score", "Ann",
	                             NULL, "1990-01-01", NULL, NULL, &err),
	                 0);
	assert_int_equal(add_patient(f->st, MRN_UNDERX, "Underxscore", "Bob",
	                             NULL, "1991-01-01", NULL, NULL, &err),
	                 0);
	assert_int_equal(add_patient(f->st, MRN_GARCIA, "Garcia-Lopez", "Maria",
	                             NULL, "1975-11-30", "F", NULL, &err),
	                 0);
	add_doc(f, 1, "filed", "chart", MRN_SMITH, "2024-01-10",
	        "Progress note: patient reports chest pain and fever", NULL);
	add_doc(f, 2, "filed", "release_form", MRN_SMITHERS, "2023-06-01",
	        "Authorization to release information to insurer", NULL);
	add_doc(f, 3, "review", "correspondence", NULL, NULL,
	        "Dear doctor, my mother has chest pain again",
	        "chest pain chest pain");
	add_doc(f, 4, "rejected", "chart", NULL, "2022-12-31", "blank page",
	        NULL);
	add_doc(f, 5, "filed", "chart", MRN_SMITH, "2023-03-15",
	        "Discharge summary. Fever resolved.", NULL);
	add_doc(f, 6, "filed", "chart", MRN_UNDER, "2021-05-05", "lab results",
	        NULL);
	add_doc(f, 7, "filed", "chart", MRN_UNDERX, "2021-05-06", "lab results",
	        NULL);
	add_doc(f, 8, "filed", "chart", MRN_GARCIA, "2020-01-01",
	        "Visit at the caf\xc3\xa9 clinic", NULL);
}

struct hits {
	int n;
	int64_t id[16];
	char snippet[16][256];
	char mrn[16][32];
	char family[16][64];
};

static int hit_cb(void *ctx, const struct store_hit *h)
{
	struct hits *hs = ctx;

	if (hs->n >= 16)
		return 1;
	hs->id[hs->n] = h->id;
	cp(hs->snippet[hs->n], sizeof(hs->snippet[0]), h->snippet);
	cp(hs->mrn[hs->n], sizeof(hs->mrn[0]), h->patient_mrn);
	cp(hs->family[hs->n], sizeof(hs->family[0]), h->patient_family);
	hs->n++;
	return 0;
}

/* Search and check the ids, in order: expect_ids(f, &q, n, id...). */
static void expect_ids(struct fx *f, const struct store_query *q,
                       struct hits *hs, int n, ...)
{
	struct cr_err err;
	va_list ap;
	int i, rc;

	memset(hs, 0, sizeof(*hs));
	rc = store_search(f->st, q, hit_cb, hs, &err);
	if (rc != 0)
		fail_msg("store_search: %d %s", rc, err.msg);
	if (hs->n != n) {
		fprintf(stderr, "got:");
		for (i = 0; i < hs->n; i++)
			fprintf(stderr, " %lld", (long long)hs->id[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(hs->n, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_int_equal(hs->id[i], va_arg(ap, int64_t));
	va_end(ap);
}

/* ---- Open and schema ------------------------------------------------- */

static void test_open_create_reopen(void **state)
{
	struct fx *f = *state;
	struct cr_err err;
	struct store *st2;
	char missing[PATH_MAX], path[PATH_MAX];
	struct stat sb;

	/* Creating again is idempotent, and keeps the data. */
	assert_int_equal(add_patient(f->st, MRN_SMITH, "Smith", "John", NULL,
	                             "1952-03-14", "M", NULL, &err),
	                 0);
	store_close(f->st);
	f->st = store_open(f->dir, STORE_CREATE, &err);
	assert_non_null(f->st);
	store_close(f->st);
	f->st = store_open(f->dir, 0, &err);
	assert_non_null(f->st);
	assert_string_equal(store_dir(f->st), f->dir);
	assert_int_equal(store_patient_get(f->st, MRN_SMITH, patient_cb,
	                                   &(struct pcopy){0}, &err),
	                 0);

	snprintf(path, sizeof(path), "%s/originals", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	snprintf(path, sizeof(path), "%s/chartroom.db", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0007, 0); /* not world-readable */

	/* A second handle on the same store sees the first one's rows. */
	st2 = store_open(f->dir, 0, &err);
	assert_non_null(st2);
	assert_int_equal(add_patient(st2, MRN_SMITHERS, "Smithers", "Anna",
	                             NULL, "1980-07-02", "F", NULL, &err),
	                 0);
	assert_int_equal(store_patient_get(f->st, MRN_SMITHERS, patient_cb,
	                                   &(struct pcopy){0}, &err),
	                 0);
	store_close(st2);

	/* Missing, without STORE_CREATE. */
	snprintf(missing, sizeof(missing), "%s/nothing-here", f->tmp);
	cr_err_clear(&err);
	assert_null(store_open(missing, 0, &err));
	assert_int_equal(err.code, CR_ENOTFOUND);
	assert_non_null(strstr(err.msg, "chartroom init"));
	assert_int_equal(stat(missing, &sb), -1); /* and nothing created */
	store_close(NULL);
}

static void test_schema_and_wal(void **state)
{
	struct fx *f = *state;
	char out[64], older[PATH_MAX];
	struct cr_err err;
	struct store *st;

	sql_text(f->dir, "PRAGMA user_version", out, sizeof(out));
	assert_int_equal(atoi(out), STORE_SCHEMA_VERSION);
	assert_true(STORE_SCHEMA_VERSION >= 1);
	sql_text(f->dir, "PRAGMA journal_mode", out, sizeof(out));
	assert_string_equal(out, "wal");
	sql_text(f->dir,
	         "SELECT group_concat(name, ',') FROM (SELECT name FROM "
	         "sqlite_master WHERE type = 'table' AND name IN ('patients',"
	         "'documents','pages','fields','candidates','links',"
	         "'pages_fts') ORDER BY name)",
	         out, sizeof(out));
	assert_string_equal(out, "candidates,documents,fields,links,pages,"
	                         "pages_fts,patients");

	/* The link history refuses edits. */
	load_samples(f);
	assert_int_not_equal(sql_exec(f->dir, "UPDATE links SET actor = 'x'"),
	                     SQLITE_OK);
	assert_int_not_equal(sql_exec(f->dir, "DELETE FROM links"), SQLITE_OK);

	/* A store from a newer chartroom is refused, not damaged. */
	store_close(f->st);
	f->st = NULL;
	snprintf(out, sizeof(out), "PRAGMA user_version = %d",
	         STORE_SCHEMA_VERSION + 1);
	assert_int_equal(sql_exec(f->dir, out), SQLITE_OK);
	cr_err_clear(&err);
	assert_null(store_open(f->dir, 0, &err));
	assert_int_equal(err.code, CR_EDB);
	assert_non_null(strstr(err.msg, "newer"));

	/* An empty database (version 0) is migrated to the latest. */
	snprintf(older, sizeof(older), "%s/older", f->tmp);
	assert_int_equal(mkdir(older, 0700), 0);
	assert_int_equal(sql_exec(older, "PRAGMA user_version = 0"), SQLITE_OK);
	st = store_open(older, 0, &err);
	if (st == NULL)
		fail_msg("store_open: %s", err.msg);
	store_close(st);
	sql_text(older, "PRAGMA user_version", out, sizeof(out));
	assert_int_equal(atoi(out), STORE_SCHEMA_VERSION);
	sql_text(older, "PRAGMA journal_mode", out, sizeof(out));
	assert_string_equal(out, "wal");
}

/* ---- Patients -------------------------------------------------------- */

static void test_patient_upsert(void **state)
{
	struct fx *f = *state;
	struct store_patient p;
	struct pcopy c;
	struct cr_err err;
	char tomorrow[11], today[11];
	int added = -1;

	assert_int_equal(add_patient(f->st, MRN_SMITH, "Smith", "John", "Allen",
	                             "1952-03-14", "male", &added, &err),
	                 0);
	assert_int_equal(added, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    store_patient_get(f->st, MRN_SMITH, patient_cb, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.mrn[0], MRN_SMITH);
	assert_string_equal(c.family[0], "Smith");
	assert_string_equal(c.given[0], "John");
	assert_string_equal(c.middle[0], "Allen");
	assert_string_equal(c.birth[0], "1952-03-14");
	assert_string_equal(c.sex[0], "M");
	assert_string_equal(c.physician[0], "Dr. Osler");

	/* Same MRN again: an update (white space trimmed, sex normalised,
	 * a dropped middle name dropped). */
	p = (struct store_patient){MRN_SMITH,      " Smith-Jones ", "John",
	                           NULL,           "1952-03-14",    " Female ",
	                           "Dr. Blackwell"};
	added = -1;
	assert_int_equal(store_patient_upsert(f->st, &p, &added, &err), 0);
	assert_int_equal(added, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    store_patient_get(f->st, MRN_SMITH, patient_cb, &c, &err), 0);
	assert_string_equal(c.family[0], "Smith-Jones");
	assert_string_equal(c.middle[0], "(null)");
	assert_string_equal(c.sex[0], "F");
	assert_string_equal(c.physician[0], "Dr. Blackwell");

	/* Valid edge dates and sex words. */
	assert_int_equal(add_patient(f->st, "L1", "Leap", "Day", NULL,
	                             "2000-02-29", "U", &added, &err),
	                 0);
	assert_int_equal(added, 1);
	assert_int_equal(add_patient(f->st, "L2", "Leap", "Day", NULL,
	                             "2024-02-29", "other", NULL, &err),
	                 0);
	date_in_days(0, today);
	assert_int_equal(add_patient(f->st, "NB", "New", "Born", NULL, today,
	                             "", NULL, &err),
	                 0);

	/* Refused: not real dates, wrong format, the future. */
	date_in_days(2, tomorrow);
	{
		const char *bad[] = {"2023-02-30", "1952/03/14", "2999-01-01",
		                     tomorrow,     "2023-02-29", "1900-02-29",
		                     "2023-13-01", "2023-00-10", "52-03-14",
		                     "1952-3-14",  "",           "0000-01-01",
		                     " 1952-03-1"};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			cr_err_clear(&err);
			if (add_patient(f->st, "BAD", "Doe", "Jane", NULL,
			                bad[i], NULL, NULL, &err) != CR_EINVAL)
				fail_msg("birth date %s accepted", bad[i]);
			assert_int_equal(err.code, CR_EINVAL);
			assert_null(strstr(err.msg, "Doe"));
		}
	}
	/* Refused: missing required fields, bad sex. */
	assert_int_equal(add_patient(f->st, "BAD", "", "Jane", NULL,
	                             "1952-03-14", NULL, NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(add_patient(f->st, "BAD", "   ", "Jane", NULL,
	                             "1952-03-14", NULL, NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(add_patient(f->st, "BAD", "Doe", NULL, NULL,
	                             "1952-03-14", NULL, NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(add_patient(f->st, "", "Doe", "Jane", NULL,
	                             "1952-03-14", NULL, NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(add_patient(f->st, "BAD", "Doe", "Jane", NULL, NULL,
	                             NULL, NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(add_patient(f->st, "BAD", "Doe", "Jane", NULL,
	                             "1952-03-14", "q", NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(store_patient_get(f->st, "BAD", patient_cb,
	                                   &(struct pcopy){0}, &err),
	                 CR_ENOTFOUND);

	/* Every patient, by MRN. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_patient_each(f->st, patient_cb, &c, &err), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.mrn[0], MRN_SMITH);
	assert_string_equal(c.mrn[1], "L1");
	assert_string_equal(c.mrn[2], "L2");
	assert_string_equal(c.mrn[3], "NB");
	assert_string_equal(c.sex[2], "X");
	assert_string_equal(c.sex[3], "(null)");
}

static void test_batch_transaction(void **state)
{
	struct fx *f = *state;
	struct cr_err err;
	struct pcopy c;

	OK(store_begin(f->st, &e_));
	assert_int_equal(store_begin(f->st, &err), CR_EDB); /* no nesting */
	assert_int_equal(add_patient(f->st, "T1", "Temp", "One", NULL,
	                             "1970-01-01", NULL, NULL, &err),
	                 0);
	/* A refused row inside a batch leaves the batch usable. */
	assert_int_equal(add_patient(f->st, "T2", "Temp", "Two", NULL,
	                             "1970-02-30", NULL, NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(store_rollback(f->st), 0);
	assert_int_equal(store_patient_get(f->st, "T1", patient_cb,
	                                   &(struct pcopy){0}, &err),
	                 CR_ENOTFOUND);

	OK(store_begin(f->st, &e_));
	assert_int_equal(add_patient(f->st, "T1", "Temp", "One", NULL,
	                             "1970-01-01", NULL, NULL, &err),
	                 0);
	assert_int_equal(add_patient(f->st, "T3", "Temp", "Three", NULL,
	                             "1970-01-03", NULL, NULL, &err),
	                 0);
	OK(store_commit(f->st, &e_));
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_patient_each(f->st, patient_cb, &c, &err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.mrn[0], "T1");
	assert_string_equal(c.mrn[1], "T3");
	assert_int_equal(store_commit(f->st, &err), CR_EDB); /* none open */
}

/* ---- Originals ------------------------------------------------------- */

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void test_original_put(void **state)
{
	struct fx *f = *state;
	unsigned char bytes[200000], back[200001];
	char src[PATH_MAX], want[PATH_MAX], sha[65], *got = NULL, *again;
	char sub[PATH_MAX];
	struct cr_err err;
	struct stat sb;
	uint64_t size;
	size_t i, n;
	FILE *fp;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 7 + (i >> 8));
	snprintf(src, sizeof(src), "%s/scan.tif", f->tmp);
	write_file(src, bytes, sizeof(bytes));
	OK(cr_sha256_file(src, sha, &size, &e_));

	OK(store_original_put(f->st, src, sha, &got, &e_));
	snprintf(want, sizeof(want), "%s/originals/%.2s/%s", f->dir, sha, sha);
	assert_string_equal(got, want);
	again = store_original_path(f->st, sha);
	assert_string_equal(again, want);
	free(again);

	fp = fopen(got, "rb");
	assert_non_null(fp);
	n = fread(back, 1, sizeof(back), fp);
	fclose(fp);
	assert_int_equal(n, sizeof(bytes));
	assert_memory_equal(back, bytes, sizeof(bytes));
	assert_int_equal(stat(got, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0440);

	/* Again: the existing copy is kept, same path. */
	again = NULL;
	OK(store_original_put(f->st, src, sha, &again, &e_));
	assert_string_equal(again, want);
	free(again);
	free(got);

	/* Refused: hashes that are not 64 lowercase hex digits. */
	{
		const char *bad[] = {
		    "../../../../etc/passwd",
		    "",
		    "ab",
		    "ABCDEF0123456789abcdef0123456789abcdef0123"
		    "456789abcdef0123456789",
		    "0123456789abcdef0123456789abcdef0123456789"
		    "abcdef0123456789abcde",
		    "0123456789abcdef0123456789abcdef0123456789"
		    "abcdef0123456789abcdef0",
		    "../456789abcdef0123456789abcdef0123456789"
		    "abcdef0123456789abcdef"};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			cr_err_clear(&err);
			got = (char *)"untouched";
			assert_int_equal(
			    store_original_put(f->st, src, bad[i], &got, &err),
			    CR_EINVAL);
			assert_null(got);
			assert_null(store_original_path(f->st, bad[i]));
		}
	}

	/* A hash that does not match the bytes (the file changed after it
	 * was hashed): refused, and nothing is left behind. */
	{
		char other[65];
		cr_sha256_hex("something else", 14, other);
		assert_int_equal(
		    store_original_put(f->st, src, other, NULL, &err), CR_EIO);
		snprintf(sub, sizeof(sub), "%s/originals/%.2s/%s", f->dir,
		         other, other);
		assert_int_equal(stat(sub, &sb), -1);
		snprintf(sub, sizeof(sub), "%s/originals/%.2s", f->dir, other);
		/* the fan-out folder holds no temporary files */
		{
			struct dirent *de;
			int entries = 0;
			DIR *d = opendir(sub);

			assert_non_null(d); /* made for the attempt */
			while ((de = readdir(d)) != NULL)
				if (strcmp(de->d_name, ".") != 0 &&
				    strcmp(de->d_name, "..") != 0)
					entries++;
			closedir(d);
			assert_int_equal(entries, 0);
		}
	}

	/* A missing source. */
	snprintf(src, sizeof(src), "%s/no-such.tif", f->tmp);
	assert_int_equal(store_original_put(f->st, src, sha, NULL, &err), 0);
	cr_sha256_hex("x", 1, sha);
	assert_int_equal(store_original_put(f->st, src, sha, NULL, &err),
	                 CR_ENOTFOUND);
}

/* ---- Documents ------------------------------------------------------- */

static void test_document_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store_page pages[2] = {
	    {0, 2550, 3300, 300, 0, 0.91,
	     "PROGRESS NOTE\nPatient: Smith, John"},
	    {1, 1700, 2200, 200, 90, 0.42, "Signed: Dr. Osler"},
	};
	struct store_field fields[3] = {
	    {"patient_name", "Smith, John", 0.88, 0, 10, 20, 300, 40, "ocr"},
	    {"birth_date", "1952-03-14", 0.70, 0, 10, 50, 200, 70, "reread"},
	    {"mrn", MRN_SMITH, 0.99, -1, 0, 0, 0, 0, NULL},
	};
	struct store_candidate cands[2] = {
	    {MRN_SMITH, 0.97, "{\"name\":0.95,\"birth_date\":1.0}"},
	    {MRN_SMITHERS, 0.41, "{\"name\":0.6}"},
	};
	struct store_document d, dup;
	struct store_docview *v;
	struct cr_err err;
	char sha[65], sha2[65];
	int64_t id = 0;

	assert_int_equal(add_patient(f->st, MRN_SMITH, "Smith", "John", NULL,
	                             "1952-03-14", "M", NULL, &err),
	                 0);
	assert_int_equal(add_patient(f->st, MRN_SMITHERS, "Smithers", "Anna",
	                             NULL, "1980-07-02", "F", NULL, &err),
	                 0);
	cr_sha256_hex("round trip", 10, sha);
	memset(&d, 0, sizeof(d));
	d.file = "inbox/station-3/0001.tif";
	d.sha256 = sha;
	d.size_bytes = 5000000000ULL; /* beyond 32 bits */
	d.original_path = "/store/originals/xx/yy";
	d.status = "filed";
	d.doc_type = "chart";
	d.patient_mrn = MRN_SMITH;
	d.document_date = "2024-01-10";
	d.pages = 2;
	d.confidence = 0.93;
	d.reason = NULL;
	d.source = "station-3";
	d.actor = "intake";
	OK(store_document_insert(f->st, &d, pages, 2, fields, 3, cands, 2,
	                         &e_));
	assert_true(d.id > 0);
	OK(store_document_by_sha(f->st, sha, &id, &e_));
	assert_int_equal(id, d.id);

	v = store_document_get(f->st, d.id, &err);
	if (v == NULL)
		fail_msg("store_document_get: %s", err.msg);
	assert_int_equal(v->doc.id, d.id);
	assert_string_equal(v->doc.file, d.file);
	assert_string_equal(v->doc.sha256, sha);
	assert_true(v->doc.size_bytes == 5000000000ULL);
	/* the original is reported where this store keeps that hash now,
	 * not as the row recorded it */
	{
		char *where = store_original_path(f->st, sha);
		assert_non_null(where);
		assert_string_equal(v->doc.original_path, where);
		assert_true(where[0] == '/');
		free(where);
	}
	assert_string_equal(v->doc.status, "filed");
	assert_string_equal(v->doc.doc_type, "chart");
	assert_string_equal(v->doc.patient_mrn, MRN_SMITH);
	assert_string_equal(v->doc.document_date, "2024-01-10");
	assert_int_equal(v->doc.pages, 2);
	assert_float_equal(v->doc.confidence, 0.93, 1e-12);
	assert_null(v->doc.reason);
	assert_string_equal(v->doc.source, "station-3");
	assert_string_equal(v->doc.actor, "intake");
	assert_non_null(v->created_at);
	assert_int_equal(strlen(v->created_at), 20); /* 2024-01-10T12:00:00Z */
	assert_int_equal(v->created_at[10], 'T');
	assert_int_equal(v->created_at[19], 'Z');
	assert_string_equal(v->patient_family, "Smith");
	assert_string_equal(v->patient_given, "John");
	assert_string_equal(v->patient_birth_date, "1952-03-14");

	assert_int_equal(v->npages, 2);
	assert_int_equal(v->pages[1].index, 1);
	assert_int_equal(v->pages[1].width, 1700);
	assert_int_equal(v->pages[1].height, 2200);
	assert_int_equal(v->pages[1].dpi, 200);
	assert_int_equal(v->pages[1].rotation_deg, 90);
	assert_float_equal(v->pages[1].mean_conf, 0.42, 1e-12);
	assert_string_equal(v->pages[0].text, pages[0].text);
	assert_string_equal(v->pages[1].text, pages[1].text);

	assert_int_equal(v->nfields, 3);
	assert_string_equal(v->fields[0].name, "patient_name");
	assert_string_equal(v->fields[0].value, "Smith, John");
	assert_float_equal(v->fields[0].conf, 0.88, 1e-12);
	assert_int_equal(v->fields[0].page, 0);
	assert_int_equal(v->fields[0].x0, 10);
	assert_int_equal(v->fields[0].y0, 20);
	assert_int_equal(v->fields[0].x1, 300);
	assert_int_equal(v->fields[0].y1, 40);
	assert_string_equal(v->fields[0].source, "ocr");
	assert_string_equal(v->fields[1].source, "reread");
	assert_string_equal(v->fields[2].name, "mrn");
	assert_int_equal(v->fields[2].page, -1);
	assert_null(v->fields[2].source);

	assert_int_equal(v->ncands, 2);
	assert_string_equal(v->cands[0].mrn, MRN_SMITH);
	assert_float_equal(v->cands[0].score, 0.97, 1e-12);
	assert_string_equal(v->cands[0].evidence, cands[0].evidence);
	assert_string_equal(v->cands[1].mrn, MRN_SMITHERS);
	assert_float_equal(v->cands[1].score, 0.41, 1e-12);
	store_docview_free(v);
	store_docview_free(NULL);

	/* The same bytes again. */
	dup = d;
	dup.id = 0;
	dup.file = "0001-again.tif";
	assert_int_equal(store_document_insert(f->st, &dup, pages, 2, NULL, 0,
	                                       NULL, 0, &err),
	                 CR_EEXIST);
	assert_int_equal(dup.id, 0);

	/* All or nothing: an unknown patient stores no part of it. */
	cr_sha256_hex("unknown patient", 15, sha2);
	dup.sha256 = sha2;
	dup.patient_mrn = "99999999";
	cr_err_clear(&err);
	assert_int_equal(store_document_insert(f->st, &dup, pages, 2, fields, 3,
	                                       cands, 2, &err),
	                 CR_ENOTFOUND);
	assert_null(strstr(err.msg, "99999999"));
	assert_int_equal(store_document_by_sha(f->st, sha2, &id, &err),
	                 CR_ENOTFOUND);
	/* ...and neither does a bad candidate after good pages. */
	dup.patient_mrn = MRN_SMITH;
	cands[1].evidence = "{not json";
	assert_int_not_equal(store_document_insert(f->st, &dup, pages, 2,
	                                           fields, 3, cands, 2, &err),
	                     0);
	assert_int_equal(store_document_by_sha(f->st, sha2, &id, &err),
	                 CR_ENOTFOUND);
	{
		struct store_query q = {0};
		struct hits hs;

		q.text = "Osler";
		expect_ids(f, &q, &hs, 1, d.id); /* no orphan FTS rows */
	}

	/* Refused before touching the database. */
	dup.status = "filed";
	dup.patient_mrn = NULL;
	assert_int_equal(
	    store_document_insert(f->st, &dup, NULL, 0, NULL, 0, NULL, 0, &err),
	    CR_EINVAL);
	dup.status = "review";
	dup.patient_mrn = MRN_SMITH;
	assert_int_equal(
	    store_document_insert(f->st, &dup, NULL, 0, NULL, 0, NULL, 0, &err),
	    CR_EINVAL);
	dup.patient_mrn = NULL;
	dup.status = "lost";
	assert_int_equal(
	    store_document_insert(f->st, &dup, NULL, 0, NULL, 0, NULL, 0, &err),
	    CR_EINVAL);
	dup.status = "review";
	dup.document_date = "2024-02-30";
	assert_int_equal(
	    store_document_insert(f->st, &dup, NULL, 0, NULL, 0, NULL, 0, &err),
	    CR_EINVAL);
	dup.document_date = NULL;
	dup.sha256 = "../etc";
	assert_int_equal(
	    store_document_insert(f->st, &dup, NULL, 0, NULL, 0, NULL, 0, &err),
	    CR_EINVAL);

	cr_err_clear(&err);
	assert_null(store_document_get(f->st, d.id + 1000, &err));
	assert_int_equal(err.code, CR_ENOTFOUND);
	assert_int_equal(store_document_by_sha(f->st, "zz", &id, &err),
	                 CR_EINVAL);
}

/* ---- Search ---------------------------------------------------------- */

static void test_search_filters(void **state)
{
	struct fx *f = *state;
	struct store_query q;
	struct hits hs;
	int64_t *D = f->doc;

	load_samples(f);

	/* No filter: newest first; the undated review letter by arrival
	 * (today), then by document date. */
	memset(&q, 0, sizeof(q));
	expect_ids(f, &q, &hs, 8, D[3], D[1], D[2], D[5], D[4], D[7], D[6],
	           D[8]);
	assert_string_equal(hs.mrn[0], "(null)");
	assert_string_equal(hs.family[1], "Smith");
	assert_string_equal(hs.snippet[1], "(null)");

	q.mrn = MRN_SMITH;
	expect_ids(f, &q, &hs, 2, D[1], D[5]);
	q.mrn = " " MRN_SMITH "\t"; /* as pasted */
	expect_ids(f, &q, &hs, 2, D[1], D[5]);
	q.mrn = "0048291"; /* exact, not a prefix */
	expect_ids(f, &q, &hs, 0);

	memset(&q, 0, sizeof(q));
	q.type = "chart";
	expect_ids(f, &q, &hs, 6, D[1], D[5], D[4], D[7], D[6], D[8]);
	q.type = "release_form";
	expect_ids(f, &q, &hs, 1, D[2]);

	memset(&q, 0, sizeof(q));
	q.from = "2023-01-01";
	q.to = "2023-12-31";
	expect_ids(f, &q, &hs, 2, D[2], D[5]);
	q.to = NULL;
	q.from = "2023-06-01"; /* inclusive */
	expect_ids(f, &q, &hs, 2, D[1], D[2]);
	q.from = NULL;
	q.to = "2021-05-05";
	expect_ids(f, &q, &hs, 2, D[6], D[8]);

	memset(&q, 0, sizeof(q));
	q.status = "review";
	expect_ids(f, &q, &hs, 1, D[3]);
	q.status = "rejected";
	expect_ids(f, &q, &hs, 1, D[4]);

	/* Filters combine. */
	memset(&q, 0, sizeof(q));
	q.type = "chart";
	q.mrn = MRN_SMITH;
	q.from = "2024-01-01";
	q.status = "filed";
	expect_ids(f, &q, &hs, 1, D[1]);

	memset(&q, 0, sizeof(q));
	q.limit = 2;
	expect_ids(f, &q, &hs, 2, D[3], D[1]);
	q.limit = 1000000; /* capped, not refused */
	expect_ids(f, &q, &hs, 8, D[3], D[1], D[2], D[5], D[4], D[7], D[6],
	           D[8]);
}

static void test_search_names(void **state)
{
	struct fx *f = *state;
	struct store_query q;
	struct hits hs;
	int64_t *D = f->doc;

	load_samples(f);
	memset(&q, 0, sizeof(q));

	q.name = "smith"; /* Smith and Smithers, any case */
	expect_ids(f, &q, &hs, 3, D[1], D[2], D[5]);
	q.name = "SMITH, JOHN";
	expect_ids(f, &q, &hs, 2, D[1], D[5]);
	q.name = "john smith";
	expect_ids(f, &q, &hs, 2, D[1], D[5]);
	q.name = "allen"; /* middle name */
	expect_ids(f, &q, &hs, 2, D[1], D[5]);
	q.name = "anna smithers";
	expect_ids(f, &q, &hs, 1, D[2]);
	q.name = "john smithers"; /* every word must match */
	expect_ids(f, &q, &hs, 0);
	q.name = "lopez"; /* a part of a hyphenated name */
	expect_ids(f, &q, &hs, 1, D[8]);
	q.name = "Garcia-Lopez";
	expect_ids(f, &q, &hs, 1, D[8]);
	q.name = "mith"; /* prefixes, not substrings */
	expect_ids(f, &q, &hs, 0);

	/* LIKE wildcards typed by the user are plain characters. */
	q.name = "under";
	expect_ids(f, &q, &hs, 2, D[7], D[6]);
	q.name = "under_";
	expect_ids(f, &q, &hs, 1, D[6]);
	q.name = "%";
	expect_ids(f, &q, &hs, 0);
	q.name = "_";
	expect_ids(f, &q, &hs, 0);
	q.name = "s%h";
	expect_ids(f, &q, &hs, 0);
	q.name = "\\";
	expect_ids(f, &q, &hs, 0);

	/* With a filter on status. */
	q.name = "smith";
	q.status = "filed";
	q.type = "chart";
	expect_ids(f, &q, &hs, 2, D[1], D[5]);
}

static void test_search_text(void **state)
{
	struct fx *f = *state;
	struct store_query q;
	struct hits hs;
	int64_t *D = f->doc;
	size_t i;

	load_samples(f);
	memset(&q, 0, sizeof(q));

	/* The two-page letter matches on both pages but comes back once,
	 * ranked first by its best page. */
	q.text = "chest pain";
	expect_ids(f, &q, &hs, 2, D[3], D[1]);
	assert_string_equal(hs.snippet[0], "[chest] [pain] [chest] [pain]");
	assert_non_null(strstr(hs.snippet[1], "[chest] [pain]"));

	q.text = "fever"; /* shorter page ranks higher */
	expect_ids(f, &q, &hs, 2, D[5], D[1]);
	assert_non_null(strstr(hs.snippet[0], "[Fever]"));
	q.text = "cafe"; /* diacritics folded */
	expect_ids(f, &q, &hs, 1, D[8]);
	q.text = "CHEST";
	expect_ids(f, &q, &hs, 2, D[3], D[1]);

	/* With the other filters. */
	q.text = "chest";
	q.status = "filed";
	expect_ids(f, &q, &hs, 1, D[1]);
	q.status = NULL;
	q.name = "smith";
	expect_ids(f, &q, &hs, 1, D[1]);
	q.name = NULL;
	q.limit = 1;
	expect_ids(f, &q, &hs, 1, D[3]);
	q.limit = 0;

	/* FTS5 syntax is text: never an error. */
	q.text = "chest\""; /* the quote is doubled inside the string */
	expect_ids(f, &q, &hs, 2, D[3], D[1]);
	q.text = "pain AND"; /* AND is a word to find, not an operator */
	expect_ids(f, &q, &hs, 1, D[1]);
	q.text = "pain OR fever";
	expect_ids(f, &q, &hs, 0);
	{
		const char *odd[] = {"\"unbalanced",
		                     "NEAR(",
		                     "*",
		                     "OR AND",
		                     "NEAR(chest pain)",
		                     "chest:*",
		                     "^chest",
		                     "(",
		                     ")",
		                     "\"\"",
		                     "-chest",
		                     "text:chest",
		                     "'; DROP TABLE pages; --",
		                     "\"\"\"",
		                     "{text}: chest",
		                     "NOT"};

		for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
			struct cr_err err;
			int rc;

			memset(&hs, 0, sizeof(hs));
			q.text = odd[i];
			rc = store_search(f->st, &q, hit_cb, &hs, &err);
			if (rc != 0)
				fail_msg("text %s: %d %s", odd[i], rc, err.msg);
		}
	}
	q.text = "\"unbalanced";
	expect_ids(f, &q, &hs, 0);
	q.text = "*";
	expect_ids(f, &q, &hs, 0);
	q.text = "-chest"; /* not a NOT: the word chest */
	expect_ids(f, &q, &hs, 2, D[3], D[1]);
	q.text = "   "; /* no words: as if not given */
	expect_ids(f, &q, &hs, 8, D[3], D[1], D[2], D[5], D[4], D[7], D[6],
	           D[8]);
	/* A long page: the snippet is cut around the match with an
	 * ellipsis. */
	add_doc(f, 9, "review", "correspondence", NULL, "2019-01-01",
	        "one two three four five six seven eight nine ten eleven "
	        "twelve thirteen fourteen fifteen sixteen seventeen eighteen "
	        "nineteen twenty zebra twentyone twentytwo twentythree "
	        "twentyfour twentyfive twentysix twentyseven twentyeight "
	        "twentynine thirty thirtyone thirtytwo thirtythree",
	        NULL);
	q.text = "zebra";
	expect_ids(f, &q, &hs, 1, D[9]);
	assert_non_null(strstr(hs.snippet[0], "[zebra]"));
	assert_non_null(strstr(hs.snippet[0], "\xe2\x80\xa6"));
	assert_null(strstr(hs.snippet[0], "one two three"));
	/* the tables survived the "DROP TABLE" text */
	q.text = "blank";
	expect_ids(f, &q, &hs, 1, D[4]);
}

static int stop_cb(void *ctx, const struct store_hit *h)
{
	(void)h;
	(*(int *)ctx)++;
	return 7;
}

static void test_search_bad_input(void **state)
{
	struct fx *f = *state;
	struct store_query q;
	struct cr_err err;
	int calls = 0;
	size_t i;

	load_samples(f);
	{
		const char *bad[] = {"2023-13-01", "2023/01/01", "2023-02-30",
		                     "yesterday",  "2023-1-1",   "20230101"};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&q, 0, sizeof(q));
			q.from = bad[i];
			assert_int_equal(
			    store_search(f->st, &q, stop_cb, &calls, &err),
			    CR_EINVAL);
			memset(&q, 0, sizeof(q));
			q.to = bad[i];
			assert_int_equal(
			    store_search(f->st, &q, stop_cb, &calls, &err),
			    CR_EINVAL);
		}
	}
	memset(&q, 0, sizeof(q));
	q.status = "misfiled";
	assert_int_equal(store_search(f->st, &q, stop_cb, &calls, &err),
	                 CR_EINVAL);
	q.status = NULL;
	q.limit = -1;
	assert_int_equal(store_search(f->st, &q, stop_cb, &calls, &err),
	                 CR_EINVAL);
	assert_int_equal(calls, 0);

	/* The callback stops the search and its value comes back. */
	q.limit = 0;
	assert_int_equal(store_search(f->st, &q, stop_cb, &calls, &err), 7);
	assert_int_equal(calls, 1);
}

/* ---- Relinking ------------------------------------------------------- */

struct history {
	int n;
	char actor[8][32], status[8][16], mrn[8][32], reason[8][64];
	char at[8][32];
};

static int history_cb(void *ctx, const struct store_link_event *e)
{
	struct history *h = ctx;

	if (h->n >= 8)
		return 1;
	cp(h->at[h->n], sizeof(h->at[0]), e->at);
	cp(h->actor[h->n], sizeof(h->actor[0]), e->actor);
	cp(h->status[h->n], sizeof(h->status[0]), e->status);
	cp(h->mrn[h->n], sizeof(h->mrn[0]), e->mrn);
	cp(h->reason[h->n], sizeof(h->reason[0]), e->reason);
	h->n++;
	return 0;
}

static void test_relink_history(void **state)
{
	struct fx *f = *state;
	struct store_docview *v;
	struct store_query q;
	struct history h;
	struct cr_err err;
	struct hits hs;
	int64_t id;
	int i;

	load_samples(f);
	id = f->doc[3]; /* the review letter */

	OK(store_document_relink(f->st, id, NULL, MRN_SMITHERS, NULL, "clerk1",
	                         "verified by phone", &e_));
	v = store_document_get(f->st, id, &err);
	assert_non_null(v);
	assert_string_equal(v->doc.status, "filed");
	assert_string_equal(v->doc.patient_mrn, MRN_SMITHERS);
	assert_string_equal(v->doc.reason, "verified by phone");
	assert_string_equal(v->doc.actor, "clerk1");
	assert_string_equal(v->patient_family, "Smithers");
	store_docview_free(v);
	memset(&q, 0, sizeof(q));
	q.mrn = MRN_SMITHERS;
	expect_ids(f, &q, &hs, 2, id, f->doc[2]);

	OK(store_document_relink(f->st, id, NULL, NULL, "rejected", "clerk2",
	                         "duplicate", &e_));

	/* Refused, and nothing changes. */
	cr_err_clear(&err);
	assert_int_equal(store_document_relink(f->st, id, NULL, "11111111", NULL,
	                                       "clerk3", "typo", &err),
	                 CR_ENOTFOUND);
	assert_null(strstr(err.msg, "11111111"));
	assert_int_equal(store_document_relink(f->st, 999999, NULL, MRN_SMITH, NULL,
	                                       "clerk3", NULL, &err),
	                 CR_ENOTFOUND);
	assert_int_equal(store_document_relink(f->st, id, NULL, MRN_SMITH, "review",
	                                       "clerk3", NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(store_document_relink(f->st, id, NULL, NULL, "filed",
	                                       "clerk3", NULL, &err),
	                 CR_EINVAL);
	assert_int_equal(
	    store_document_relink(f->st, id, NULL, MRN_SMITH, NULL, NULL, NULL, &err),
	    CR_EINVAL);
	/* A second decision on what was a review item: it is rejected now,
	 * so "from review" no longer holds and nothing is written. */
	assert_int_equal(store_document_relink(f->st, id, "review", MRN_SMITH,
	                                       NULL, "clerk4", NULL, &err),
	                 CR_EEXIST);
	assert_non_null(strstr(err.msg, "no longer review"));

	memset(&h, 0, sizeof(h));
	OK(store_document_history(f->st, id, history_cb, &h, &e_));
	assert_int_equal(h.n, 3);
	assert_string_equal(h.actor[0], "intake");
	assert_string_equal(h.status[0], "review");
	assert_string_equal(h.mrn[0], "(null)");
	assert_string_equal(h.reason[0], "needs a human");
	assert_string_equal(h.actor[1], "clerk1");
	assert_string_equal(h.status[1], "filed");
	assert_string_equal(h.mrn[1], MRN_SMITHERS);
	assert_string_equal(h.reason[1], "verified by phone");
	assert_string_equal(h.actor[2], "clerk2");
	assert_string_equal(h.status[2], "rejected");
	assert_string_equal(h.mrn[2], "(null)");
	assert_string_equal(h.reason[2], "duplicate");
	for (i = 0; i < 3; i++) {
		assert_int_equal(strlen(h.at[i]), 20);
		assert_true(i == 0 || strcmp(h.at[i - 1], h.at[i]) <= 0);
	}

	v = store_document_get(f->st, id, &err);
	assert_non_null(v);
	assert_string_equal(v->doc.status, "rejected");
	assert_null(v->doc.patient_mrn);
	assert_null(v->patient_family);
	assert_string_equal(v->doc.reason, "duplicate");
	store_docview_free(v);
	q.mrn = NULL;
	q.status = "rejected";
	expect_ids(f, &q, &hs, 2, id, f->doc[4]);

	memset(&h, 0, sizeof(h));
	assert_int_equal(
	    store_document_history(f->st, 999999, history_cb, &h, &err),
	    CR_ENOTFOUND);
	assert_int_equal(h.n, 0);
}

/* A crash mid-copy leaves ".<sha>.<pid>.<n>.tmp" in the originals: the
 * sweep removes a dead process's, keeps a live writer's and everything
 * else. */
static void test_sweep_temp(void **state)
{
	struct fx *f = *state;
	char dead[1200], live[1200], other[1200];
	const char *sha = "ab00000000000000000000000000000000000000000000000000000000000000";
	struct cr_err err;
	size_t n = 99;
	pid_t child;
	FILE *fp;

	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0); /* its pid is now free */
	snprintf(dead, sizeof(dead), "%s/originals/ab", f->dir);
	mkdir(dead, 0750);
	snprintf(dead, sizeof(dead), "%s/originals/ab/.%s.%d.0.tmp", f->dir,
	         sha, (int)child);
	snprintf(live, sizeof(live), "%s/originals/ab/.%s.%d.0.tmp", f->dir,
	         sha, (int)getpid());
	snprintf(other, sizeof(other), "%s/originals/ab/%s", f->dir, sha);
	assert_non_null(fp = fopen(dead, "w"));
	fclose(fp);
	assert_non_null(fp = fopen(live, "w"));
	fclose(fp);
	assert_non_null(fp = fopen(other, "w"));
	fclose(fp);
	OK(store_sweep_temp(f->st, &n, &err));
	assert_int_equal((int)n, 1);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_create_reopen, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_schema_and_wal, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_patient_upsert, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_batch_transaction, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_original_put, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_document_roundtrip, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_search_filters, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_search_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_bad_input, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_sweep_temp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_relink_history, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
