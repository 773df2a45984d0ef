/*
 * records.c - the API's records endpoints: patients, documents, page
 * images, the review queue, the audit log and break-the-glass grants.
 *
 * Every handler has the same order: check the role, ask store/access.h
 * about the patient or document, read, write the audit entry, and only
 * then answer.  When the audit entry cannot be written the data is not
 * sent (503): an access that cannot be recorded does not happen.  A
 * physician's search is filtered patient by patient with the same
 * access_patient_allowed() that guards a chart, so a grant or a change
 * of physician of record applies everywhere at once.
 *
 * Audit details hold filter names and counts, never what was typed: a
 * name search is recorded as "name", not as the name.
 */
#define _POSIX_C_SOURCE 200809L
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../intake/docjson.h"
#include "../ocr/ocr.h"
#include "../store/web_queries.h"

#define DOC_LIMIT_DEFAULT 100
#define DOC_LIMIT_MAX 500
#define PHYS_OVERFETCH 2000 /* hits read to fill a physician's page */
#define PATIENT_LIMIT_DEFAULT 50
#define REVIEW_LIMIT 500
#define AUDIT_LIMIT_DEFAULT 200
#define AUDIT_LIMIT_MAX 1000
#define IMAGE_WIDTH_DEFAULT 1000
#define IMAGE_WIDTH_MIN 16
#define IMAGE_WIDTH_MAX 2400
#define MRN_MAX 64
#define REASON_MAX 500

/* How access was granted, for the audit detail; a break-the-glass look
 * names its grant (c->grant, set by the access check), so the admin
 * reviewing grants can find every look made under one. */
static const char *via_name(struct api_call *c, enum access_via via)
{
	static _Thread_local char buf[64];

	switch (via) {
	case ACCESS_VIA_ROLE:
		return "role";
	case ACCESS_VIA_PHYSICIAN:
		return "physician of record";
	case ACCESS_VIA_GLASS:
		if (c->grant <= 0)
			return "break the glass";
		snprintf(buf, sizeof(buf), "break_glass grant %lld",
		         (long long)c->grant);
		return buf;
	default:
		return "none";
	}
}

/* Parse a bounded positive number from a query argument; -1 when bad. */
static int arg_int(const char *s, int lo, int hi)
{
	int64_t v;

	if (s == NULL || web_parse_id(s, strlen(s), &v) != 0 || v < lo ||
	    v > hi)
		return -1;
	return (int)v;
}

static int is_physician(const struct api_call *c)
{
	return c->s.user.role == ACCESS_PHYSICIAN;
}

/* 403 for a patient the caller may not see.  A physician is told that
 * breaking the glass is possible, so the page can offer it. */
static enum MHD_Result deny_patient(struct api_call *c, const char *action,
                                    const char *mrn)
{
	api_audit(c, action, mrn, 0, 0, "not allowed for this user");
	return web_reply_json(
	    c->r, 403,
	    json_pack("{s:s, s:i, s:b}", "error",
	              is_physician(c)
	                  ? "not one of your patients; break the glass with a "
	                    "reason to open this chart"
	                  : "your role may not open patient charts",
	              "status", 403, "break_glass", is_physician(c)));
}

/* An access that could not be recorded is refused. */
static enum MHD_Result audit_failed(struct api_call *c)
{
	return web_reply_error(c->r, 503,
	                       "the access could not be recorded "
	                       "in the audit log, so it was not made; try "
	                       "again");
}

static json_t *patient_json(const struct store_patient *p)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:o}", "mrn", p->mrn,
	                 "family_name", p->family_name, "given_name",
	                 p->given_name, "middle_name", api_str(p->middle_name),
	                 "birth_date", p->birth_date, "sex", api_str(p->sex),
	                 "physician", api_str(p->physician));
}

static json_t *doc_id_json(int64_t id)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)id);
	return json_string(buf);
}

/* ---- Patients -------------------------------------------------------- */

struct patients_ctx {
	struct api_call *c;
	json_t *list;
	int limit, n, failed;
};

static int on_patient(void *vctx, const struct store_patient *p)
{
	struct patients_ctx *x = vctx;

	if (is_physician(x->c)) {
		int rc = access_patient_allowed(x->c->st, &x->c->s.user, p->mrn,
		                                x->c->now_ms, NULL, NULL, NULL);
		if (rc == CR_EPERM)
			return 0;
		if (rc != CR_OK) {
			x->failed = rc;
			return 1;
		}
	}
	json_array_append_new(x->list, patient_json(p));
	return ++x->n >= x->limit;
}

static int on_patient_one(void *vctx, const struct store_patient *p)
{
	json_array_append_new(vctx, patient_json(p));
	return 0;
}

