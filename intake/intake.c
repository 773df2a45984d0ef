/*
 * intake.c - the per-file pipeline around the worker pool.
 *
 * The calling thread owns the store (one SQLite connection) and the order
 * of results.  It keeps a bounded window of files in flight: for each it
 * hashes the bytes (a duplicate stops there), opens and validates the scan
 * (a bad file is rejected there, with the reason), and submits its pages.
 * It then waits for the oldest file, merges its pages' readings, decides
 * type and patient, keeps the original and commits the document, and only
 * then reports it.  The original is written and fsynced before the row
 * that points at it commits (store_original_put), so a crash in between
 * leaves at worst an unreferenced original, never a dangling row.
 */
#include "intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"
#include "prose.h"

void intake_opts_default(struct intake_opts *o)
{
	memset(o, 0, sizeof(*o));
	ocr_limits_default(&o->limits);
	match_config_default(&o->match);
	o->reread = 1;
}

/* One input in the window. */
struct slot {
	struct job job;
	const struct intake_input *in;
	const char *file;     /* the name reported and recorded */
	char sha[65];
	uint64_t size;
	int early;            /* 1 when the outcome is known before OCR */
	const char *status;   /* for early outcomes */
	int rc;
	char reason[600];
	int64_t dup_of;
};

static void slot_clear(struct slot *s)
{
	int i;

	for (i = 0; s->job.pages != NULL && i < s->job.npages; i++) {
		ocr_page_clear(&s->job.pages[i].ocr);
		readings_free(&s->job.pages[i].rd);
	}
	free(s->job.pages);
	ocr_doc_free(s->job.doc);
	memset(s, 0, sizeof(*s));
}

static void reject(struct slot *s, int rc, const char *msg)
{
	s->early = 1;
	s->status = "rejected";
	s->rc = rc;
	cr_strlcpy(s->reason, msg, sizeof(s->reason));
}

/* Hash, look for a duplicate, open and validate.  Returns 1 when the file
 * needs OCR, 0 when its outcome is already known. */
static int slot_prepare(struct store *st, const struct intake_opts *o,
			struct slot *s, const struct intake_input *in)
{
	const char *file = in->path;
	struct cr_err err;
	int64_t id;

	cr_err_clear(&err);
	s->in = in;
	s->file = in->name != NULL ? in->name : in->path;
	s->job.path = file;
	if (cr_sha256_file(file, s->sha, &s->size, &err) != CR_OK) {
		reject(s, err.code, err.msg);
		return 0;
	}
	if (store_document_by_sha(st, s->sha, &id, NULL) == CR_OK) {
		s->early = 1;
		s->status = "duplicate";
		s->dup_of = id;
		snprintf(s->reason, sizeof(s->reason),
			 "the same file (SHA-256 %.12s…) was already ingested "
			 "as document %lld",
			 s->sha, (long long)id);
		return 0;
	}
	if (s->size > o->limits.max_file_bytes) {
		char msg[600];
		snprintf(msg, sizeof(msg),
			 "%s is %llu bytes, over the %llu-byte limit", file,
			 (unsigned long long)s->size,
			 (unsigned long long)o->limits.max_file_bytes);
		reject(s, CR_ELIMIT, msg);
		return 0;
	}
	s->job.doc = ocr_doc_open(file, &o->limits, &err);
	if (s->job.doc == NULL) {
		reject(s, err.code ? err.code : CR_EFORMAT, err.msg);
		return 0;
	}
	s->job.npages = ocr_doc_page_count(s->job.doc);
	s->job.pages = calloc((size_t)s->job.npages, sizeof(*s->job.pages));
	if (s->job.pages == NULL) {
		reject(s, CR_ENOMEM, "out of memory");
		return 0;
	}
	return 1;
}

/* ---- Deciding what a document is ------------------------------------ */

struct merged {
	struct readings all;
	char *text;
	const char *doc_type;
	struct match_result m;
	const char *best[FIELD_COUNT]; /* reported value per field */
	double best_conf[FIELD_COUNT];
	int best_page[FIELD_COUNT];
};

static int append_text(char **buf, size_t *len, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *b = realloc(*buf, *len + n + 2);

	if (b == NULL)
		return CR_ENOMEM;
	memcpy(b + *len, s ? s : "", n);
	*len += n;
	b[(*len)++] = '\f';
	b[*len] = '\0';
	*buf = b;
	return CR_OK;
}

