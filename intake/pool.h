/*
 * pool.h - internal to intake: the OCR worker pool.  Workers each own one
 * Tesseract engine, created once and reused.  Tasks are single pages, so
 * one long multi-page file is spread over every worker; each task reads,
 * prepares and recognises its page, extracts that page's readings, then
 * frees the image, so memory is bounded by the number of workers, not by
 * page counts.
 */
#ifndef INTAKE_POOL_H
#define INTAKE_POOL_H

#include "extract.h"
#include "intake.h"

/* What one page produced. */
struct page_out {
	struct ocr_page ocr;
	struct readings rd;
	int rc;             /* 0, or the error that stopped this page */
	struct cr_err err;
};

/* A file in flight.  pages[] is filled by workers; pages_left reaches 0
 * when all are done. */
struct job {
	const char *path;
	struct ocr_doc *doc;
	int npages;
	struct page_out *pages;
	int pages_left;
};

struct pool;

/* Start workers (each creates its engine).  Returns NULL with err filled
 * when no engine can start (missing language data). */
struct pool *pool_start(const struct intake_opts *o, struct cr_err *err);

/* Queue every page of job.  Cannot fail but for memory (CR_ENOMEM). */
int pool_submit(struct pool *p, struct job *job);

/* Block until every page of job is done. */
void pool_wait(struct pool *p, struct job *job);

/* Stop and join the workers; pending tasks are finished first. */
void pool_stop(struct pool *p);

#endif /* INTAKE_POOL_H */