/*
 * A search shows names, birth dates and text of every patient it lists:
 * each of them gets a patient_view entry, so "audit log --patient MRN"
 * shows the disclosure, and the search's own entry names the documents
 * listed.  One transaction for all of them (one commit, not one each).
 * list is the result array; a patient's MRN is at "mrn" or
 * "patient"."mrn".
 */
static int audit_listed(struct api_call *c, json_t *list, const char *what,
                        const char *search_detail)
{
	char seen[64][80], detail[ACCESS_DETAIL_MAX];
	size_t i, k, nseen = 0, len;
	struct cr_err err;
	json_t *item;
	int rc;

	len = (size_t)snprintf(detail, sizeof(detail), "%s", search_detail);
	web_write_lock(c->r->srv);
	c->holds_write_lock = 1;
	cr_err_clear(&err);
	rc = store_begin(c->st, &err);
	json_array_foreach(list, i, item) {
		json_t *pt = json_object_get(item, "patient");
		const char *mrn = json_string_value(
		    json_object_get(json_is_object(pt) ? pt : item, "mrn"));
		const char *doc =
		    json_string_value(json_object_get(item, "document_id"));
		if (doc != NULL && len < sizeof(detail))
			len += (size_t)snprintf(detail + len,
			                        sizeof(detail) - len, "%s%s",
			                        i ? "," : "; listed ", doc);
		if (rc != CR_OK || mrn == NULL)
			continue;
		for (k = 0; k < nseen && strcmp(seen[k], mrn) != 0; k++)
			;
		if (k < nseen)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			cr_strlcpy(seen[nseen++], mrn, sizeof(seen[0]));
		rc = api_audit(c, ACCESS_AUDIT_PATIENT_VIEW, mrn, 0, 1,
		               "listed in %s results", what);
	}
	if (len >= sizeof(detail)) /* cut: say so */
		memcpy(detail + sizeof(detail) - 4, "...", 4);
	if (rc == CR_OK)
		rc = api_audit(c, ACCESS_AUDIT_SEARCH, NULL, 0, 1, "%s", detail);
	if (rc == CR_OK)
		rc = store_commit(c->st, &err);
	else
		store_rollback(c->st);
	c->holds_write_lock = 0;
	web_write_unlock(c->r->srv);
	return rc;
}

enum MHD_Result api_patients(struct api_call *c)
{
	const char *mrn = web_arg(c->r, "mrn"), *q = web_arg(c->r, "q");
	const char *lim = web_arg(c->r, "limit");
	struct patients_ctx x;
	struct cr_err err;
	enum access_via via = ACCESS_VIA_NONE;
	char detail[ACCESS_DETAIL_MAX];
	int rc;

	cr_err_clear(&err);
	if (mrn != NULL) {
		json_t *list;
		if (*mrn == '\0' || strlen(mrn) > MRN_MAX)
			return web_reply_error(c->r, 400,
			                       "mrn is 1 to %d "
			                       "characters",
			                       MRN_MAX);
		rc = access_patient_allowed(c->st, &c->s.user, mrn, c->now_ms,
		                            &via, &c->grant, &err);
		if (rc == CR_EPERM)
			return deny_patient(c, ACCESS_AUDIT_PATIENT_VIEW, mrn);
		if (rc != CR_OK)
			return api_fail(c, &err, "check access");
		if ((list = json_array()) == NULL)
			return web_reply_error(c->r, 500, "out of memory");
		rc = store_patient_get(c->st, mrn, on_patient_one, list, &err);
		if (rc != CR_OK && rc != CR_ENOTFOUND) {
			json_decref(list);
			return api_fail(c, &err, "read the patient");
		}
		if (api_audit(c, ACCESS_AUDIT_PATIENT_VIEW, mrn, 0, 1,
		              "demographics via %s%s", via_name(c, via),
		              rc == CR_ENOTFOUND ? "; no such patient" : "") !=
		    CR_OK) {
			json_decref(list);
			return audit_failed(c);
		}
		if (rc == CR_ENOTFOUND) {
			json_decref(list);
			return web_reply_error(c->r, 404,
			                       "no patient with that "
			                       "MRN");
		}
		return web_reply_json(c->r, 200,
		                      json_pack("{s:o}", "patients", list));
	}
	if (!access_role_may(c->s.user.role, ACCESS_ACT_SEARCH))
		return api_deny(c, ACCESS_AUDIT_SEARCH, NULL, 0,
		                "your role may not search patients");
	if (q == NULL)
		return web_reply_error(c->r, 400,
		                       "give q (name words, MRN or "
		                       "birth date) or mrn");
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.limit = PATIENT_LIMIT_DEFAULT;
	if (lim != NULL &&
	    (x.limit = arg_int(lim, 1, STORE_PATIENT_FIND_MAX)) < 0)
		return web_reply_error(c->r, 400, "limit is 1 to %d",
		                       STORE_PATIENT_FIND_MAX);
	if ((x.list = json_array()) == NULL)
		return web_reply_error(c->r, 500, "out of memory");
	rc = store_patient_find(
	    c->st, q, is_physician(c) ? STORE_PATIENT_FIND_MAX : x.limit,
	    on_patient, &x, &err);
	if (rc < 0 || x.failed) {
		json_decref(x.list);
		if (x.failed)
			cr_err_set(&err, x.failed, "cannot check access");
		return api_fail(c, &err, "search patients");
	}
	snprintf(detail, sizeof(detail), "patient search; %d patients", x.n);
	if (audit_listed(c, x.list, "patient search", detail) != CR_OK) {
		json_decref(x.list);
		return audit_failed(c);
	}
	return web_reply_json(
	    c->r, 200,
	    json_pack("{s:o, s:i}", "patients", x.list, "count", x.n));
}

