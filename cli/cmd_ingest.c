/*
 * cmd_ingest.c - "chartroom ingest": scans in, one result per file, in
 * input order; JSON lines with --json (the contract in docs/chartroom.md).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../intake/docjson.h"
#include "../intake/intake.h"
#include "cli.h"

struct ingest_ctx {
	int json;
	size_t done, total;
	size_t counts[5]; /* filed, review, duplicate, rejected, error */
	int progress;
	int64_t started;
};

static json_t *result_json(const struct intake_result *r)
{
	json_t *o = json_object(), *fields = json_object();
	size_t i;

	json_object_set_new(o, "file", docjson_str(r->file));
	json_object_set_new(o, "status", json_string(r->status));
	if (r->document_id > 0) {
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)r->document_id);
		json_object_set_new(o, "document_id", json_string(id));
	} else {
		json_object_set_new(o, "document_id", json_null());
	}
	json_object_set_new(o, "patient",
			    r->mrn ? json_pack("{s:s}", "mrn", r->mrn)
				   : json_null());
	json_object_set_new(o, "doc_type",
			    json_string(r->doc_type ? r->doc_type : "unknown"));
	json_object_set_new(o, "pages", json_integer(r->pages));
	for (i = 0; i < r->nfields; i++)
		json_object_set_new(fields, r->fields[i].name,
				    docjson_str(r->fields[i].value));
	json_object_set_new(o, "fields", fields);
	json_object_set_new(o, "confidence",
			    json_real((double)(int)(r->confidence * 1000) /
				      1000.0));
	if (r->reason != NULL)
		json_object_set_new(o, "reason", docjson_str(r->reason));
	if (r->match != NULL && strcmp(r->status, "review") == 0) {
		json_t *cands = json_array();
		for (i = 0; i < r->match->ncands; i++) {
			const struct match_candidate *c = &r->match->cands[i];
			json_t *ev = json_loads(c->evidence, 0, NULL);
			json_array_append_new(
			    cands,
			    json_pack("{s:s, s:f, s:o}", "mrn",
				      match_roster_get(r->roster, c->patient)->mrn,
				      "score", (double)(int)(c->score * 1000) /
						   1000.0,
				      "evidence", ev ? ev : json_object()));
		}
		json_object_set_new(o, "candidates", cands);
	}
	return o;
}