static int is_iso(const char *v)
{
	return strlen(v) == 10 && v[4] == '-' && v[7] == '-';
}

/* Choose the value reported per field: the reading that agrees with the
 * linked patient when there is one, else the most confident. */
static void choose_reported(struct merged *mg, const struct match_patient *p)
{
	size_t i;
	int f;

	for (f = 0; f < FIELD_COUNT; f++) {
		const struct reading *best = NULL;
		int best_rank = -1;
		for (i = 0; i < mg->all.n; i++) {
			const struct reading *r = &mg->all.v[i];
			int rank = 0;
			if (r->field != f || r->subject < 0)
				continue;
			if (f == FIELD_MRN && strcmp(r->source, "barcode") == 0)
				rank = 1;
			if ((f == FIELD_DOB || f == FIELD_DOCDATE) &&
			    !is_iso(r->value))
				continue;
			if (p != NULL && f == FIELD_DOB &&
			    strcmp(r->value, p->birth_date) == 0)
				rank = 3;
			if (p != NULL && f == FIELD_MRN) {
				char a[64], b[64];
				match_fold_digits(r->value, a, sizeof(a));
				match_fold_digits(p->mrn, b, sizeof(b));
				if (strcmp(a, b) == 0)
					rank = 3;
			}
			/* another field's value, perhaps: shown only when it
			 * is the linked patient's */
			if (r->support_only && rank < 3)
				continue;
			if (rank > best_rank ||
			    (rank == best_rank && r->conf > best->conf)) {
				best = r;
				best_rank = rank;
			}
		}
		if (best != NULL) {
			mg->best[f] = best->value;
			mg->best_conf[f] = best->conf;
			mg->best_page[f] = best->page;
		}
	}
	/* A document date before the birth date is a misread. */
	if (mg->best[FIELD_DOCDATE] && mg->best[FIELD_DOB] &&
	    strcmp(mg->best[FIELD_DOCDATE], mg->best[FIELD_DOB]) < 0)
		mg->best[FIELD_DOCDATE] = NULL;
}

static int merge_and_decide(const struct match_roster *roster,
			    const struct intake_opts *o, struct slot *s,
			    struct merged *mg)
{
	const char *hint = doctype_name(s->in->doc_type_hint);
	struct match_reading *mr = NULL;
	size_t len = 0, i, n = 0;
	int pg;

	for (pg = 0; pg < s->job.npages; pg++) {
		const struct page_out *po = &s->job.pages[pg];
		if (append_text(&mg->text, &len, po->ocr.text) != CR_OK)
			return CR_ENOMEM;
		for (i = 0; i < po->rd.n; i++)
			if (readings_add(&mg->all, &po->rd.v[i]) != CR_OK)
				return CR_ENOMEM;
	}
	mg->doc_type = doctype_classify(mg->text);
	if (strcmp(mg->doc_type, "unknown") == 0 && hint != NULL)
		mg->doc_type = hint;
	if (s->job.npages > 0 &&
	    docdate_from_layout(mg->doc_type, &s->job.pages[0].ocr, &mg->all) !=
		CR_OK)
		return CR_ENOMEM;
	/* Letters name their patient in sentences; so do forms whose name
	 * box could not be read.  Look for roster names in the text. */
	for (i = 0; i < mg->all.n; i++)
		if (mg->all.v[i].field == FIELD_NAME &&
		    !mg->all.v[i].support_only)
			break;
	if (i == mg->all.n || strcmp(mg->doc_type, "correspondence") == 0) {
		size_t first = mg->all.n;
		if (prose_find_names(mg->text, roster, 0, &mg->all) != CR_OK)
			return CR_ENOMEM;
		/* In a letter, a name is evidence only when the text says it
		 * is whom the letter is about ("my mother ...", "regarding
		 * ..."): the writer is often a patient too. */
		if (strcmp(mg->doc_type, "correspondence") == 0)
			for (i = first; i < mg->all.n; i++)
				if (mg->all.v[i].subject == 0)
					mg->all.v[i].subject = -1;
	}