/* ---- Document search ------------------------------------------------- */

struct docs_ctx {
	struct api_call *c;
	json_t *list;
	int limit, n, failed;
	/* Per-request memo of physician decisions, by MRN. */
	struct {
		char mrn[MRN_MAX + 1];
		int ok;
	} memo[64];
	int nmemo;
	int patients; /* distinct patients shown (approximate past 64) */
};

/* May the caller see this hit?  1 yes, 0 no, negative error. */
static int hit_visible(struct docs_ctx *x, const struct store_hit *h)
{
	int i, rc;

	if (!is_physician(x->c))
		return 1;
	if (h->patient_mrn == NULL || strcmp(h->status, "filed") != 0)
		return 0; /* physicians never see unfiled documents */
	for (i = 0; i < x->nmemo; i++)
		if (strcmp(x->memo[i].mrn, h->patient_mrn) == 0)
			return x->memo[i].ok;
	rc = access_patient_allowed(x->c->st, &x->c->s.user, h->patient_mrn,
	                            x->c->now_ms, NULL, NULL, NULL);
	if (rc != CR_OK && rc != CR_EPERM)
		return rc;
	if (x->nmemo < 64 && strlen(h->patient_mrn) <= MRN_MAX) {
		cr_strlcpy(x->memo[x->nmemo].mrn, h->patient_mrn,
		           sizeof(x->memo[0].mrn));
		x->memo[x->nmemo++].ok = rc == CR_OK;
		if (rc == CR_OK)
			x->patients++;
	}
	return rc == CR_OK;
}

static int on_hit(void *vctx, const struct store_hit *h)
{
	struct docs_ctx *x = vctx;
	int ok = hit_visible(x, h);

	if (ok < 0) {
		x->failed = ok;
		return 1;
	}
	if (!ok)
		return 0;
	json_array_append_new(x->list, docjson_hit(h));
	return ++x->n >= x->limit;
}

static int valid_type(const char *t)
{
	return strcmp(t, "chart") == 0 || strcmp(t, "release_form") == 0 ||
	       strcmp(t, "correspondence") == 0 || strcmp(t, "unknown") == 0;
}

enum MHD_Result api_documents(struct api_call *c)
{
	struct store_query q;
	struct docs_ctx *x;
	struct cr_err err;
	const char *lim = web_arg(c->r, "limit");
	enum access_via via = ACCESS_VIA_NONE;
	char filters[128], detail[ACCESS_DETAIL_MAX];
	int rc;

