/*
 * web-bench-baseline.c - the baseline for bench/web-bench.sh: the same
 * store calls the API makes for a search or a document view
 * (store_search(), store_document_get()), straight against SQLite, with
 * no HTTP, no session check, no audit entry and no JSON.  The ratio of
 * the server's numbers to these is what the web layer costs.
 *
 *   web-bench-baseline STORE text|name|doc ARG SECONDS THREADS
 *
 * ARG is the search word (text, name) or the number of documents (doc:
 * ids drawn uniformly from 1..ARG, like the wrk script).  Each thread
 * opens its own store, as the server's workers do.  Prints one line:
 * "queries=N qps=X p50_ms=Y p99_ms=Z".
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define MAX_SAMPLES 2000000

struct worker {
	pthread_t tid;
	const char *dir, *mode, *arg;
	int64_t until_ms;
	unsigned seed;
	double *lat; /* milliseconds */
	size_t n;
	int failed;
};

static int on_hit(void *ctx, const struct store_hit *h)
{
	(void)h;
	++*(int *)ctx;
	return 0;
}

static void *run(void *p)
{
	struct worker *w = p;
	struct cr_err err;
	struct store *st = store_open(w->dir, 0, &err);
	long docs = atol(w->arg);

	if (st == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		w->failed = 1;
		return NULL;
	}
	while (cr_now_ms() < w->until_ms && w->n < MAX_SAMPLES) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (strcmp(w->mode, "doc") == 0) {
			int64_t id = 1 + (int64_t)(rand_r(&w->seed) % docs);
			struct store_docview *v =
			    store_document_get(st, id, &err);
			if (v == NULL) {
				w->failed = 1;
				break;
			}
			store_docview_free(v);
		} else {
			struct store_query q;
			int hits = 0;
			memset(&q, 0, sizeof(q));
			q.limit = 20;
			if (strcmp(w->mode, "text") == 0)
				q.text = w->arg;
			else
				q.name = w->arg;
			if (store_search(st, &q, on_hit, &hits, &err) !=
			    CR_OK) {
				w->failed = 1;
				break;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		w->lat[w->n++] = (double)(b.tv_sec - a.tv_sec) * 1e3 +
		                 (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	}
	store_close(st);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct worker *w;
	double *all;
	size_t n = 0;
	int threads, secs, i;
	int64_t start;

	if (argc != 6) {
		fprintf(stderr, "usage: web-bench-baseline STORE text|name|doc "
		                "ARG SECONDS THREADS\n");
		return 2;
	}
	secs = atoi(argv[4]);
	threads = atoi(argv[5]);
	if (secs < 1 || threads < 1 || threads > 64)
		return 2;
	w = calloc((size_t)threads, sizeof(*w));
	start = cr_now_ms();
	for (i = 0; i < threads; i++) {
		w[i].dir = argv[1];
		w[i].mode = argv[2];
		w[i].arg = argv[3];
		w[i].until_ms = start + secs * 1000;
		w[i].seed = 42u + (unsigned)i;
		w[i].lat = malloc(MAX_SAMPLES * sizeof(double));
		pthread_create(&w[i].tid, NULL, run, &w[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].failed)
			return 1;
		n += w[i].n;
	}
	all = malloc(n * sizeof(double));
	n = 0;
	for (i = 0; i < threads; i++) {
		memcpy(all + n, w[i].lat, w[i].n * sizeof(double));
		n += w[i].n;
	}
	qsort(all, n, sizeof(double), cmp);
	printf("queries=%zu qps=%.0f p50_ms=%.2f p99_ms=%.2f\n", n,
	       (double)n * 1000.0 / (double)(cr_now_ms() - start),
	       n ? all[n / 2] : 0.0, n ? all[n * 99 / 100] : 0.0);
	return 0;
}
