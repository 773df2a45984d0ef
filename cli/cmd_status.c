/*
 * cmd_status.c - "chartroom status": what intake is doing, from the
 * journal and the watchers' heartbeats (works while they run, from any
 * process that can open the store).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../store/jobs.h"
#include "cli.h"

#define WINDOW_MS (10 * 60 * 1000)
#define STALE_MS 120000 /* heartbeats come every 5 s, but not while
			 * one long page is read */

static void status_usage(FILE *f)
{
	fprintf(f, "usage: chartroom status [--store DIR] [--json]\n\n"
		   "Queue depth (files waiting in the inboxes and claimed), "
		   "counts of filed,\nreview, duplicate and failed files, "
		   "the rate over the last 10 minutes and\nan estimate of "
		   "when the backlog will be done; each watcher and whether "
		   "it\nis alive.\n\n"
		   "Exit status: 0, 3 when the store cannot be read.\n");
}

static const char *liveness(const struct store_watcher *w, int64_t now)
{
	if (w->state != NULL && strcmp(w->state, "stopped") == 0)
		return "stopped";
	if (now - w->heartbeat_ms > STALE_MS)
		return "not responding";
	return w->state ? w->state : "running";
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {{"store", 1, NULL, 's'},
					     {"json", 0, NULL, 'j'},
					     {"help", 0, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *store = NULL;
	struct store_status s;
	struct cr_err err;
	struct store *st;
	int64_t now, backlog, waiting = 0;
	double per_min, pages_per_min, eta_min = -1;
	int c, json = 0;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (c) {
		case 's': store = optarg; break;
		case 'j': json = 1; break;
		case 'h': status_usage(stdout); return EXIT_OK;
		default: status_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("status", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if ((st = cli_open_store(store, 0)) == NULL)
		return EXIT_FAILURE_;
	now = cr_wall_ms();
	cr_err_clear(&err);
	if (store_status_get(st, now, WINDOW_MS, &s, &err) != CR_OK) {
		cli_error("status", "%s", err.msg);
		store_close(st);
		return EXIT_FAILURE_;
	}
	store_close(st);
	/* The rate is over the last 10 minutes, or since the oldest live
	 * watcher started when that is later: a watcher up for a minute
	 * must not look ten times slower than it is. */
	{
		int64_t since = now - WINDOW_MS, first = 0;
		for (i = 0; i < s.nwatchers; i++)
			if (strcmp(liveness(&s.watchers[i], now), "running") == 0 &&
			    (first == 0 || s.watchers[i].started_ms < first))
				first = s.watchers[i].started_ms;
		if (first > since && now - first >= 10000) {
			store_status_free(&s);
			st = cli_open_store(store, 0);
			if (st == NULL ||
			    store_status_get(st, now, now - first, &s, &err) !=
				CR_OK) {
				if (st != NULL)
					cli_error("status", "%s", err.msg);
				store_close(st);
				return EXIT_FAILURE_;
			}
			store_close(st);
		}
	}
	for (i = 0; i < s.nwatchers; i++)
		if (strcmp(liveness(&s.watchers[i], now), "running") == 0 ||
		    strcmp(liveness(&s.watchers[i], now), "draining") == 0)
			waiting += s.watchers[i].waiting;
	backlog = waiting + s.claimed;
	per_min = (double)s.docs_window * 60000.0 / (double)s.window_ms;
	pages_per_min = (double)s.pages_window * 60000.0 / (double)s.window_ms;
	/* one decimal, also in JSON (no 2.3999999999999999) */
	per_min = (double)(int64_t)(per_min * 10 + 0.5) / 10;
	pages_per_min = (double)(int64_t)(pages_per_min * 10 + 0.5) / 10;
	if (backlog == 0)
		eta_min = 0;
	else if (per_min > 0)
		eta_min = (double)backlog / per_min;
	if (json) {
		json_t *o = json_object(), *ws = json_array();
		for (i = 0; i < s.nwatchers; i++) {
			const struct store_watcher *w = &s.watchers[i];
			json_array_append_new(
			    ws, json_pack("{s:s, s:s?, s:i, s:s, s:I, s:i, s:i}",
					  "instance", w->instance, "host",
					  w->host, "pid", w->pid, "state",
					  liveness(w, now), "heartbeat_age_ms",
					  (json_int_t)(now - w->heartbeat_ms),
					  "waiting", w->waiting, "in_progress",
					  w->in_progress));
		}
		json_object_set_new(o, "waiting", json_integer(waiting));
		json_object_set_new(o, "claimed", json_integer(s.claimed));
		json_object_set_new(o, "retrying", json_integer(s.retrying));
		json_object_set_new(o, "queue_depth", json_integer(backlog));
		json_object_set_new(o, "filed", json_integer(s.filed));
		json_object_set_new(o, "review", json_integer(s.review));
		json_object_set_new(o, "duplicate", json_integer(s.duplicate));
		json_object_set_new(o, "failed", json_integer(s.failed));
		json_object_set_new(o, "docs_per_minute", json_real(per_min));
		json_object_set_new(o, "pages_per_minute",
				    json_real(pages_per_min));
		json_object_set_new(o, "eta_seconds",
				    eta_min < 0 ? json_null()
						: json_integer((json_int_t)(
						      eta_min * 60 + 0.5)));
		json_object_set_new(o, "watchers", ws);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(6));
		putchar('\n');
		json_decref(o);
	} else {
		printf("queue:     %lld waiting in inboxes, %lld claimed "
		       "(%lld retrying)\n",
		       (long long)waiting, (long long)s.claimed,
		       (long long)s.retrying);
		printf("done:      %lld filed, %lld review, %lld duplicate, "
		       "%lld failed\n",
		       (long long)s.filed, (long long)s.review,
		       (long long)s.duplicate, (long long)s.failed);
		printf("rate:      %.1f documents/min, %.1f pages/min (last "
		       "%lld minutes)\n",
		       per_min, pages_per_min,
		       (long long)((s.window_ms + 59999) / 60000));
		if (eta_min < 0)
			printf("backlog:   %lld, no recent progress to "
			       "estimate from\n",
			       (long long)backlog);
		else
			printf("backlog:   %lld, done in about %.0f min\n",
			       (long long)backlog, eta_min + 0.5);
		for (i = 0; i < s.nwatchers; i++) {
			const struct store_watcher *w = &s.watchers[i];
			printf("watcher:   %s on %s (pid %d): %s, last seen "
			       "%lld s ago\n",
			       w->instance, w->host ? w->host : "?", w->pid,
			       liveness(w, now),
			       (long long)((now - w->heartbeat_ms) / 1000));
		}
		if (s.nwatchers == 0)
			printf("watcher:   none has run on this store\n");
	}
	store_status_free(&s);
	return EXIT_OK;
}