	memset(&q, 0, sizeof(q));
	q.mrn = web_arg(c->r, "mrn");
	q.text = web_arg(c->r, "q");
	q.name = web_arg(c->r, "name");
	q.type = web_arg(c->r, "type");
	q.from = web_arg(c->r, "from");
	q.to = web_arg(c->r, "to");
	q.status = web_arg(c->r, "status");
	if (q.mrn != NULL && *q.mrn == '\0')
		q.mrn = NULL;
	if (!access_role_may(c->s.user.role, ACCESS_ACT_SEARCH))
		return api_deny(
		    c, q.mrn ? ACCESS_AUDIT_PATIENT_VIEW : ACCESS_AUDIT_SEARCH,
		    q.mrn, 0, "your role may not search documents");
	if (q.type != NULL && *q.type != '\0' && !valid_type(q.type))
		return web_reply_error(c->r, 400,
		                       "type is chart, "
		                       "release_form, correspondence or "
		                       "unknown");
	if (q.mrn != NULL && strlen(q.mrn) > MRN_MAX)
		return web_reply_error(c->r, 400,
		                       "mrn is at most %d "
		                       "characters",
		                       MRN_MAX);
	cr_err_clear(&err);
	if (q.mrn != NULL) {
		rc = access_patient_allowed(c->st, &c->s.user, q.mrn, c->now_ms,
		                            &via, &c->grant, &err);
		if (rc == CR_EPERM)
			return deny_patient(c, ACCESS_AUDIT_PATIENT_VIEW,
			                    q.mrn);
		if (rc != CR_OK)
			return api_fail(c, &err, "check access");
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return web_reply_error(c->r, 500, "out of memory");
	x->c = c;
	x->limit = DOC_LIMIT_DEFAULT;
	if (lim != NULL && (x->limit = arg_int(lim, 1, DOC_LIMIT_MAX)) < 0) {
		free(x);
		return web_reply_error(c->r, 400, "limit is 1 to %d",
		                       DOC_LIMIT_MAX);
	}
	/* A physician's page is filled from a longer read, filtered. */
	q.limit = is_physician(c) && q.mrn == NULL ? PHYS_OVERFETCH : x->limit;
	if ((x->list = json_array()) == NULL) {
		free(x);
		return web_reply_error(c->r, 500, "out of memory");
	}
	rc = store_search(c->st, &q, on_hit, x, &err);
	if (x->failed) {
		rc = x->failed;
		cr_err_set(&err, rc, "cannot check access");
	}
	if (rc < 0) {
		json_decref(x->list);
		free(x);
		return api_fail(c, &err, "search documents");
	}
	snprintf(
	    filters, sizeof(filters), "%s%s%s%s%s%s",
	    q.text && *q.text ? " text" : "", q.name && *q.name ? " name" : "",
	    q.type && *q.type ? " type" : "", q.from && *q.from ? " from" : "",
	    q.to && *q.to ? " to" : "", q.status && *q.status ? " status" : "");
	snprintf(detail, sizeof(detail),
	         "document search; filters:%s; %d documents",
	         filters[0] ? filters : " none", x->n);
	rc =
	    q.mrn != NULL
	        ? api_audit(c, ACCESS_AUDIT_PATIENT_VIEW, q.mrn, 0, 1,
	                    "chart via %s; filters:%s; %d documents",
	                    via_name(c, via),
	                    filters[0] ? filters : " none", x->n)
	        : audit_listed(c, x->list, "document search", detail);
	if (rc != CR_OK) {
		json_decref(x->list);
		free(x);
		return audit_failed(c);
	}
	rc = x->n;
	{
		json_t *list = x->list;
		free(x);
		return web_reply_json(
		    c->r, 200,
		    json_pack("{s:o, s:i}", "documents", list, "count", rc));
	}
}

/* ---- One document ---------------------------------------------------- */

/* Which parts of a document a role sees: the link history and the
 * review candidates name other patients, so physicians get neither. */
static int sees_candidates(const struct api_call *c)
{
	return c->s.user.role == ACCESS_ADMIN ||
	       c->s.user.role == ACCESS_OPERATOR ||
	       c->s.user.role == ACCESS_CLERK;
}

static int on_history(void *ctx, const struct store_link_event *e)
{
	json_array_append_new(ctx, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}",
	                                     "at", e->at, "actor", e->actor,
	                                     "status", e->status, "mrn", e->mrn,
	                                     "reason", e->reason));
	return 0;
}

static int on_candidate_patient(void *ctx, const struct store_patient *p)
{
	json_object_set_new(ctx, "patient", patient_json(p));
	return 0;
}

static json_t *docview_json(struct api_call *c, const struct store_docview *v)
{
	const struct store_document *d = &v->doc;
	json_t *o = docjson_document(v);
	size_t i;

	if (sees_candidates(c)) {
		json_t *cands = json_array(), *hist = json_array();
		for (i = 0; i < v->ncands; i++) {
			json_t *co = docjson_candidate(&v->cands[i]);
			json_object_set_new(co, "patient", json_null());
			store_patient_get(c->st, v->cands[i].mrn,
			                  on_candidate_patient, co, NULL);
			json_array_append_new(cands, co);
		}
		json_object_set_new(o, "candidates", cands);
		store_document_history(c->st, d->id, on_history, hist, NULL);
		json_object_set_new(o, "history", hist);
	}
	return o;
}

/* Ask whether the caller may see document id; answers 403/404 itself
 * (and audits) when not.  Returns 1 when allowed (*mrn owned by the
 * caller), 0 when already answered. */
static int document_gate(struct api_call *c, int64_t id, const char *action,
                         enum access_via *via, char **mrn, enum MHD_Result *ret)
{
	struct cr_err err;
	int rc;

	cr_err_clear(&err);
	*mrn = NULL;
	rc = access_document_allowed(c->st, &c->s.user, id, c->now_ms, via,
	                             &c->grant, mrn, &err);
	if (rc == CR_OK)
		return 1;
	if (rc == CR_EPERM)
		*ret = api_deny(c, action, NULL, id,
		                "not allowed to open this document");
	else if (rc == CR_ENOTFOUND) {
		api_audit(c, action, NULL, id, 0, "no such document");
		*ret = web_reply_error(c->r, 404, "no document %lld",
		                       (long long)id);
	} else
		*ret = api_fail(c, &err, "check access");
	return 0;
}

