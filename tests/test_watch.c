/*
 * test_watch.c - the watcher's pieces that need no OCR: its INI config,
 * folder-name hints, and the job journal in the store (claims, ends,
 * retries, forgetting a claim that never happened, status counts, and a
 * job end rolled back with its document's transaction).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../intake/extract.h"
#include "../intake/watch.h"
#include "../store/jobs.h"

static char tmpdir[] = "/tmp/cr-test-watch.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_config_defaults(void **state)
{
	struct watch_config c;

	(void)state;
	watch_config_default(&c);
	assert_int_equal(c.settle_ms, 2000);
	assert_int_equal(c.poll_ms, 2000);
	assert_int_equal(c.rescan_ms, 60000);
	assert_int_equal(c.retry_max, 5);
	assert_int_equal(c.poll, WATCH_POLL_AUTO);
	assert_int_equal((int)c.ninboxes, 0);
	watch_config_free(&c);
}

static void test_config_load(void **state)
{
	struct watch_config c;
	struct cr_err err;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/ok.ini", tmpdir);
	write_file(path, "; comment\n"
			 "[store]\npath = /var/lib/chartroom\n"
			 "[watch]\ninbox = /srv/in/a\ninbox = /srv/in/b\n"
			 "instance = scan-1\nsettle_seconds = 0.5\n"
			 "poll = always\nignore = *.bak\nignore = old/*\n"
			 "workers = 3\n"
			 "[retry]\nattempts = 7\nfirst_wait_seconds = 1.5\n"
			 "[match]\nautolink_score = 0.95\nmin_margin = 0.4\n");
	watch_config_default(&c);
	cr_err_clear(&err);
	assert_int_equal(watch_config_load(&c, path, &err), CR_OK);
	assert_string_equal(c.store, "/var/lib/chartroom");
	assert_int_equal((int)c.ninboxes, 2);
	assert_string_equal(c.inboxes[1], "/srv/in/b");
	assert_string_equal(c.instance, "scan-1");
	assert_int_equal(c.settle_ms, 500);
	assert_int_equal(c.poll, WATCH_POLL_ALWAYS);
	assert_int_equal((int)c.nignore, 2);
	assert_string_equal(c.ignore[1], "old/*");
	assert_int_equal(c.workers, 3);
	assert_int_equal(c.retry_max, 7);
	assert_int_equal(c.retry_base_ms, 1500);
	assert_true(c.autolink_score > 0.949 && c.autolink_score < 0.951);
	assert_true(c.min_margin > 0.399 && c.min_margin < 0.401);
	assert_string_equal(c.config_path, path);
	watch_config_free(&c);
}

static void expect_config_error(const char *text, int code, const char *msg)
{
	struct watch_config c;
	struct cr_err err;
	char path[256];

	snprintf(path, sizeof(path), "%s/bad.ini", tmpdir);
	write_file(path, text);
	watch_config_default(&c);
	cr_err_clear(&err);
	assert_int_equal(watch_config_load(&c, path, &err), code);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("'%s' lacks '%s'", err.msg, msg);
	watch_config_free(&c);
}

static void test_config_errors(void **state)
{
	struct watch_config c;
	struct cr_err err;

	(void)state;
	/* a misspelt key must not silently leave the default in place */
	expect_config_error("[watch]\ninbox = /x\nsetle_seconds = 1\n",
			    CR_EINVAL, "line 3: unknown key 'setle_seconds'");
	expect_config_error("[watch]\nsettle_seconds = soon\n", CR_EINVAL,
			    "bad value for 'settle_seconds'");
	expect_config_error("[watch]\nsettle_seconds = -1\n", CR_EINVAL,
			    "bad value");
	expect_config_error("[watch]\npoll = sometimes\n", CR_EINVAL,
			    "bad value for 'poll'");
	expect_config_error("[match]\nautolink_score = 1.5\n", CR_EINVAL,
			    "bad value for 'autolink_score'");
	expect_config_error("[watch]\ninbox =\n", CR_EINVAL, "bad value");
	expect_config_error("[nonsense]\nkey = 1\n", CR_EINVAL,
			    "unknown key 'key' in [nonsense]");
	watch_config_default(&c);
	cr_err_clear(&err);
	assert_int_equal(watch_config_load(&c, "/nonexistent/x.ini", &err),
			 CR_ENOTFOUND);
	watch_config_free(&c);
}

