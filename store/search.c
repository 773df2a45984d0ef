/*
 * search.c - the read side of the store: finding documents by patient,
 * name, type, date, status and page text, and loading one document, or
 * its link history, in full.
 *
 * store_search() builds one SQL statement from fixed fragments, one per
 * filter given, and binds every value the user typed; no user input is
 * ever pasted into SQL text.  Page text is searched with FTS5: each word
 * the user typed becomes a quoted FTS5 string (internal quotes doubled),
 * so operators and stray punctuation ("NEAR(", "*", an unbalanced quote)
 * are only text and can never raise a syntax error.  A document has many
 * pages; it is ranked by its best page (lowest bm25) and shown with that
 * page's snippet, which is computed only for the rows returned.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_LIMIT_DEFAULT 100
#define SEARCH_LIMIT_MAX 10000
#define NAME_WORDS_MAX 8
#define TEXT_WORDS_MAX 32
#define QUERY_LEN_MAX 1024 /* bytes of name or text a user may type */

/* The columns of a hit, in struct store_hit order; the text query adds
 * its snippet as column 10. */
#define HIT_COLS                                                               \
	"d.id, d.file, d.sha256, d.status, d.doc_type, d.document_date,"       \
	" d.patient_mrn, p.family_name, p.given_name, p.birth_date"

/* Newest first: the document's own date, else the day it arrived.  The
 * index documents_order in store.c is on the same expression. */
#define SORT_DATE "COALESCE(d.document_date, substr(d.created_at,1,10))"

/* Each name word must be the start of some part of the patient's
 * family, given or middle name (hyphenated names split into parts). */
#define NAME_HAYSTACK                                                          \
	"(' ' || replace(p.family_name,'-',' ') || ' ' ||"                     \
	" replace(p.given_name,'-',' ') || ' ' ||"                             \
	" replace(COALESCE(p.middle_name,''),'-',' ') || ' ')"

#define MAX_BINDS (8 + NAME_WORDS_MAX)

/* A statement being assembled: SQL text from fixed fragments and the
 * values to bind, numbered in order. */
struct qbuild {
	char sql[4096];
	size_t len;
	int overflow;
	int nbind;
	struct {
		const char *text; /* borrowed, or owned below */
		char *owned;
		int is_int;
		int num;
	} bind[MAX_BINDS];
};

static void q_cat(struct qbuild *qb, const char *frag)
{
	size_t n = strlen(frag);

	if (qb->overflow || qb->len + n >= sizeof(qb->sql)) {
		qb->overflow = 1;
		return;
	}
	memcpy(qb->sql + qb->len, frag, n + 1);
	qb->len += n;
}

/* Append "?N" for a new parameter bound to text (owned: freed with the
 * builder) or, when text is NULL, to the integer num.  Returns N. */
static int q_param(struct qbuild *qb, const char *text, char *owned, int num)
{
	char ph[16];
	int i;

	if (qb->nbind >= MAX_BINDS) {
		qb->overflow = 1;
		free(owned);
		return 0;
	}
	i = qb->nbind++;
	qb->bind[i].text = owned != NULL ? owned : text;
	qb->bind[i].owned = owned;
	qb->bind[i].is_int = text == NULL && owned == NULL;
	qb->bind[i].num = num;
	snprintf(ph, sizeof(ph), "?%d", i + 1);
	q_cat(qb, ph);
	return i + 1;
}

static void q_free(struct qbuild *qb)
{
	int i;

	for (i = 0; i < qb->nbind; i++)
		free(qb->bind[i].owned);
}