enum MHD_Result api_document(struct api_call *c, int64_t id)
{
	enum access_via via = ACCESS_VIA_NONE;
	struct store_docview *v;
	enum MHD_Result ret = MHD_YES;
	struct cr_err err;
	char *mrn;
	json_t *o;
	size_t i;
	int rc;

	if (!document_gate(c, id, ACCESS_AUDIT_DOCUMENT_VIEW, &via, &mrn, &ret))
		return ret;
	cr_err_clear(&err);
	if ((v = store_document_get(c->st, id, &err)) == NULL) {
		free(mrn);
		return api_fail(c, &err, "read the document");
	}
	o = docview_json(c, v);
	rc = api_audit(c, ACCESS_AUDIT_DOCUMENT_VIEW, mrn, id, 1,
	               "via %s; %s; %zu candidates shown",
	               via_name(c, via),
	               v->doc.status, sees_candidates(c) ? v->ncands : 0);
	/* A candidate's name and birth date are shown too: each of those
	 * patients gets an entry, so their accounting of disclosures is
	 * complete. */
	for (i = 0; rc == CR_OK && sees_candidates(c) && i < v->ncands; i++)
		rc = api_audit(c, ACCESS_AUDIT_PATIENT_VIEW, v->cands[i].mrn,
		               id, 1, "review candidate %zu of document %lld",
		               i + 1, (long long)id);
	if (rc != CR_OK) {
		json_decref(o);
		store_docview_free(v);
		free(mrn);
		return audit_failed(c);
	}
	store_docview_free(v);
	free(mrn);
	return web_reply_json(c->r, 200, o);
}

/* ---- Page images ----------------------------------------------------- */

static int render_page(const char *path, int index, int width,
                       unsigned char **png, size_t *len, struct cr_err *err)
{
	struct ocr_image *img;
	struct ocr_doc *doc;
	int rc;

	if ((doc = ocr_doc_open(path, NULL, err)) == NULL)
		return err->code ? err->code : CR_EIO;
	if (index >= ocr_doc_page_count(doc)) {
		ocr_doc_free(doc);
		return cr_err_set(err, CR_ENOTFOUND,
		                  "the original has fewer "
		                  "pages");
	}
	img = ocr_doc_load_page(doc, index, err);
	ocr_doc_free(doc);
	if (img == NULL)
		return err->code ? err->code : CR_EFORMAT;
	if (width > ocr_image_width(img) * 2)
		width = ocr_image_width(img) * 2; /* no point beyond that */
	rc = ocr_image_png(img, width, png, len, err);
	ocr_image_free(img);
	return rc;
}

enum MHD_Result api_page_image(struct api_call *c, int64_t id, int page)
{
	const char *w = web_arg(c->r, "width");
	enum access_via via = ACCESS_VIA_NONE;
	struct store_docview *v;
	enum MHD_Result ret = MHD_YES;
	unsigned char *png = NULL;
	struct cr_err err;
	char key[128], *mrn, *path;
	size_t len = 0;
	int width = IMAGE_WIDTH_DEFAULT, rc;

	if (w != NULL &&
	    (width = arg_int(w, IMAGE_WIDTH_MIN, IMAGE_WIDTH_MAX)) < 0)
		return web_reply_error(c->r, 400, "width is %d to %d pixels",
		                       IMAGE_WIDTH_MIN, IMAGE_WIDTH_MAX);
	if (!document_gate(c, id, ACCESS_AUDIT_PAGE_IMAGE, &via, &mrn, &ret))
		return ret;
	cr_err_clear(&err);
	if ((v = store_document_get(c->st, id, &err)) == NULL) {
		free(mrn);
		return api_fail(c, &err, "read the document");
	}
	if (page > v->doc.pages || v->doc.sha256 == NULL) {
		int pages = v->doc.pages;
		store_docview_free(v);
		free(mrn);
		return web_reply_error(c->r, 404,
		                       "document %lld has %d "
		                       "page%s",
		                       (long long)id, pages,
		                       pages == 1 ? "" : "s");
	}
	snprintf(key, sizeof(key), "%s/%d/%d", v->doc.sha256, page, width);
	if (!web_imgcache_get(c->r->srv->cache, key, &png, &len)) {
		path = store_original_path(c->st, v->doc.sha256);
		rc = path ? render_page(path, page - 1, width, &png, &len, &err)
		          : cr_err_set(&err, CR_ENOMEM, "out of memory");
		free(path);
		if (rc != CR_OK) {
			store_docview_free(v);
			free(mrn);
			cr_log(CR_LOG_ERROR, "serve: document %lld page %d: %s",
			       (long long)id, page, err.msg);
			return web_reply_error(c->r, 500,
			                       "could not render "
			                       "page %d of document %lld",
			                       page, (long long)id);
		}
		web_imgcache_put(c->r->srv->cache, key, png, len);
	}
	store_docview_free(v);
	rc = api_audit(c, ACCESS_AUDIT_PAGE_IMAGE, mrn, id, 1,
	               "via %s; page %d at %d px", via_name(c, via), page,
	               width);
	free(mrn);
	if (rc != CR_OK) {
		free(png);
		return audit_failed(c);
	}
	return web_reply(c->r, 200, "image/png", png, len, WEB_MEM_FREE,
	                 WEB_SENSITIVE);
}