/* The example shipped in docs/ must stay loadable. */
static void test_config_example(void **state)
{
	const char *src = getenv("CHARTROOM_SOURCE_DIR");
	struct watch_config c;
	struct cr_err err;
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/examples/chartroom.ini",
		 src ? src : ".");
	watch_config_default(&c);
	cr_err_clear(&err);
	if (watch_config_load(&c, path, &err) != CR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal((int)c.ninboxes, 1);
	assert_string_equal(c.store, "/var/lib/chartroom");
	assert_int_equal(c.settle_ms, 2000);
	assert_int_equal(c.retry_cap_ms, 300000);
	watch_config_free(&c);
}

static void test_folder_hints(void **state)
{
	(void)state;
	assert_string_equal(doctype_name("Release Forms"), "release_form");
	assert_string_equal(doctype_name("release-forms"), "release_form");
	assert_string_equal(doctype_name("LETTERS"), "correspondence");
	assert_string_equal(doctype_name("charts"), "chart");
	assert_null(doctype_name("ward3"));
	assert_null(doctype_name(""));
	assert_null(doctype_name(NULL));
	assert_null(doctype_name("correspondence-and-a-very-long-tail-x"));
}

/* ---- the journal ----------------------------------------------------- */

struct got {
	int n;
	int64_t id;
	char state[16], outcome[16], reason[128];
	int attempts;
};

static int collect(void *ctx, const struct store_job *j)
{
	struct got *g = ctx;

	g->n++;
	g->id = j->id;
	snprintf(g->state, sizeof(g->state), "%s", j->state);
	snprintf(g->outcome, sizeof(g->outcome), "%s",
		 j->outcome ? j->outcome : "");
	snprintf(g->reason, sizeof(g->reason), "%s", j->reason ? j->reason : "");
	g->attempts = j->attempts;
	return 0;
}

static struct store *fresh_store(const char *name)
{
	struct cr_err err;
	char dir[256];
	struct store *st;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
	cr_err_clear(&err);
	st = store_open(dir, STORE_CREATE, &err);
	if (st == NULL)
		fail_msg("store_open: %s", err.msg);
	return st;
}

static int64_t claim(struct store *st, const char *instance, const char *f)
{
	struct store_job j;
	struct cr_err err;
	char spool[128];

	snprintf(spool, sizeof(spool), "/in/.chartroom/spool-%s/%s", instance,
		 f);
	memset(&j, 0, sizeof(j));
	j.instance = instance;
	j.inbox_path = f;
	j.spool_path = spool;
	j.size_bytes = 123;
	cr_err_clear(&err);
	assert_int_equal(store_job_claim(st, &j, &err), CR_OK);
	assert_true(j.id > 0);
	return j.id;
}