static int q_bind(struct qbuild *qb, sqlite3_stmt *stmt)
{
	int i, rc = SQLITE_OK;

	for (i = 0; i < qb->nbind && rc == SQLITE_OK; i++) {
		if (qb->bind[i].is_int)
			rc = sqlite3_bind_int(stmt, i + 1, qb->bind[i].num);
		else
			rc = sqlite3_bind_text(stmt, i + 1, qb->bind[i].text,
			                       -1, SQLITE_STATIC);
	}
	return rc;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_name_sep(char c)
{
	return is_space(c) || c == ',' || c == '-';
}

/*
 * The user's text as an FTS5 query: every white-space separated word as
 * a string ("...", with " doubled), all of them required (implicit AND).
 * Returns a malloc'd query, or NULL with *rc set (CR_ENOMEM, CR_EINVAL
 * when there are too many words) or with *rc 0 when there are no words.
 */
static char *fts_query(const char *text, int *rc, struct cr_err *err)
{
	size_t n = strlen(text), i, o = 0;
	int words = 0, inword = 0;
	char *q;

	*rc = CR_OK;
	/* Worst case: every byte a quote (doubled) in its own word. */
	if ((q = malloc(n * 4 + 1)) == NULL) {
		*rc = cr_err_set(err, CR_ENOMEM, "out of memory searching");
		return NULL;
	}
	for (i = 0; i <= n; i++) {
		char c = text[i];

		if (c == '\0' || is_space(c)) {
			if (inword)
				q[o++] = '"';
			inword = 0;
			continue;
		}
		if (!inword) {
			if (++words > TEXT_WORDS_MAX) {
				free(q);
				*rc = cr_err_set(err, CR_EINVAL,
				                 "search text has more than %d "
				                 "words",
				                 TEXT_WORDS_MAX);
				return NULL;
			}
			if (o > 0)
				q[o++] = ' ';
			q[o++] = '"';
			inword = 1;
		}
		if (c == '"')
			q[o++] = '"';
		q[o++] = c;
	}
	q[o] = '\0';
	if (words == 0) {
		free(q);
		return NULL;
	}
	return q;
}

/* A LIKE pattern matching a name part that starts with word[0..len):
 * "% " + word with \, % and _ escaped + "%".  NULL when out of memory. */
static char *name_pattern(const char *word, size_t len)
{
	char *p = malloc(len * 2 + 4);
	size_t i, o = 0;

	if (p == NULL)
		return NULL;
	p[o++] = '%';
	p[o++] = ' ';
	for (i = 0; i < len; i++) {
		if (word[i] == '\\' || word[i] == '%' || word[i] == '_')
			p[o++] = '\\';
		p[o++] = word[i];
	}
	p[o++] = '%';
	p[o] = '\0';
	return p;
}

/* Add one condition per word of the name.  0, CR_EINVAL or CR_ENOMEM. */
static int add_name_filter(struct qbuild *qb, const char *name,
                           struct cr_err *err)
{
	const char *s = name, *w;
	int words = 0;
	char *pat;

	for (;;) {
		while (*s != '\0' && is_name_sep(*s))
			s++;
		if (*s == '\0')
			break;
		for (w = s; *s != '\0' && !is_name_sep(*s); s++)
			;
		if (++words > NAME_WORDS_MAX)
			return cr_err_set(err, CR_EINVAL,
			                  "name has more than %d words",
			                  NAME_WORDS_MAX);
		if ((pat = name_pattern(w, (size_t)(s - w))) == NULL)
			return cr_err_set(err, CR_ENOMEM,
			                  "out of memory searching");
		q_cat(qb, " AND " NAME_HAYSTACK " LIKE ");
		q_param(qb, NULL, pat, 0);
		q_cat(qb, " ESCAPE '\\'");
	}
	/* Only separators (","): no word to require, as if no name. */
	return CR_OK;
}

/* A filter is given when it has something besides white space. */
static int given(const char *s)
{
	if (s == NULL)
		return 0;
	while (is_space(*s))
		s++;
	return *s != '\0';
}

/* s without surrounding white space, malloc'd; NULL when out of memory. */
static char *dup_trimmed(const char *s)
{
	size_t n;
	char *d;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if ((d = malloc(n + 1)) != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* The WHERE conditions shared by both shapes of the query. */
static int add_filters(struct qbuild *qb, const struct store_query *q,
                       struct cr_err *err)
{
	char *mrn;
	int rc;

	if (given(q->mrn)) {
		/* The roster stores MRNs trimmed; so does a pasted one. */
		if ((mrn = dup_trimmed(q->mrn)) == NULL)
			return cr_err_set(err, CR_ENOMEM,
			                  "out of memory searching");
		q_cat(qb, " AND d.patient_mrn = ");
		q_param(qb, NULL, mrn, 0);
	}
	if (given(q->type)) {
		q_cat(qb, " AND d.doc_type = ");
		q_param(qb, q->type, NULL, 0);
	}
	if (given(q->status)) {
		q_cat(qb, " AND d.status = ");
		q_param(qb, q->status, NULL, 0);
	}
	if (given(q->from)) {
		q_cat(qb, " AND d.document_date >= ");
		q_param(qb, q->from, NULL, 0);
	}
	if (given(q->to)) {
		q_cat(qb, " AND d.document_date <= ");
		q_param(qb, q->to, NULL, 0);
	}
	if (given(q->name) && (rc = add_name_filter(qb, q->name, err)))
		return rc;
	return CR_OK;
}

static int check_query(const struct store_query *q, struct cr_err *err)
{
	if (given(q->from) && !store__valid_date(q->from))
		return cr_err_set(
		    err, CR_EINVAL,
		    "the from date is not a real YYYY-MM-DD date");
	if (given(q->to) && !store__valid_date(q->to))
		return cr_err_set(err, CR_EINVAL,
		                  "the to date is not a real YYYY-MM-DD date");
	if (given(q->status) && strcmp(q->status, "filed") != 0 &&
	    strcmp(q->status, "review") != 0 &&
	    strcmp(q->status, "rejected") != 0)
		return cr_err_set(err, CR_EINVAL,
		                  "status is one of filed, review, rejected");
	if (q->limit < 0)
		return cr_err_set(err, CR_EINVAL, "negative search limit");
	if ((given(q->name) && strlen(q->name) > QUERY_LEN_MAX) ||
	    (given(q->text) && strlen(q->text) > QUERY_LEN_MAX))
		return cr_err_set(err, CR_EINVAL,
		                  "search name or text longer than %d bytes",
		                  QUERY_LEN_MAX);
	return CR_OK;
}

int store_search(struct store *st, const struct store_query *q, store_hit_cb cb,
                 void *ctx, struct cr_err *err)
{
	struct qbuild qb;
	struct store_hit h;
	sqlite3_stmt *stmt = NULL;
	char *fts = NULL;
	int rc, limit;

	if (q == NULL || cb == NULL)
		return cr_err_set(err, CR_EINVAL, "no query given");
	if ((rc = check_query(q, err)) != CR_OK)
		return rc;
	limit = q->limit == 0 ? SEARCH_LIMIT_DEFAULT : q->limit;
	if (limit > SEARCH_LIMIT_MAX)
		limit = SEARCH_LIMIT_MAX;
	memset(&qb, 0, sizeof(qb));

	if (given(q->text)) {
		fts = fts_query(q->text, &rc, err);
		if (rc != CR_OK)
			return rc;
	}
	if (fts != NULL) {
		/* bm25() cannot be aggregated directly, so per-page scores
		 * are materialized first; min() then picks each document's
		 * best page (SQLite takes pid from the row of the min). */
		q_cat(&qb,
		      "WITH m AS MATERIALIZED (SELECT pg.document_id AS doc,"
		      " bm25(pages_fts) AS score, pages_fts.rowid AS pid"
		      " FROM pages_fts JOIN pages pg"
		      " ON pg.id = pages_fts.rowid WHERE pages_fts MATCH ");
		q_param(&qb, NULL, fts, 0); /* ?1, used again below */
		fts = NULL;
		q_cat(&qb,
		      "), b AS (SELECT doc, min(score) AS score, pid"
		      " FROM m GROUP BY doc)"
		      " SELECT r.id, r.file, r.sha256, r.status, r.doc_type,"
		      " r.document_date, r.patient_mrn, r.family_name,"
		      " r.given_name, r.birth_date,"
		      " (SELECT snippet(pages_fts, 0, '[', ']', '\xe2\x80\xa6',"
		      " 16) FROM pages_fts WHERE pages_fts MATCH ?1"
		      " AND pages_fts.rowid = r.pid),"
		      " r.created_at, r.pages, r.confidence, r.reason"
		      " FROM (SELECT " HIT_COLS ", d.created_at, d.pages,"
		      " d.confidence, d.reason, b.score, b.pid, " SORT_DATE
		      " AS sortdate FROM b JOIN documents d ON d.id = b.doc"
		      " LEFT JOIN patients p ON p.mrn = d.patient_mrn"
		      " WHERE 1");
		if ((rc = add_filters(&qb, q, err)) != CR_OK)
			goto out;
		q_cat(&qb,
		      " ORDER BY b.score, sortdate DESC, d.id DESC LIMIT ");
		q_param(&qb, NULL, NULL, limit);
		q_cat(&qb, ") r ORDER BY r.score, r.sortdate DESC, r.id DESC");
	} else {
		q_cat(&qb, "SELECT " HIT_COLS ", NULL, d.created_at, d.pages,"
		           " d.confidence, d.reason FROM documents d"
		           " LEFT JOIN patients p ON p.mrn = d.patient_mrn"
		           " WHERE 1");
		if ((rc = add_filters(&qb, q, err)) != CR_OK)
			goto out;
		q_cat(&qb, " ORDER BY " SORT_DATE " DESC, d.id DESC LIMIT ");
		q_param(&qb, NULL, NULL, limit);
	}
	if (qb.overflow) {
		rc = cr_err_set(err, CR_EINVAL, "search query too complex");
		goto out;
	}
	if ((rc = store__prepare(st, qb.sql, &stmt, err)) != CR_OK)
		goto out;
	if ((rc = q_bind(&qb, stmt)) != SQLITE_OK) {
		rc = store__db_error(st, rc, "cannot bind the search", err);
		goto out;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		h.id = sqlite3_column_int64(stmt, 0);
		h.file = (const char *)sqlite3_column_text(stmt, 1);
		h.sha256 = (const char *)sqlite3_column_text(stmt, 2);
		h.status = (const char *)sqlite3_column_text(stmt, 3);
		h.doc_type = (const char *)sqlite3_column_text(stmt, 4);
		h.document_date = (const char *)sqlite3_column_text(stmt, 5);
		h.patient_mrn = (const char *)sqlite3_column_text(stmt, 6);
		h.patient_family = (const char *)sqlite3_column_text(stmt, 7);
		h.patient_given = (const char *)sqlite3_column_text(stmt, 8);
		h.patient_birth_date =
		    (const char *)sqlite3_column_text(stmt, 9);
		h.snippet = (const char *)sqlite3_column_text(stmt, 10);
		h.created_at = (const char *)sqlite3_column_text(stmt, 11);
		h.pages = sqlite3_column_int(stmt, 12);
		h.confidence = sqlite3_column_double(stmt, 13);
		h.reason = (const char *)sqlite3_column_text(stmt, 14);
		if ((rc = cb(ctx, &h)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? CR_OK
	                       : store__db_error(st, rc, "cannot search", err);
out:
	sqlite3_finalize(stmt);
	free(fts);
	q_free(&qb);
	return rc;
}

/* ---- One document in full -------------------------------------------- */

/* Copy column i (NULL stays NULL).  0, or CR_ENOMEM. */
static int col_dup(sqlite3_stmt *stmt, int i, const char **out)
{
	const unsigned char *t;

	*out = NULL;
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return CR_OK;
	t = sqlite3_column_text(stmt, i);
	if (t == NULL || (*out = strdup((const char *)t)) == NULL)
		return CR_ENOMEM;
	return CR_OK;
}

/* Room for one more element in an array of n elements of size sz whose
 * capacity is *cap: returns the (maybe moved) array, or NULL when out of
 * memory (then p is still valid and still the caller's). */
static void *grow(void *p, size_t n, size_t *cap, size_t sz)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return p;
	ncap = *cap ? *cap * 2 : 8;
	if ((q = realloc(p, ncap * sz)) == NULL)
		return NULL;
	memset((char *)q + n * sz, 0, (ncap - n) * sz);
	*cap = ncap;
	return q;
}

static int load_document(struct store *st, struct store_docview *v, int64_t id,
                         struct cr_err *err)
{
	static const char sql[] =
	    "SELECT d.id, d.file, d.sha256, d.size_bytes, d.original_path,"
	    " d.status, d.doc_type, d.patient_mrn, d.document_date, d.pages,"
	    " d.confidence, d.reason, d.source,"
	    " (SELECT actor FROM links l WHERE l.document_id = d.id"
	    "  ORDER BY l.id DESC LIMIT 1),"
	    " d.created_at, p.family_name, p.given_name, p.birth_date"
	    " FROM documents d LEFT JOIN patients p ON p.mrn = d.patient_mrn"
	    " WHERE d.id = ?1";
	struct store_document *d = &v->doc;
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		rc = cr_err_set(err, CR_ENOTFOUND, "no document %lld",
		                (long long)id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = store__db_error(st, rc, "cannot read a document", err);
		goto out;
	}
	d->id = sqlite3_column_int64(stmt, 0);
	d->size_bytes = (uint64_t)sqlite3_column_int64(stmt, 3);
	d->pages = sqlite3_column_int(stmt, 9);
	d->confidence = sqlite3_column_double(stmt, 10);
	if (col_dup(stmt, 1, &d->file) || col_dup(stmt, 2, &d->sha256) ||
	    col_dup(stmt, 4, &d->original_path) ||
	    col_dup(stmt, 5, &d->status) || col_dup(stmt, 6, &d->doc_type) ||
	    col_dup(stmt, 7, &d->patient_mrn) ||
	    col_dup(stmt, 8, &d->document_date) ||
	    col_dup(stmt, 11, &d->reason) || col_dup(stmt, 12, &d->source) ||
	    col_dup(stmt, 13, &d->actor) || col_dup(stmt, 14, &v->created_at) ||
	    col_dup(stmt, 15, &v->patient_family) ||
	    col_dup(stmt, 16, &v->patient_given) ||
	    col_dup(stmt, 17, &v->patient_birth_date))
		rc = cr_err_set(err, CR_ENOMEM,
		                "out of memory reading "
		                "document %lld",
		                (long long)id);
	else
		rc = CR_OK;
	/* The original is where this store keeps that hash now, wherever
	 * the store folder was when the row was written (relative paths,
	 * a moved store). */
	if (rc == CR_OK && d->sha256 != NULL) {
		char *p = store_original_path(st, d->sha256);
		if (p != NULL) {
			free((void *)d->original_path);
			d->original_path = p;
		}
	}
out:
	sqlite3_finalize(stmt);
	return rc;
}

static int load_pages(struct store *st, struct store_docview *v,
                      struct cr_err *err)
{
	static const char sql[] =
	    "SELECT page_index, width, height, dpi, rotation_deg, mean_conf,"
	    " text FROM pages WHERE document_id = ?1 ORDER BY page_index";
	sqlite3_stmt *stmt = NULL;
	struct store_page *pg;
	size_t cap = 0;
	void *q;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, v->doc.id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((q = grow(v->pages, v->npages, &cap, sizeof(*pg))) == NULL)
			goto nomem;
		v->pages = q;
		pg = &v->pages[v->npages++];
		pg->index = sqlite3_column_int(stmt, 0);
		pg->width = sqlite3_column_int(stmt, 1);
		pg->height = sqlite3_column_int(stmt, 2);
		pg->dpi = sqlite3_column_int(stmt, 3);
		pg->rotation_deg = sqlite3_column_int(stmt, 4);
		pg->mean_conf = sqlite3_column_double(stmt, 5);
		if (col_dup(stmt, 6, &pg->text) != CR_OK)
			goto nomem;
	}
	rc = rc == SQLITE_DONE
	         ? CR_OK
	         : store__db_error(st, rc, "cannot read pages", err);
	sqlite3_finalize(stmt);
	return rc;
nomem:
	sqlite3_finalize(stmt);
	return cr_err_set(err, CR_ENOMEM, "out of memory reading document %lld",
	                  (long long)v->doc.id);
}

static int load_fields(struct store *st, struct store_docview *v,
                       struct cr_err *err)
{
	static const char sql[] =
	    "SELECT name, value, conf, page, x0, y0, x1, y1, source"
	    " FROM fields WHERE document_id = ?1 ORDER BY id";
	sqlite3_stmt *stmt = NULL;
	struct store_field *f;
	size_t cap = 0;
	void *q;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, v->doc.id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((q = grow(v->fields, v->nfields, &cap, sizeof(*f))) == NULL)
			goto nomem;
		v->fields = q;
		f = &v->fields[v->nfields++];
		f->conf = sqlite3_column_double(stmt, 2);
		f->page = sqlite3_column_int(stmt, 3);
		f->x0 = sqlite3_column_int(stmt, 4);
		f->y0 = sqlite3_column_int(stmt, 5);
		f->x1 = sqlite3_column_int(stmt, 6);
		f->y1 = sqlite3_column_int(stmt, 7);
		if (col_dup(stmt, 0, &f->name) || col_dup(stmt, 1, &f->value) ||
		    col_dup(stmt, 8, &f->source))
			goto nomem;
	}
	rc = rc == SQLITE_DONE
	         ? CR_OK
	         : store__db_error(st, rc, "cannot read fields", err);
	sqlite3_finalize(stmt);
	return rc;
nomem:
	sqlite3_finalize(stmt);
	return cr_err_set(err, CR_ENOMEM, "out of memory reading document %lld",
	                  (long long)v->doc.id);
}

static int load_candidates(struct store *st, struct store_docview *v,
                           struct cr_err *err)
{
	static const char sql[] = "SELECT mrn, score, evidence FROM candidates"
	                          " WHERE document_id = ?1 ORDER BY rank";
	sqlite3_stmt *stmt = NULL;
	struct store_candidate *c;
	size_t cap = 0;
	void *q;
	int rc;

	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, v->doc.id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((q = grow(v->cands, v->ncands, &cap, sizeof(*c))) == NULL)
			goto nomem;
		v->cands = q;
		c = &v->cands[v->ncands++];
		c->score = sqlite3_column_double(stmt, 1);
		if (col_dup(stmt, 0, &c->mrn) || col_dup(stmt, 2, &c->evidence))
			goto nomem;
	}
	rc = rc == SQLITE_DONE
	         ? CR_OK
	         : store__db_error(st, rc, "cannot read candidates", err);
	sqlite3_finalize(stmt);
	return rc;
nomem:
	sqlite3_finalize(stmt);
	return cr_err_set(err, CR_ENOMEM, "out of memory reading document %lld",
	                  (long long)v->doc.id);
}

struct store_docview *store_document_get(struct store *st, int64_t id,
                                         struct cr_err *err)
{
	struct store_docview *v;
	int rc, own = 0;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		cr_err_set(err, CR_ENOMEM,
		           "out of memory reading document %lld",
		           (long long)id);
		return NULL;
	}
	/* One read transaction, so the parts agree with each other even if
	 * a relink commits meanwhile. */
	own = sqlite3_get_autocommit(st->db);
	if (own && (rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL))) {
		rc = store__db_error(st, rc, "cannot start a read", err);
		goto fail;
	}
	if ((rc = load_document(st, v, id, err)) != CR_OK ||
	    (rc = load_pages(st, v, err)) != CR_OK ||
	    (rc = load_fields(st, v, err)) != CR_OK ||
	    (rc = load_candidates(st, v, err)) != CR_OK)
		goto fail;
	if (own)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return v;
fail:
	if (own && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	store_docview_free(v);
	return NULL;
}

void store_docview_free(struct store_docview *v)
{
	struct store_document *d;
	size_t i;

	if (v == NULL)
		return;
	d = &v->doc;
	free((void *)d->file);
	free((void *)d->sha256);
	free((void *)d->original_path);
	free((void *)d->status);
	free((void *)d->doc_type);
	free((void *)d->patient_mrn);
	free((void *)d->document_date);
	free((void *)d->reason);
	free((void *)d->source);
	free((void *)d->actor);
	free((void *)v->created_at);
	free((void *)v->patient_family);
	free((void *)v->patient_given);
	free((void *)v->patient_birth_date);
	for (i = 0; i < v->npages; i++)
		free((void *)v->pages[i].text);
	free(v->pages);
	for (i = 0; i < v->nfields; i++) {
		free((void *)v->fields[i].name);
		free((void *)v->fields[i].value);
		free((void *)v->fields[i].source);
	}
	free(v->fields);
	for (i = 0; i < v->ncands; i++) {
		free((void *)v->cands[i].mrn);
		free((void *)v->cands[i].evidence);
	}
	free(v->cands);
	free(v);
}

int store_document_history(struct store *st, int64_t id, store_link_cb cb,
                           void *ctx, struct cr_err *err)
{
	static const char sql[] =
	    "SELECT at, actor, status, mrn, reason FROM links"
	    " WHERE document_id = ?1 ORDER BY id";
	struct store_link_event e;
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = store__exists(st, "SELECT 1 FROM documents WHERE id = ?1", id,
	                   NULL, err);
	if (rc == 0)
		return cr_err_set(err, CR_ENOTFOUND, "no document %lld",
		                  (long long)id);
	if (rc < 0)
		return rc;
	if ((rc = store__prepare(st, sql, &stmt, err)) != CR_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		e.at = (const char *)sqlite3_column_text(stmt, 0);
		e.actor = (const char *)sqlite3_column_text(stmt, 1);
		e.status = (const char *)sqlite3_column_text(stmt, 2);
		e.mrn = (const char *)sqlite3_column_text(stmt, 3);
		e.reason = (const char *)sqlite3_column_text(stmt, 4);
		if ((rc = cb(ctx, &e)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE
	         ? CR_OK
	         : store__db_error(st, rc, "cannot read the link history", err);
out:
	sqlite3_finalize(stmt);
	return rc;
}