/* ---- Review queue ---------------------------------------------------- */

static int on_review_hit(void *ctx, const struct store_hit *h)
{
	json_array_append_new(ctx, docjson_hit(h));
	return 0;
}

enum MHD_Result api_review_list(struct api_call *c)
{
	struct store_query q;
	struct cr_err err;
	json_t *list;
	int rc;

	if (!access_role_may(c->s.user.role, ACCESS_ACT_REVIEW_VIEW))
		return api_deny(c, ACCESS_AUDIT_REVIEW_VIEW, NULL, 0,
		                "your role may not see the review queue");
	memset(&q, 0, sizeof(q));
	q.status = "review";
	q.limit = REVIEW_LIMIT;
	if ((list = json_array()) == NULL)
		return web_reply_error(c->r, 500, "out of memory");
	cr_err_clear(&err);
	if ((rc = store_search(c->st, &q, on_review_hit, list, &err)) < 0) {
		json_decref(list);
		return api_fail(c, &err, "read the review queue");
	}
	if (api_audit(c, ACCESS_AUDIT_REVIEW_VIEW, NULL, 0, 1, "%zu documents",
	              json_array_size(list)) != CR_OK) {
		json_decref(list);
		return audit_failed(c);
	}
	return web_reply_json(c->r, 200,
	                      json_pack("{s:I, s:o}", "count",
	                                (json_int_t)json_array_size(list),
	                                "documents", list));
}

enum MHD_Result api_review_decide(struct api_call *c, int64_t id, int assign)
{
	const char *action = assign ? ACCESS_AUDIT_ASSIGN : ACCESS_AUDIT_REJECT;
	const char *mrn = NULL, *reason;
	struct store_docview *v;
	enum MHD_Result ret;
	struct cr_err err;
	json_t *body;
	int force = 0, rc;
	size_t i;

	if (!access_role_may(c->s.user.role, ACCESS_ACT_REVIEW_DECIDE))
		return api_deny(c, action, NULL, id,
		                "your role may not decide review items");
	if ((body = api_body_object(c)) == NULL)
		return MHD_YES;
	reason = json_string_value(json_object_get(body, "reason"));
	if (assign) {
		mrn = json_string_value(json_object_get(body, "mrn"));
		force = json_is_true(json_object_get(body, "force"));
		if (mrn == NULL || *mrn == '\0' || strlen(mrn) > MRN_MAX) {
			json_decref(body);
			return web_reply_error(c->r, 400,
			                       "send {\"mrn\": "
			                       "\"...\"} (1 to %d characters)",
			                       MRN_MAX);
		}
		if (reason == NULL || *reason == '\0')
			reason = "assigned in review";
	} else if (reason == NULL || *reason == '\0') {
		json_decref(body);
		return web_reply_error(c->r, 400,
		                       "send {\"reason\": \"...\"}: "
		                       "a rejection needs a reason");
	}
	if (strlen(reason) > REASON_MAX) {
		json_decref(body);
		return web_reply_error(c->r, 400, "reason is at most %d bytes",
		                       REASON_MAX);
	}
	cr_err_clear(&err);
	if ((v = store_document_get(c->st, id, &err)) == NULL) {
		json_decref(body);
		if (err.code == CR_ENOTFOUND)
			api_audit(c, action, NULL, id, 0, "no such document");
		return api_fail(c, &err, "read the document");
	}
	if (strcmp(v->doc.status, "review") != 0) {
		/* The answer tells its status: that is a look, audited. */
		api_audit(c, action, NULL, id, 0, "not in review (%s)",
		          v->doc.status);
		ret = web_reply_error(c->r, 409,
		                      "document %lld is %s, not in "
		                      "review",
		                      (long long)id, v->doc.status);
		goto out;
	}
	if (assign && !force) {
		/* Filing to a patient the evidence never pointed at is how
		 * charts get mixed up: make it deliberate. */
		int known = 0;
		for (i = 0; i < v->ncands; i++)
			known |= strcmp(v->cands[i].mrn, mrn) == 0;
		if (!known) {
			api_audit(c, action, mrn, id, 0,
			          "not among the candidates");
			ret = web_reply_error(c->r, 409,
			                      "that MRN is not among document "
			                      "%lld's candidates; check the "
			                      "scan, then send \"force\": true",
			                      (long long)id);
			goto out;
		}
	}
	/* The change and its audit entry commit together or not at all. */
	web_write_lock(c->r->srv);
	c->holds_write_lock = 1;
	if ((rc = store_begin(c->st, &err)) != CR_OK) {
		c->holds_write_lock = 0;
		web_write_unlock(c->r->srv);
		ret = api_fail(c, &err, "start the change");
		goto out;
	}
	rc =
	    store_document_relink(c->st, id, "review", mrn,
	                          assign ? "filed" : "rejected",
	                          c->s.user.name, reason, &err);
	if (rc == CR_OK &&
	    api_audit(c, action, mrn, id, 1, "%s",
	              assign ? (force ? "assigned (forced)" : "assigned")
	                     : "rejected") != CR_OK)
		rc = cr_err_set(&err, CR_EDB, "cannot write the audit entry");
	if (rc == CR_OK)
		rc = store_commit(c->st, &err);
	else
		store_rollback(c->st);
	c->holds_write_lock = 0;
	web_write_unlock(c->r->srv);
	if (rc == CR_EEXIST) /* someone else decided first */
		api_audit(c, action, mrn, id, 0, "decided meanwhile by "
		                                 "someone else");
	if (rc == CR_ENOTFOUND) {
		api_audit(c, action, NULL, id, 0, "no patient with that MRN");
		ret = web_reply_error(c->r, 404, "no patient with that MRN");
	} else if (rc != CR_OK)
		ret = api_fail(c, &err, "record the decision");
	else
		ret = web_reply_json(c->r, 200,
		                     json_pack("{s:o, s:s, s:o}", "document_id",
		                               doc_id_json(id), "status",
		                               assign ? "filed" : "rejected",
		                               "mrn", api_str(mrn)));
out:
	store_docview_free(v);
	json_decref(body);
	return ret;
}

