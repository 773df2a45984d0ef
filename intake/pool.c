/*
 * pool.c - the worker pool: a mutex-guarded ring of page tasks, N threads,
 * one OCR engine per thread.  Engines are created in pool_start() before
 * any task runs, so a missing language file is one clear error rather
 * than a batch of failed pages.
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct task {
	struct job *job;
	int page;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	struct task *q;
	size_t head, len, cap;
	int stop;
	int nworkers, nengines;
	pthread_t *threads;
	struct ocr_engine **engines;
	const struct intake_opts *o;
};

struct worker_arg {
	struct pool *p;
	int id;
};

/* Read the value box again as one line (cropped, the words of a crowded
 * form line do not pull it apart), with a whitelist that suits the field:
 * digits for dates and MRNs, none for names.  A reading that parses and
 * differs becomes an extra reading. */
static void reread_values(struct ocr_engine *eng, struct ocr_image *img,
			  struct page_out *po, int page)
{
	size_t i, n = po->rd.n;

	for (i = 0; i < n; i++) {
		struct reading r = po->rd.v[i];
		const char *wl;
		char *text = NULL;
		float conf = 0;
		char alt[11];

		if (strcmp(r.source, "label") != 0)
			continue;
		if (r.field == FIELD_DOB)
			wl = "0123456789/-.";
		else if (r.field == FIELD_MRN)
			wl = "0123456789";
		else if (r.field == FIELD_NAME)
			wl = NULL;
		else
			continue;
		if (r.conf >= 0.93)
			continue;
		if (ocr_region_read(eng, img, r.x0, r.y0, r.x1, r.y1, wl, &text,
				    &conf, NULL) != CR_OK)
			continue;
		cr_strlcpy(r.raw, text, sizeof(r.raw));
		free(text);
		r.conf = conf;
		r.page = page;
		cr_strlcpy(r.source, "reread", sizeof(r.source));
		if (r.field == FIELD_DOB) {
			if (!date_parse(r.raw, DATE_BIRTH, r.value, alt))
				continue;
		} else if (r.field == FIELD_NAME) {
			if (!name_value(r.raw, r.value, sizeof(r.value)))
				continue;
		} else {
			cr_strlcpy(r.value, r.raw, sizeof(r.value));
			if (strlen(r.value) < 4)
				continue;
		}
		if (strcmp(r.value, po->rd.v[i].value) == 0)
			continue;
		readings_add(&po->rd, &r);
	}
}

static void scan_barcodes(struct ocr_image *img, struct page_out *po, int page)
{
	struct ocr_barcode bc[8];
	int i, n = ocr_barcodes_scan(img, bc, 8, NULL);

	for (i = 0; i < n; i++) {
		struct reading r;
		memset(&r, 0, sizeof(r));
		r.field = FIELD_MRN;
		cr_strlcpy(r.value, bc[i].data, sizeof(r.value));
		cr_strlcpy(r.raw, bc[i].data, sizeof(r.raw));
		cr_strlcpy(r.source, "barcode", sizeof(r.source));
		r.conf = 1.0;
		r.page = page;
		r.x0 = bc[i].x0;
		r.y0 = bc[i].y0;
		r.x1 = bc[i].x1;
		r.y1 = bc[i].y1;
		readings_add(&po->rd, &r);
	}
}

static void run_task(struct pool *p, struct ocr_engine *eng, struct task *t)
{
	struct page_out *po = &t->job->pages[t->page];
	struct ocr_image *img;

	img = ocr_doc_load_page(t->job->doc, t->page, &po->err);
	if (img == NULL) {
		po->rc = po->err.code ? po->err.code : CR_EFORMAT;
		return;
	}
	po->rc = ocr_page_recognize(eng, img, &po->ocr, &po->err);
	if (po->rc == CR_OK) {
		/* barcodes first: recognition may have turned the page */
		scan_barcodes(img, po, t->page);
		extract_labelled(&po->ocr, t->page, &po->rd);
		extract_prose_dates(po->ocr.text ? po->ocr.text : "", t->page,
				    &po->rd);
		if (p->o->reread)
			reread_values(eng, img, po, t->page);
	}
	ocr_image_free(img);
}

static void *worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct pool *p = wa->p;
	struct ocr_engine *eng = p->engines[wa->id];
	struct task t;

	free(wa);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->len == 0 && !p->stop)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->len == 0 && p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		t = p->q[p->head];
		p->head = (p->head + 1) % p->cap;
		p->len--;
		pthread_mutex_unlock(&p->mu);

		run_task(p, eng, &t);

		pthread_mutex_lock(&p->mu);
		if (--t.job->pages_left == 0)
			pthread_cond_broadcast(&p->done_cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

struct pool *pool_start(const struct intake_opts *o, struct cr_err *err)
{
	struct ocr_engine_opts eo = {o->tessdata, NULL, o->page_timeout_ms};
	struct pool *p;
	int i, n = o->workers;

	if (n <= 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		n = cores > 0 ? (int)cores : 1;
	}
	if (n > 64)
		n = 64;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto nomem;
	p->o = o;
	p->engines = calloc((size_t)n, sizeof(*p->engines));
	p->threads = calloc((size_t)n, sizeof(*p->threads));
	if (p->engines == NULL || p->threads == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		p->engines[i] = ocr_engine_new(&eo, err);
		if (p->engines[i] == NULL)
			goto fail;
		p->nengines++;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	for (i = 0; i < n; i++) {
		struct worker_arg *wa = malloc(sizeof(*wa));
		if (wa == NULL)
			break;
		wa->p = p;
		wa->id = i;
		if (pthread_create(&p->threads[i], NULL, worker_main, wa) != 0) {
			free(wa);
			break;
		}
		p->nworkers++;
	}
	if (p->nworkers == 0) {
		cr_err_set(err, CR_ENOMEM, "cannot start OCR worker threads");
		pool_stop(p);
		return NULL;
	}
	return p;
nomem:
	cr_err_set(err, CR_ENOMEM, "out of memory starting OCR workers");
fail:
	if (p != NULL) {
		for (i = 0; i < p->nengines; i++)
			ocr_engine_free(p->engines[i]);
		free(p->engines);
		free(p->threads);
		free(p);
	}
	return NULL;
}

int pool_submit(struct pool *p, struct job *job)
{
	int i;

	pthread_mutex_lock(&p->mu);
	if (p->len + (size_t)job->npages > p->cap) {
		size_t cap = (p->cap ? p->cap : 64), k;
		struct task *q;
		while (cap < p->len + (size_t)job->npages)
			cap *= 2;
		q = malloc(cap * sizeof(*q));
		if (q == NULL) {
			pthread_mutex_unlock(&p->mu);
			return CR_ENOMEM;
		}
		for (k = 0; k < p->len; k++)
			q[k] = p->q[(p->head + k) % p->cap];
		free(p->q);
		p->q = q;
		p->head = 0;
		p->cap = cap;
	}
	job->pages_left = job->npages;
	for (i = 0; i < job->npages; i++) {
		p->q[(p->head + p->len) % p->cap] = (struct task){job, i};
		p->len++;
	}
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	return CR_OK;
}

void pool_wait(struct pool *p, struct job *job)
{
	pthread_mutex_lock(&p->mu);
	while (job->pages_left > 0)
		pthread_cond_wait(&p->done_cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void pool_stop(struct pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nworkers; i++)
		pthread_join(p->threads[i], NULL);
	for (i = 0; i < p->nengines; i++)
		ocr_engine_free(p->engines[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work_cv);
	pthread_cond_destroy(&p->done_cv);
	free(p->engines);
	free(p->threads);
	free(p->q);
	free(p);
}