static void on_result(void *vctx, const struct intake_result *r)
{
	struct ingest_ctx *ctx = vctx;
	static const char *names[5] = {"filed", "review", "duplicate",
				       "rejected", "error"};
	int k;

	for (k = 0; k < 5; k++)
		if (strcmp(r->status, names[k]) == 0)
			ctx->counts[k]++;
	ctx->done++;
	if (ctx->progress)
		fprintf(stderr, "\r\033[K");
	if (ctx->json) {
		json_t *o = result_json(r);
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else if (r->document_id > 0 && strcmp(r->status, "filed") == 0) {
		printf("%-9s %s -> document %lld, patient %s (%s)\n",
		       r->status, r->file, (long long)r->document_id, r->mrn,
		       r->doc_type);
	} else if (r->document_id > 0) {
		printf("%-9s %s -> document %lld (%s): %s\n", r->status,
		       r->file, (long long)r->document_id, r->doc_type,
		       r->reason ? r->reason : "");
	} else if (r->reason != NULL &&
		   strncmp(r->reason, r->file, strlen(r->file)) == 0) {
		printf("%-9s %s\n", r->status, r->reason); /* names the file */
	} else {
		printf("%-9s %s: %s\n", r->status, r->file,
		       r->reason ? r->reason : "");
	}
	fflush(stdout);
	if (ctx->progress) {
		double el = (double)(cr_now_ms() - ctx->started) / 1000.0;
		fprintf(stderr, "[%zu/%zu] %zu filed, %zu review, %zu "
				"duplicate, %zu rejected",
			ctx->done, ctx->total, ctx->counts[0], ctx->counts[1],
			ctx->counts[2], ctx->counts[3]);
		if (ctx->done < ctx->total)
			fprintf(stderr, ", about %.0f s left",
				el / (double)ctx->done *
				    (double)(ctx->total - ctx->done));
		fflush(stderr);
	}
}

/* Expand directories (one level, sorted, regular files, no dotfiles). */
static int add_path(char ***list, size_t *n, size_t *cap, const char *p)
{
	struct stat sb;

	if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		struct dirent **ents;
		int k, m = scandir(p, &ents, NULL, alphasort), rc = 0;
		if (m < 0) {
			/* say so and go on with the other inputs; the exit
			 * status will be 3 */
			cli_error("ingest", "cannot read folder %s: %s", p,
				  strerror(errno));
			return 1;
		}
		for (k = 0; k < m; k++) {
			char path[4096];
			if (ents[k]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", p,
					 ents[k]->d_name);
				if (rc == 0 && stat(path, &sb) == 0 &&
				    S_ISREG(sb.st_mode))
					rc = add_path(list, n, cap, path);
			}
			free(ents[k]);
		}
		free(ents);
		return rc;
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		char **l = realloc(*list, c * sizeof(*l));
		if (l == NULL)
			return -1;
		*list = l;
		*cap = c;
	}
	if (((*list)[*n] = strdup(p)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static void ingest_usage(FILE *f)
{
	fprintf(f,
		"usage: chartroom ingest [--store DIR] [--json] [--workers N]\n"
		"                        [--source NAME] [--page-timeout MS] "
		"FILE|DIR...\n\n"
		"OCR each scan (TIFF, PNG, JPEG; multi-page TIFF) and file it "
		"to the patient\n"
		"it is about, or to the review queue when that is not "
		"certain.  A folder is\n"
		"taken as its files, in name order.  Results are printed in "
		"input order; with\n"
		"--json one object per line (see docs/chartroom.md).\n\n"
		"  --workers N       OCR workers (default: one per core)\n"
		"  --source NAME     scanning station recorded with each "
		"document\n"
		"  --page-timeout MS stop recognising a page after MS "
		"milliseconds\n"
		"  --no-reread       skip the second, whitelisted read of weak "
		"fields\n\n"
		"Exit status: 0 no file rejected, 1 some rejected (the rest "
		"processed),\n"
		"2 usage, 3 store or OCR engine unusable.\n");
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", 1, NULL, 's'},	{"json", 0, NULL, 'j'},
	    {"workers", 1, NULL, 'w'},	{"source", 1, NULL, 'o'},
	    {"page-timeout", 1, NULL, 't'}, {"no-reread", 0, NULL, 'n'},
	    {"help", 0, NULL, 'h'},	{NULL, 0, NULL, 0}};
	struct ingest_ctx ctx;
	struct intake_opts o;
	const char *store = NULL;
	char **files = NULL;
	size_t nfiles = 0, cap = 0, i;
	struct cr_err err;
	struct store *st;
	int c, rc, unreadable = 0;

	memset(&ctx, 0, sizeof(ctx));
	intake_opts_default(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 's': store = optarg; break;
		case 'j': ctx.json = 1; break;
		case 'o': o.source = optarg; break;
		case 'n': o.reread = 0; break;
		case 'w':
			o.workers = (int)strtol(optarg, &end, 10);
			if (*end || o.workers < 1 || o.workers > 64) {
				cli_error("ingest", "--workers takes 1..64");
				return EXIT_USAGE;
			}
			break;
		case 't':
			o.page_timeout_ms = (int)strtol(optarg, &end, 10);
			if (*end || o.page_timeout_ms < 100) {
				cli_error("ingest", "--page-timeout takes "
						    "milliseconds >= 100");
				return EXIT_USAGE;
			}
			break;
		case 'h': ingest_usage(stdout); return EXIT_OK;
		default: ingest_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		cli_error("ingest", "no files given");
		ingest_usage(stderr);
		return EXIT_USAGE;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		int r = add_path(&files, &nfiles, &cap, argv[i]);
		if (r < 0) {
			cli_error("ingest", "out of memory listing the inputs");
			return EXIT_FAILURE_;
		}
		unreadable += r > 0;
	}
	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	ctx.total = nfiles;
	/* The line is cleared before each result is printed, so it may
	 * share the terminal with stdout. */
	ctx.progress = isatty(STDERR_FILENO);
	ctx.started = cr_now_ms();
	cr_err_clear(&err);
	rc = intake_files(st, (const char *const *)files, nfiles, &o,
			  on_result, &ctx, &err);
	if (ctx.progress)
		fprintf(stderr, "\n");
	store_close(st);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	if (rc != CR_OK) {
		cli_error("ingest", "%s", err.msg);
		return EXIT_FAILURE_;
	}
	if (!ctx.json)
		printf("%zu filed, %zu review, %zu duplicate, %zu rejected%s",
		       ctx.counts[0], ctx.counts[1], ctx.counts[2],
		       ctx.counts[3], ctx.counts[4] ? "" : "\n");
	if (!ctx.json && ctx.counts[4])
		printf(", %zu not stored (error; run again)\n", ctx.counts[4]);
	if (ctx.counts[4] || unreadable)
		return EXIT_FAILURE_;
	return ctx.counts[3] ? EXIT_SOME : EXIT_OK; /* rejected */
}