/* ---- Audit log ------------------------------------------------------- */

static int on_audit(void *ctx, const struct access_audit *e)
{
	char at[32];

	access_time_format(e->at_ms, at);
	/* The same shape as "chartroom audit log --json". */
	json_array_append_new(
	    ctx, json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:o, s:s?, s:s, "
	                   "s:s?, s:s?}",
	                   "id", (json_int_t)e->id, "at", at, "user", e->user,
	                   "action", e->action, "mrn", e->mrn, "document_id",
	                   e->document_id ? json_integer(e->document_id)
	                                  : json_null(),
	                   "remote", e->remote, "outcome",
	                   e->allowed ? "allowed" : "denied", "detail",
	                   e->detail, "hash", e->hash));
	return 0;
}

enum MHD_Result api_audit_list(struct api_call *c)
{
	struct access_audit_filter f;
	const char *since = web_arg(c->r, "since");
	const char *before = web_arg(c->r, "before");
	const char *lim = web_arg(c->r, "limit");
	struct cr_err err;
	json_t *list;
	int64_t b = 0;

	memset(&f, 0, sizeof(f));
	f.mrn = web_arg(c->r, "patient");
	f.user = web_arg(c->r, "user");
	f.action = web_arg(c->r, "action");
	if (f.mrn != NULL && *f.mrn == '\0')
		f.mrn = NULL;
	if (f.user != NULL && *f.user == '\0')
		f.user = NULL;
	if (f.action != NULL && *f.action == '\0')
		f.action = NULL;
	if (!access_role_may(c->s.user.role, ACCESS_ACT_AUDIT_VIEW))
		return api_deny(c, ACCESS_AUDIT_AUDIT_VIEW, f.mrn, 0,
		                "only an admin may read the audit log");
	if (since != NULL && *since != '\0' &&
	    access_time_parse(since, &f.since_ms) != CR_OK)
		return web_reply_error(c->r, 400,
		                       "since is YYYY-MM-DD or "
		                       "YYYY-MM-DDTHH:MM:SSZ");
	if (before != NULL && web_parse_id(before, strlen(before), &b) != 0)
		return web_reply_error(c->r, 400, "before is an entry id");
	f.before_id = b;
	f.limit = AUDIT_LIMIT_DEFAULT;
	if (lim != NULL && (f.limit = arg_int(lim, 1, AUDIT_LIMIT_MAX)) < 0)
		return web_reply_error(c->r, 400, "limit is 1 to %d",
		                       AUDIT_LIMIT_MAX);
	f.newest_first = 1;
	if ((list = json_array()) == NULL)
		return web_reply_error(c->r, 500, "out of memory");
	cr_err_clear(&err);
	if (access_audit_each(c->st, &f, on_audit, list, &err) < 0) {
		json_decref(list);
		return api_fail(c, &err, "read the audit log");
	}
	if (api_audit(c, ACCESS_AUDIT_AUDIT_VIEW, f.mrn, 0, 1,
	              "%zu entries; filters:%s%s%s%s", json_array_size(list),
	              f.mrn ? " patient" : "", f.user ? " user" : "",
	              f.action ? " action" : "",
	              f.since_ms ? " since" : "") != CR_OK) {
		json_decref(list);
		return audit_failed(c);
	}
	return web_reply_json(c->r, 200,
	                      json_pack("{s:I, s:o}", "count",
	                                (json_int_t)json_array_size(list),
	                                "entries", list));
}

