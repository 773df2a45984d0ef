/*
 * cmd_audit.c - "chartroom audit verify|log": checking the audit chain
 * and reading it.  Reading the log is itself an access to patient
 * records (it says who looked at whom), so "log" is audited before
 * anything is printed, and refused when it cannot be; "verify" is
 * audited after its walk, since it must still run on a log that can no
 * longer be appended to.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/access.h"
#include "cli.h"

static void audit_usage(FILE *f)
{
	fprintf(f,
	        "usage: chartroom audit verify [--json]\n"
	        "       chartroom audit log [--patient MRN] [--user U] "
	        "[--action A]\n"
	        "                           [--since DATE] [--until DATE] "
	        "[--limit N] [--json]\n\n"
	        "Every sign-in, search, view, export, assignment, refile and "
	        "user change is\n"
	        "appended to an audit log in which each entry carries a "
	        "keyed hash of the one\n"
	        "before it.  'verify' walks the whole chain and names every "
	        "entry that was\n"
	        "changed, inserted or deleted, and a cut-off end; it prints "
	        "the head (last\n"
	        "entry and its hash): note it somewhere else now and then, "
	        "since a database\n"
	        "put back from an older copy verifies (docs/access.md).\n\n"
	        "'log' prints entries oldest first; with --limit N, the N "
	        "newest, newest first.\n"
	        "DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC); U is a "
	        "user name, or\n"
	        "cli:LOGIN for the command line.\n\n"
	        "Exit status: verify: 0 intact, 1 tampering found, 3 could "
	        "not check;\n"
	        "log: 0 entries printed, 1 none matched, 2 usage, 3 store "
	        "error.\n");
}

static void print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	printf("%s\n", s ? s : "{}");
	free(s);
	json_decref(o);
}

/* ---- verify ------------------------------------------------------------ */

struct verify_ctx {
	int json;
	json_t *problems;
};

static int problem_cb(void *vctx, const struct access_audit_problem *p)
{
	struct verify_ctx *ctx = vctx;

	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s}", "fault",
		                      access_fault_name(p->fault), "message",
		                      p->message);
		json_object_set_new(o, "id",
		                    p->id ? json_integer(p->id) : json_null());
		if (p->first_id) {
			json_object_set_new(o, "first_id",
			                    json_integer(p->first_id));
			json_object_set_new(o, "last_id",
			                    json_integer(p->last_id));
		}
		json_array_append_new(ctx->problems, o);
		return 0;
	}
	printf("%-9s %s\n", access_fault_name(p->fault), p->message);
	return 0;
}

static int audit_verify(const char *store, int json)
{
	struct verify_ctx ctx = {json, NULL};
	struct access_audit_summary sum;
	struct cr_err err;
	struct store *st;
	char detail[96];
	int rc;

	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	cr_err_clear(&err);
	ctx.problems = json_array();
	rc = access_audit_verify(st, problem_cb, &ctx, &sum, &err);
	if (rc != CR_OK) {
		json_decref(ctx.problems);
		store_close(st);
		cli_error("audit verify", "%s", err.msg);
		return EXIT_FAILURE_;
	}
	if (json) {
		json_t *o = json_pack(
		    "{s:b, s:I, s:o}", "intact", sum.problems == 0, "entries",
		    (json_int_t)sum.entries, "problems", ctx.problems);
		json_object_set_new(o, "head",
		                    sum.head_hash[0]
		                        ? json_pack("{s:I, s:s}", "id",
		                                    (json_int_t)sum.head_id,
		                                    "hash", sum.head_hash)
		                        : json_null());
		print_json(o);
	} else {
		json_decref(ctx.problems);
		printf("%lld entries, %s", (long long)sum.entries,
		       sum.problems ? "" : "intact");
		if (sum.problems)
			printf("%lld problem%s", (long long)sum.problems,
			       sum.problems == 1 ? "" : "s");
		if (sum.head_hash[0])
			printf("; head: entry %lld %s", (long long)sum.head_id,
			       sum.head_hash);
		printf("\n");
	}
	snprintf(detail, sizeof(detail), "%lld entries, %lld problems",
	         (long long)sum.entries, (long long)sum.problems);
	if (access_audit_local(st, ACCESS_AUDIT_AUDIT_VERIFY, NULL, 0, 1,
	                       detail, &err) != CR_OK)
		cli_error("audit verify",
		          "warning: this check was not "
		          "recorded: %s",
		          err.msg);
	store_close(st);
	return sum.problems ? EXIT_SOME : EXIT_OK;
}

/* ---- log --------------------------------------------------------------- */

struct log_ctx {
	int json;
	int64_t n;
	int64_t self;   /* our own audit_view entry, written first */
	int64_t since;  /* when it was written */
	char me[ACCESS_NAME_MAX + 8];
};