static void test_jobs_lifecycle(void **state)
{
	struct store *st = fresh_store("jobs");
	struct store_status s;
	struct cr_err err;
	struct got g;
	int64_t a, b, c, d;

	(void)state;
	a = claim(st, "one", "a.tif");
	b = claim(st, "one", "b.tif");
	c = claim(st, "two", "c.tif");
	d = claim(st, "one", "d.tif");
	cr_err_clear(&err);

	/* only this instance's open claims, oldest first */
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_job_each_open(st, "one", collect, &g, &err), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.id, d);

	/* a spool file names its job */
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_job_by_spool(st, "/in/.chartroom/spool-two/c.tif",
					    collect, &g, &err),
			 1);
	assert_int_equal(g.id, c);
	assert_int_equal(store_job_by_spool(st, "/nowhere", collect, &g, &err),
			 0);

	/* duplicate: done, no document row needed */
	assert_int_equal(store_job_done(st, a, "duplicate", 0, 0,
					"already there", &err),
			 CR_OK);
	/* a finished job cannot be finished again */
	assert_int_equal(store_job_done(st, a, "filed", 0, 1, NULL, &err),
			 CR_ENOTFOUND);

	/* transient failure then refusal */
	assert_int_equal(store_job_retry(st, b, 1, cr_wall_ms() + 1000,
					 "permission denied", &err),
			 CR_OK);
	memset(&g, 0, sizeof(g));
	store_job_by_spool(st, "/in/.chartroom/spool-one/b.tif", collect, &g,
			   &err);
	assert_int_equal(g.attempts, 1);
	assert_string_equal(g.state, "claimed");
	assert_int_equal(store_job_failing(st, b, "/failed/b.tif", "bad", &err),
			 CR_OK);
	assert_int_equal(store_job_failed(st, b, "/failed/b.tif", "bad", &err),
			 CR_OK);
	memset(&g, 0, sizeof(g));
	store_job_by_spool(st, "/in/.chartroom/spool-one/b.tif", collect, &g,
			   &err);
	assert_string_equal(g.state, "failed");
	assert_string_equal(g.outcome, "rejected");

	/* a claim whose rename never happened is forgotten */
	assert_int_equal(store_job_forget(st, d, &err), CR_OK);
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_job_each_open(st, "one", collect, &g, &err), 0);
	assert_int_equal(g.n, 0);

	/* status: what is left and what is done */
	assert_int_equal(store_status_get(st, cr_wall_ms(), 600000, &s, &err),
			 CR_OK);
	assert_int_equal((int)s.claimed, 1); /* c, of instance two */
	assert_int_equal((int)s.duplicate, 1);
	assert_int_equal((int)s.failed, 1);
	assert_int_equal((int)s.filed, 0);
	assert_int_equal((int)s.docs_window, 2);
	store_status_free(&s);
	store_close(st);
}

/* The end of a job commits with its document or not at all. */
static void test_jobs_rollback(void **state)
{
	struct store *st = fresh_store("rollback");
	struct cr_err err;
	struct got g;
	int64_t a;

	(void)state;
	a = claim(st, "one", "a.tif");
	cr_err_clear(&err);
	assert_int_equal(store_begin(st, &err), CR_OK);
	assert_int_equal(store_job_done(st, a, "review", 0, 1, NULL, &err),
			 CR_OK);
	store_rollback(st);
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_job_each_open(st, "one", collect, &g, &err), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.state, "claimed");
	store_close(st);
}

static void test_heartbeat(void **state)
{
	struct store *st = fresh_store("beat");
	struct store_watcher w;
	struct store_status s;
	struct cr_err err;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.instance = "scan-1";
	w.host = "host";
	w.pid = 42;
	w.started_ms = w.heartbeat_ms = cr_wall_ms();
	w.state = "running";
	w.waiting = 12;
	w.in_progress = 3;
	cr_err_clear(&err);
	assert_int_equal(store_watcher_beat(st, &w, &err), CR_OK);
	w.waiting = 10; /* the same instance updates its row */
	assert_int_equal(store_watcher_beat(st, &w, &err), CR_OK);
	assert_int_equal(store_status_get(st, cr_wall_ms(), 600000, &s, &err),
			 CR_OK);
	assert_int_equal((int)s.nwatchers, 1);
	assert_string_equal(s.watchers[0].instance, "scan-1");
	assert_int_equal(s.watchers[0].waiting, 10);
	assert_int_equal((int)s.waiting, 10);
	store_status_free(&s);
	w.state = "stopped"; /* a stopped watcher's queue is not counted */
	assert_int_equal(store_watcher_beat(st, &w, &err), CR_OK);
	assert_int_equal(store_status_get(st, cr_wall_ms(), 600000, &s, &err),
			 CR_OK);
	assert_int_equal((int)s.waiting, 0);
	store_status_free(&s);
	store_close(st);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_defaults),
	    cmocka_unit_test(test_config_load),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_config_example),
	    cmocka_unit_test(test_folder_hints),
	    cmocka_unit_test(test_jobs_lifecycle),
	    cmocka_unit_test(test_jobs_rollback),
	    cmocka_unit_test(test_heartbeat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