/* ---- Break the glass ------------------------------------------------- */

enum MHD_Result api_glass_grant(struct api_call *c)
{
	const char *mrn, *reason;
	struct cr_err err;
	json_t *body, *mins;
	int64_t gid = 0, duration_ms = 0;
	char until[32];
	int rc;

	if (!access_role_may(c->s.user.role, ACCESS_ACT_BREAK_GLASS))
		return api_deny(c, ACCESS_AUDIT_BREAK_GLASS, NULL, 0,
		                "only a physician may break the glass");
	if ((body = api_body_object(c)) == NULL)
		return MHD_YES;
	mrn = json_string_value(json_object_get(body, "mrn"));
	reason = json_string_value(json_object_get(body, "reason"));
	mins = json_object_get(body, "minutes");
	if (mrn == NULL || reason == NULL || strlen(mrn) > MRN_MAX ||
	    (mins != NULL &&
	     (!json_is_integer(mins) || json_integer_value(mins) < 1 ||
	      json_integer_value(mins) > 24 * 60))) {
		json_decref(body);
		return web_reply_error(c->r, 400,
		                       "send {\"mrn\": \"...\", "
		                       "\"reason\": \"...\"} and optionally "
		                       "\"minutes\": 1 to 1440");
	}
	if (mins != NULL)
		duration_ms = (int64_t)json_integer_value(mins) * 60000;
	cr_err_clear(&err);
	rc = access_glass_grant(c->st, &c->s.user, mrn, reason, c->r->client,
	                        c->now_ms, duration_ms, &gid, &err);
	json_decref(body);
	if (rc != CR_OK)
		return api_fail(c, &err, "break the glass");
	access_time_format(c->now_ms + (duration_ms > 0
	                                    ? duration_ms
	                                    : ACCESS_GLASS_DEFAULT_MS),
	                   until);
	return web_reply_json(c->r, 200,
	                      json_pack("{s:I, s:s}", "grant_id",
	                                (json_int_t)gid, "expires_at", until));
}

static int on_glass(void *ctx, const struct access_glass *g)
{
	char granted[32], expires[32], reviewed[32];

	access_time_format(g->granted_ms, granted);
	access_time_format(g->expires_ms, expires);
	access_time_format(g->reviewed_ms, reviewed);
	json_array_append_new(
	    ctx,
	    json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:s?, "
	              "s:o}",
	              "id", (json_int_t)g->id, "user", g->user, "mrn", g->mrn,
	              "reason", g->reason, "remote", g->remote, "granted_at",
	              granted, "expires_at", expires, "reviewed_by",
	              g->reviewed_by, "reviewed_at",
	              g->reviewed_by ? json_string(reviewed) : json_null()));
	return 0;
}

enum MHD_Result api_glass_list(struct api_call *c)
{
	const char *u = web_arg(c->r, "unreviewed");
	struct cr_err err;
	json_t *list;

	if (!access_role_may(c->s.user.role, ACCESS_ACT_AUDIT_VIEW))
		return api_deny(c, ACCESS_AUDIT_AUDIT_VIEW, NULL, 0,
		                "only an admin may list break-the-glass "
		                "grants");
	if ((list = json_array()) == NULL)
		return web_reply_error(c->r, 500, "out of memory");
	cr_err_clear(&err);
	if (access_glass_each(c->st, 0, u != NULL && strcmp(u, "1") == 0,
	                      on_glass, list, &err) < 0) {
		json_decref(list);
		return api_fail(c, &err, "list grants");
	}
	if (api_audit(c, ACCESS_AUDIT_AUDIT_VIEW, NULL, 0, 1,
	              "break-the-glass list; %zu grants",
	              json_array_size(list)) != CR_OK) {
		json_decref(list);
		return audit_failed(c);
	}
	return web_reply_json(c->r, 200, json_pack("{s:o}", "grants", list));
}

enum MHD_Result api_glass_reviewed(struct api_call *c, int64_t id)
{
	struct cr_err err;

	if (!access_role_may(c->s.user.role, ACCESS_ACT_AUDIT_VIEW))
		return api_deny(c, ACCESS_AUDIT_BREAK_GLASS_REVIEW, NULL, 0,
		                "only an admin may review grants");
	cr_err_clear(&err);
	if (access_glass_review(c->st, c->s.user.name, c->r->client, id,
	                        c->now_ms, &err) != CR_OK)
		return api_fail(c, &err, "mark the grant reviewed");
	return web_reply_json(
	    c->r, 200,
	    json_pack("{s:I, s:b}", "grant_id", (json_int_t)id, "reviewed", 1));
}