	mr = calloc(mg->all.n + 1, sizeof(*mr));
	if (mr == NULL)
		return CR_ENOMEM;
	for (i = 0; i < mg->all.n; i++) {
		const struct reading *r = &mg->all.v[i];
		int kind;
		switch (r->field) {
		case FIELD_NAME: kind = MATCH_NAME; break;
		case FIELD_DOB: kind = MATCH_DOB; break;
		case FIELD_MRN:
			kind = strcmp(r->source, "barcode") == 0 ? MATCH_BARCODE
								 : MATCH_MRN;
			break;
		default: continue;
		}
		mr[n].kind = kind;
		mr[n].value = r->value;
		mr[n].conf = r->conf;
		mr[n].source = r->source;
		mr[n].subject = r->subject;
		mr[n].support_only = r->support_only;
		n++;
	}
	match_link(roster, &o->match, mr, n, &mg->m);
	free(mr);
	choose_reported(mg, mg->m.filed ? match_roster_get(
						 roster, mg->m.cands[0].patient)
					: NULL);
	return CR_OK;
}

/* ---- Committing and reporting --------------------------------------- */

static int commit_document(struct store *st, const struct intake_opts *o,
			   const struct match_roster *roster, struct slot *s,
			   struct merged *mg, int64_t *id_out,
			   struct cr_err *err)
{
	struct store_document d;
	struct store_page *pages = NULL;
	struct store_field *fields = NULL;
	struct store_candidate *cands = NULL;
	char *orig = NULL;
	size_t i;
	int rc, pg;

	memset(&d, 0, sizeof(d));
	pages = calloc((size_t)s->job.npages, sizeof(*pages));
	fields = calloc(mg->all.n + 1, sizeof(*fields));
	cands = calloc(MATCH_MAX_CANDIDATES, sizeof(*cands));
	if (pages == NULL || fields == NULL || cands == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory");
		goto done;
	}
	rc = store_original_put(st, s->job.path, s->sha, &orig, err);
	if (rc != CR_OK)
		goto done;
	for (pg = 0; pg < s->job.npages; pg++) {
		const struct ocr_page *op = &s->job.pages[pg].ocr;
		pages[pg].index = pg;
		pages[pg].width = op->width;
		pages[pg].height = op->height;
		pages[pg].dpi = op->dpi;
		pages[pg].rotation_deg = op->rotation_deg;
		pages[pg].mean_conf = op->mean_conf;
		pages[pg].text = op->text ? op->text : "";
	}
	for (i = 0; i < mg->all.n; i++) {
		const struct reading *r = &mg->all.v[i];
		fields[i].name = field_names[r->field];
		fields[i].value = r->value;
		fields[i].conf = r->conf;
		fields[i].page = r->page;
		fields[i].x0 = r->x0;
		fields[i].y0 = r->y0;
		fields[i].x1 = r->x1;
		fields[i].y1 = r->y1;
		fields[i].source = r->source;
	}
	for (i = 0; i < mg->m.ncands; i++) {
		cands[i].mrn =
		    match_roster_get(roster, mg->m.cands[i].patient)->mrn;
		cands[i].score = mg->m.cands[i].score;
		cands[i].evidence = mg->m.cands[i].evidence;
	}
	d.file = s->file;
	d.sha256 = s->sha;
	d.size_bytes = s->size;
	d.original_path = orig;
	d.status = mg->m.filed ? "filed" : "review";
	d.doc_type = mg->doc_type;
	d.patient_mrn = mg->m.filed ? cands[0].mrn : NULL;
	d.document_date = mg->best[FIELD_DOCDATE];
	d.pages = s->job.npages;
	d.confidence = mg->m.ncands ? mg->m.cands[0].score : 0.0;
	d.reason = mg->m.filed ? NULL : mg->m.reason;
	d.source = s->in->source != NULL ? s->in->source : o->source;
	d.actor = o->actor ? o->actor : "intake";
	if (o->on_commit != NULL && (rc = store_begin(st, err)) != CR_OK)
		goto done;
	rc = store_document_insert(st, &d, pages, (size_t)s->job.npages, fields,
				   mg->all.n, cands, mg->m.ncands, err);
	if (rc == CR_OK && o->on_commit != NULL)
		rc = o->on_commit(o->commit_ctx, st, s->in, d.id, d.status,
				  s->job.npages, err);
	if (o->on_commit != NULL) {
		if (rc == CR_OK)
			rc = store_commit(st, err);
		if (rc != CR_OK)
			store_rollback(st);
	}
	*id_out = d.id;
done:
	free(orig);
	free(pages);
	free(fields);
	free(cands);
	return rc;
}