static int entry_cb(void *vctx, const struct access_audit *e)
{
	struct log_ctx *ctx = vctx;
	char at[32], doc[24] = "-";

	ctx->n++;
	if (e->action != NULL && strcmp(e->action, ACCESS_AUDIT_AUDIT_VIEW) == 0 &&
	    e->user != NULL && strcmp(e->user, ctx->me) == 0 &&
	    e->at_ms >= ctx->since)
		ctx->self++;
	access_time_format(e->at_ms, at);
	if (ctx->json) {
		json_t *o = json_pack(
		    "{s:I, s:s, s:s?, s:s?, s:s?, s:o, s:s?, s:s, s:s?, s:s?}",
		    "id", (json_int_t)e->id, "at", at, "user", e->user,
		    "action", e->action, "mrn", e->mrn, "document_id",
		    e->document_id ? json_integer(e->document_id) : json_null(),
		    "remote", e->remote, "outcome",
		    e->allowed ? "allowed" : "denied", "detail", e->detail,
		    "hash", e->hash);
		print_json(o);
		return 0;
	}
	if (e->document_id)
		snprintf(doc, sizeof(doc), "%lld", (long long)e->document_id);
	printf("%-6lld %s %-16s %-14s %-7s %-10s %-6s %-15s %s\n",
	       (long long)e->id, at, e->user ? e->user : "",
	       e->action ? e->action : "", e->allowed ? "allowed" : "denied",
	       e->mrn ? e->mrn : "-", doc, e->remote ? e->remote : "-",
	       e->detail ? e->detail : "");
	return 0;
}

static int audit_log(const char *store, struct access_audit_filter *f, int json)
{
	int filtered =
	    f->mrn || f->user || f->action || f->since_ms || f->until_ms;
	struct log_ctx ctx;
	struct cr_err err;
	struct store *st;
	char detail[96];
	int rc;

	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	cr_err_clear(&err);
	/* Ids only in the detail: which filters, never their values
	 * (the patient filter is the entry's MRN). */
	snprintf(detail, sizeof(detail), "audit log, filters:%s%s%s%s%s%s",
	         f->mrn ? " patient" : "", f->user ? " user" : "",
	         f->action ? " action" : "", f->since_ms ? " since" : "",
	         f->until_ms ? " until" : "", filtered ? "" : " none");
	memset(&ctx, 0, sizeof(ctx));
	ctx.json = json;
	access_local_actor(ctx.me);
	ctx.since = access_now_ms();
	rc = access_audit_local(st, ACCESS_AUDIT_AUDIT_VIEW, f->mrn, 0, 1,
	                        detail, &err);
	if (rc == CR_OK)
		rc = access_audit_each(st, f, entry_cb, &ctx, &err);
	store_close(st);
	if (rc != CR_OK) {
		cli_error("audit log", "%s", err.msg);
		return EXIT_FAILURE_;
	}
	/* "nothing matched" must not count the entry this very read wrote */
	return ctx.n > ctx.self ? EXIT_OK : EXIT_SOME;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", 1, NULL, 's'},   {"json", 0, NULL, 'j'},
	    {"patient", 1, NULL, 'p'}, {"user", 1, NULL, 'u'},
	    {"action", 1, NULL, 'a'},  {"since", 1, NULL, 'S'},
	    {"until", 1, NULL, 'U'},   {"limit", 1, NULL, 'l'},
	    {"help", 0, NULL, 'h'},    {NULL, 0, NULL, 0}};
	struct access_audit_filter f;
	const char *store = NULL, *verb;
	int c, json = 0, filtered = 0;
	char *end;
	long lim;

	memset(&f, 0, sizeof(f));
	optind = 1;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			store = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'p':
			f.mrn = optarg;
			filtered = 1;
			break;
		case 'u':
			f.user = optarg;
			filtered = 1;
			break;
		case 'a':
			f.action = optarg;
			filtered = 1;
			break;
		case 'S':
		case 'U':
			if (access_time_parse(optarg, c == 'S' ? &f.since_ms
			                                       : &f.until_ms) !=
			    CR_OK) {
				cli_error("audit",
				          "--%s takes YYYY-MM-DD or "
				          "YYYY-MM-DDTHH:MM:SSZ",
				          c == 'S' ? "since" : "until");
				return EXIT_USAGE;
			}
			filtered = 1;
			break;
		case 'l':
			lim = strtol(optarg, &end, 10);
			if (*end || end == optarg || lim < 1 || lim > 1000000) {
				cli_error("audit", "--limit takes a positive "
				                   "number");
				return EXIT_USAGE;
			}
			f.limit = (int)lim;
			f.newest_first = 1; /* the most recent N */
			filtered = 1;
			break;
		case 'h':
			audit_usage(stdout);
			return EXIT_OK;
		default:
			audit_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		audit_usage(stderr);
		return EXIT_USAGE;
	}
	verb = argv[optind];
	if (strcmp(verb, "verify") == 0 && !filtered)
		return audit_verify(store, json);
	if (strcmp(verb, "log") == 0)
		return audit_log(store, &f, json);
	audit_usage(stderr);
	return EXIT_USAGE;
}