static void report_early(struct slot *s, intake_result_cb cb, void *ctx)
{
	struct intake_result r;

	memset(&r, 0, sizeof(r));
	r.file = s->file;
	r.input = s->in;
	r.status = s->status;
	r.document_id = s->dup_of;
	r.doc_type = "unknown";
	r.reason = s->reason;
	r.error_code = s->rc;
	cb(ctx, &r);
}

static void finish(struct store *st, const struct intake_opts *o,
		   const struct match_roster *roster, struct slot *s,
		   intake_result_cb cb, void *ctx)
{
	struct intake_field fl[FIELD_COUNT];
	struct intake_result r;
	struct merged mg;
	struct cr_err err;
	int64_t id = 0;
	int pg, f;

	for (pg = 0; pg < s->job.npages; pg++) {
		const struct page_out *po = &s->job.pages[pg];
		if (po->rc != CR_OK) {
			char msg[600];
			snprintf(msg, sizeof(msg), "page %d of %d: %s", pg + 1,
				 s->job.npages, po->err.msg);
			reject(s, po->rc, msg);
			report_early(s, cb, ctx);
			return;
		}
	}
	memset(&mg, 0, sizeof(mg));
	cr_err_clear(&err);
	if (merge_and_decide(roster, o, s, &mg) != CR_OK) {
		reject(s, CR_ENOMEM, "out of memory while reading the document");
		report_early(s, cb, ctx);
		goto out;
	}
	/* The same bytes may have come twice in this batch. */
	if (store_document_by_sha(st, s->sha, &s->dup_of, NULL) == CR_OK) {
		s->status = "duplicate";
		snprintf(s->reason, sizeof(s->reason),
			 "the same file was already ingested as document %lld",
			 (long long)s->dup_of);
		report_early(s, cb, ctx);
		goto out;
	}
	if (commit_document(st, o, roster, s, &mg, &id, &err) != CR_OK) {
		/* Our failure, not the scan's (disk full, database busy, the
		 * file changed while we read it): "error", to be retried,
		 * never "rejected". */
		reject(s, err.code, err.msg);
		s->status = "error";
		report_early(s, cb, ctx);
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.file = s->file;
	r.input = s->in;
	r.status = mg.m.filed ? "filed" : "review";
	r.document_id = id;
	r.mrn = mg.m.filed
		    ? match_roster_get(roster, mg.m.cands[0].patient)->mrn
		    : NULL;
	r.doc_type = mg.doc_type;
	r.pages = s->job.npages;
	for (f = 0; f < FIELD_COUNT; f++) {
		if (mg.best[f] == NULL)
			continue;
		fl[r.nfields].name = field_names[f];
		fl[r.nfields].value = mg.best[f];
		fl[r.nfields].conf = mg.best_conf[f];
		fl[r.nfields].page = mg.best_page[f];
		r.nfields++;
	}
	r.fields = fl;
	r.confidence = mg.m.ncands ? mg.m.cands[0].score : 0.0;
	r.reason = mg.m.filed ? NULL : mg.m.reason;
	r.match = &mg.m;
	r.roster = roster;
	cb(ctx, &r);
out:
	readings_free(&mg.all);
	free(mg.text);
}

static int load_patient(void *ctx, const struct store_patient *p)
{
	struct match_patient mp = {p->mrn,	  p->family_name, p->given_name,
				   p->middle_name, p->birth_date,  p->physician};

	return match_roster_add(ctx, &mp) == CR_OK ? 0 : CR_ENOMEM;
}

struct intake {
	struct store *st;
	const struct intake_opts *o;
	struct match_roster *roster;
	struct pool *pool;   /* started when the first page needs OCR */
	struct slot *win;
	size_t window;
};

int intake_reload_roster(struct intake *in, struct cr_err *err)
{
	struct match_roster *r = match_roster_new();
	int rc;

	if (r == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	rc = store_patient_each(in->st, load_patient, r, err);
	if (rc != CR_OK) {
		match_roster_free(r);
		return rc;
	}
	match_roster_free(in->roster);
	in->roster = r;
	return CR_OK;
}

struct intake *intake_open(struct store *st, const struct intake_opts *o,
			   struct cr_err *err)
{
	struct intake *in = calloc(1, sizeof(*in));
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int workers = o->workers > 0 ? o->workers : cores > 0 ? (int)cores : 1;

	if (in == NULL) {
		cr_err_set(err, CR_ENOMEM, "out of memory");
		return NULL;
	}
	in->st = st;
	in->o = o;
	/* Enough files in flight to keep every worker busy, few enough
	 * that memory stays flat for any backlog. */
	in->window = (size_t)workers * 2 + 2;
	in->win = calloc(in->window, sizeof(*in->win));
	if (in->win == NULL) {
		cr_err_set(err, CR_ENOMEM, "out of memory");
		intake_close(in);
		return NULL;
	}
	if (intake_reload_roster(in, err) != CR_OK) {
		intake_close(in);
		return NULL;
	}
	return in;
}

void intake_close(struct intake *in)
{
	size_t i;

	if (in == NULL)
		return;
	pool_stop(in->pool);
	for (i = 0; in->win != NULL && i < in->window; i++)
		slot_clear(&in->win[i]);
	free(in->win);
	match_roster_free(in->roster);
	free(in);
}

int intake_stream(struct intake *in, intake_next_cb next, intake_result_cb cb,
		  void *ctx, struct cr_err *err)
{
	size_t next_open = 0, next_done = 0;
	int more = 1;

	for (;;) {
		struct slot *s;
		while (more && next_open - next_done < in->window) {
			const struct intake_input *inp = next(ctx);
			if (inp == NULL) {
				more = 0;
				break;
			}
			s = &in->win[next_open % in->window];
			if (slot_prepare(in->st, in->o, s, inp)) {
				if (in->pool == NULL &&
				    (in->pool = pool_start(in->o, err)) ==
					NULL) {
					/* Nothing can be read without an
					 * engine: report what is in flight as
					 * an error (retry later), stop. */
					size_t k;
					for (k = next_done; k <= next_open;
					     k++) {
						s = &in->win[k % in->window];
						reject(s, CR_EOCR, err->msg);
						s->status = "error";
						report_early(s, cb, ctx);
						slot_clear(s);
					}
					return err->code ? err->code : CR_EOCR;
				}
				if (pool_submit(in->pool, &s->job) != CR_OK)
					reject(s, CR_ENOMEM, "out of memory");
			}
			next_open++;
		}
		if (next_done == next_open)
			return CR_OK;
		s = &in->win[next_done % in->window];
		if (s->early) {
			report_early(s, cb, ctx);
		} else {
			pool_wait(in->pool, &s->job);
			finish(in->st, in->o, in->roster, s, cb, ctx);
		}
		slot_clear(s);
		next_done++;
		more = 1;
	}
}

/* intake_files() is a stream over an array. */
struct array_src {
	struct intake_input *v;
	size_t n, i;
};

static const struct intake_input *array_next(void *ctx)
{
	struct array_src *a = ctx;

	return a->i < a->n ? &a->v[a->i++] : NULL;
}

struct array_ctx {
	struct array_src src; /* first: array_next() takes the whole */
	intake_result_cb cb;
	void *ctx;
};

static void files_result(void *ctx, const struct intake_result *r)
{
	struct array_ctx *a = ctx;

	a->cb(a->ctx, r);
}

int intake_files(struct store *st, const char *const *files, size_t n,
		 const struct intake_opts *o, intake_result_cb cb, void *ctx,
		 struct cr_err *err)
{
	struct array_ctx a;
	struct intake *in;
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	a.cb = cb;
	a.ctx = ctx;
	a.src.n = n;
	a.src.v = calloc(n + 1, sizeof(*a.src.v));
	if (a.src.v == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		a.src.v[i].path = files[i];
	in = intake_open(st, o, err);
	if (in == NULL) {
		free(a.src.v);
		return err ? err->code : CR_ENOMEM;
	}
	rc = intake_stream(in, array_next, files_result, &a, err);
	intake_close(in);
	free(a.src.v);
	return rc;
}
