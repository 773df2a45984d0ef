/*
 * cmd_lookup.c - "chartroom search", "show" and "export": finding and
 * reading documents from the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../ocr/ocr.h"
#include "../store/access.h"
#include "../intake/docjson.h"
#include "cli.h"

/* Record a read in the audit log as "cli:<login>".  Printing patient
 * data that could not be recorded is refused, as the server would. */
static int audited(struct store *st, const char *cmd, const char *action,
		   const char *mrn, int64_t id, const char *detail)
{
	struct cr_err err;

	cr_err_clear(&err);
	if (access_audit_local(st, action, mrn, id, 1, detail, &err) == CR_OK)
		return 0;
	cli_error(cmd, "cannot write the audit log: %s", err.msg);
	return -1;
}

static void print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));

	printf("%s\n", s ? s : "{}");
	free(s);
	json_decref(o);
}

struct search_ctx {
	int json;
	size_t n;
	char (*mrns)[80]; /* distinct patients listed, for the audit log */
	size_t nmrns, cap;
};

static void note_patient(struct search_ctx *ctx, const char *mrn)
{
	size_t i;

	if (mrn == NULL)
		return;
	for (i = 0; i < ctx->nmrns; i++)
		if (strcmp(ctx->mrns[i], mrn) == 0)
			return;
	if (ctx->nmrns == ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap * 2 : 64;
		char(*v)[80] = realloc(ctx->mrns, cap * sizeof(*v));
		if (v == NULL)
			return;
		ctx->mrns = v;
		ctx->cap = cap;
	}
	snprintf(ctx->mrns[ctx->nmrns++], sizeof(ctx->mrns[0]), "%s", mrn);
}

static int on_hit(void *vctx, const struct store_hit *h)
{
	struct search_ctx *ctx = vctx;
	char id[24];

	ctx->n++;
	note_patient(ctx, h->patient_mrn);
	snprintf(id, sizeof(id), "%lld", (long long)h->id);
	if (ctx->json) {
		json_t *o = docjson_hit(h);
		print_json(o);
		return 0;
	}
	printf("%-6s %-10s %-14s %-7s %-10s %s%s%s\n", id,
	       h->document_date ? h->document_date : "-",
	       h->doc_type ? h->doc_type : "-", h->status,
	       h->patient_mrn ? h->patient_mrn : "-",
	       h->patient_family ? h->patient_family : "",
	       h->patient_family ? ", " : "",
	       h->patient_given ? h->patient_given : "");
	if (h->snippet != NULL)
		printf("       %s\n", h->snippet);
	else if (h->reason != NULL && strcmp(h->status, "filed") != 0)
		printf("       %s\n", h->reason);
	return 0;
}

int cmd_search(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", 1, NULL, 's'}, {"json", 0, NULL, 'j'},
	    {"mrn", 1, NULL, 'm'},   {"name", 1, NULL, 'n'},
	    {"text", 1, NULL, 't'},  {"type", 1, NULL, 'y'},
	    {"from", 1, NULL, 'f'},  {"to", 1, NULL, 'u'},
	    {"status", 1, NULL, 'S'}, {"limit", 1, NULL, 'l'},
	    {"help", 0, NULL, 'h'},  {NULL, 0, NULL, 0}};
	struct search_ctx ctx = {0, 0, NULL, 0, 0};
	struct store_query q;
	const char *store = NULL;
	struct cr_err err;
	struct store *st;
	int c, rc;

	memset(&q, 0, sizeof(q));
	optind = 1;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 's': store = optarg; break;
		case 'j': ctx.json = 1; break;
		case 'm': q.mrn = optarg; break;
		case 'n': q.name = optarg; break;
		case 't': q.text = optarg; break;
		case 'y': q.type = optarg; break;
		case 'f': q.from = optarg; break;
		case 'u': q.to = optarg; break;
		case 'S': q.status = optarg; break;
		case 'l':
			q.limit = (int)strtol(optarg, &end, 10);
			if (*end || q.limit < 1) {
				cli_error("search", "--limit takes a positive "
						    "number");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			printf("usage: chartroom search [--store DIR] [--json] "
			       "[--mrn M] [--name TEXT]\n"
			       "       [--text QUERY] [--type T] [--from DATE] "
			       "[--to DATE] [--status S]\n"
			       "       [--limit N]\n\n"
			       "Documents matching every filter given, newest "
			       "first; with --text, ranked\n"
			       "by relevance with a snippet.  DATE is "
			       "YYYY-MM-DD.  T is chart, release_form,\n"
			       "correspondence or unknown; S is filed, review "
			       "or rejected.  --limit defaults\n"
			       "to 100.\n\nExit status: 0 found, 1 nothing "
			       "found, 2 usage, 3 store error.\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (q.type != NULL && strcmp(q.type, "chart") != 0 &&
	    strcmp(q.type, "release_form") != 0 &&
	    strcmp(q.type, "correspondence") != 0 &&
	    strcmp(q.type, "unknown") != 0) {
		cli_error("search", "--type is chart, release_form, "
				    "correspondence or unknown");
		return EXIT_USAGE;
	}
	if (optind != argc) {
		cli_error("search", "unexpected argument '%s' (use --text "
				    "for words)",
			  argv[optind]);
		return EXIT_USAGE;
	}
	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	cr_err_clear(&err);
	rc = store_search(st, &q, on_hit, &ctx, &err);
	if (rc == CR_OK) {
		/* Which filters, never what was typed (it may be a name). */
		char detail[160];
		snprintf(detail, sizeof(detail),
			 "filters:%s%s%s%s%s%s%s; %zu hits", q.mrn ? " mrn" : "", q.name ? " name" : "",
			 q.text ? " text" : "", q.type ? " type" : "",
			 q.from ? " from" : "", q.to ? " to" : "",
			 q.status ? " status" : "", ctx.n);
		/* Each patient listed was shown (name, birth date, text):
		 * a patient_view entry each, so "audit log --patient" shows
		 * searches too.  One transaction for all. */
		size_t i;
		int bad = store_begin(st, &err) != CR_OK;
		for (i = 0; !bad && i < ctx.nmrns; i++)
			bad = audited(st, "search", ACCESS_AUDIT_PATIENT_VIEW,
				      ctx.mrns[i], 0,
				      "listed in search results") != 0;
		if (!bad)
			bad = audited(st, "search", "search", q.mrn, 0,
				      detail) != 0;
		if (!bad)
			bad = store_commit(st, &err) != CR_OK;
		if (bad) {
			store_rollback(st);
			free(ctx.mrns);
			store_close(st);
			return EXIT_FAILURE_;
		}
	}
	free(ctx.mrns);
	store_close(st);
	if (rc == CR_EINVAL) {
		cli_error("search", "%s", err.msg);
		return EXIT_USAGE;
	}
	if (rc != CR_OK) {
		cli_error("search", "%s", err.msg);
		return EXIT_FAILURE_;
	}
	return ctx.n ? EXIT_OK : EXIT_SOME;
}

static json_t *docview_json(const struct store_docview *v)
{
	json_t *o = docjson_document(v), *cands = json_array();
	size_t i;

	json_object_set_new(o, "original_path",
			    docjson_str(v->doc.original_path));
	for (i = 0; i < v->ncands; i++)
		json_array_append_new(cands, docjson_candidate(&v->cands[i]));
	json_object_set_new(o, "candidates", cands);
	return o;
}

static void docview_print(const struct store_docview *v)
{
	const struct store_document *d = &v->doc;
	size_t i;

	printf("document %lld  %s\n", (long long)d->id, d->file);
	printf("  status     %s%s%s\n", d->status, d->reason ? ": " : "",
	       d->reason ? d->reason : "");
	printf("  type       %s\n", d->doc_type ? d->doc_type : "-");
	if (d->patient_mrn)
		printf("  patient    %s  %s, %s  born %s\n", d->patient_mrn,
		       v->patient_family ? v->patient_family : "",
		       v->patient_given ? v->patient_given : "",
		       v->patient_birth_date ? v->patient_birth_date : "");
	printf("  date       %s\n", d->document_date ? d->document_date : "-");
	printf("  pages      %d\n", d->pages);
	printf("  sha256     %s\n", d->sha256);
	printf("  original   %s\n", d->original_path);
	printf("  arrived    %s%s%s\n", v->created_at ? v->created_at : "",
	       d->source ? " from " : "", d->source ? d->source : "");
	if (v->nfields)
		printf("\nfields (value, confidence, page, source):\n");
	for (i = 0; i < v->nfields; i++)
		printf("  %-14s %-28s %.2f  p%d  %s\n", v->fields[i].name,
		       v->fields[i].value, v->fields[i].conf,
		       v->fields[i].page + 1,
		       v->fields[i].source ? v->fields[i].source : "");
	if (v->ncands)
		printf("\ncandidates:\n");
	for (i = 0; i < v->ncands; i++)
		printf("  %-12s %.3f  %s\n", v->cands[i].mrn, v->cands[i].score,
		       v->cands[i].evidence ? v->cands[i].evidence : "");
	for (i = 0; i < v->npages; i++)
		printf("\n--- page %d (mean confidence %.2f, turned %d°) ---\n"
		       "%s\n",
		       v->pages[i].index + 1, v->pages[i].mean_conf,
		       v->pages[i].rotation_deg,
		       v->pages[i].text ? v->pages[i].text : "");
}

static int history_json_cb(void *ctx, const struct store_link_event *e)
{
	json_array_append_new(
	    ctx, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "at", e->at,
			   "actor", e->actor, "status", e->status, "mrn",
			   e->mrn, "reason", e->reason));
	return 0;
}

static int history_print_cb(void *ctx, const struct store_link_event *e)
{
	(void)ctx;
	printf("  %s  %-10s %-9s %-12s %s\n", e->at ? e->at : "",
	       e->actor ? e->actor : "", e->status ? e->status : "",
	       e->mrn ? e->mrn : "-", e->reason ? e->reason : "");
	return 0;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {{"store", 1, NULL, 's'},
					     {"json", 0, NULL, 'j'},
					     {"help", 0, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *store = NULL;
	struct store_docview *v;
	struct cr_err err;
	struct store *st;
	int64_t id;
	int c, json = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (c) {
		case 's': store = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: chartroom show [--store DIR] [--json] "
			       "DOC_ID\n\n"
			       "One document: metadata, extracted fields with "
			       "confidences, review\ncandidates, the "
			       "original's SHA-256 and path, and each page's "
			       "OCR text with\nits mean confidence.\n\n"
			       "Exit status: 0 shown, 1 no such document, 2 "
			       "usage, 3 store error.\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || cli_parse_id(argv[optind], &id) != 0) {
		cli_error("show", "usage: chartroom show DOC_ID (a positive "
				  "number)");
		return EXIT_USAGE;
	}
	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	cr_err_clear(&err);
	v = store_document_get(st, id, &err);
	if (v == NULL) {
		store_close(st);
		cli_error("show", "%s", err.msg);
		return err.code == CR_ENOTFOUND ? EXIT_SOME : EXIT_FAILURE_;
	}
	if (audited(st, "show", "document_view", v->doc.patient_mrn, id,
		    NULL) != 0) {
		store_docview_free(v);
		store_close(st);
		return EXIT_FAILURE_;
	}
	if (json) {
		json_t *o = docview_json(v), *hist = json_array();
		store_document_history(st, id, history_json_cb, hist, NULL);
		json_object_set_new(o, "history", hist);
		print_json(o);
	} else {
		docview_print(v);
		printf("\nhistory (when, who, status, patient, why):\n");
		store_document_history(st, id, history_print_cb, NULL, NULL);
	}
	store_close(st);
	store_docview_free(v);
	return EXIT_OK;
}

static int copy_file(const char *from, const char *to, struct cr_err *err)
{
	char buf[65536];
	ssize_t n;
	int in, out, rc = CR_OK;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return cr_err_set(err, CR_EIO, "cannot open the original %s: %s",
				  from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0) {
		close(in);
		return cr_err_set(err, CR_EIO, "cannot create %s: %s", to,
				  strerror(errno));
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = cr_err_set(err, CR_EIO, "cannot write %s: %s", to,
					strerror(errno));
			break;
		}
	if (n < 0)
		rc = cr_err_set(err, CR_EIO, "cannot read %s", from);
	if (close(out) != 0 && rc == CR_OK)
		rc = cr_err_set(err, CR_EIO, "cannot write %s", to);
	close(in);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"store", 1, NULL, 's'},
					     {"original", 0, NULL, 'o'},
					     {"pdf", 0, NULL, 'p'},
					     {"force", 0, NULL, 'f'},
					     {"help", 0, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *store = NULL;
	struct store_docview *v;
	struct cr_err err;
	struct store *st;
	int64_t id;
	int c, mode = 0, rc, force = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': store = optarg; break;
		case 'o': mode = mode ? -1 : 'o'; break;
		case 'p': mode = mode ? -1 : 'p'; break;
		case 'f': force = 1; break;
		case 'h':
			printf("usage: chartroom export [--store DIR] [--force] "
			       "DOC_ID --original|--pdf OUT\n\n"
			       "--original writes the original bytes as "
			       "scanned (checked against their\nSHA-256); "
			       "--pdf writes a searchable PDF (page images "
			       "with an invisible text\nlayer). An existing OUT "
			       "is not replaced without --force.\n\n"
			       "Exit status: 0 written, 1 no such document, 2 "
			       "usage, 3 error.\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (mode <= 0 || argc - optind != 2 ||
	    cli_parse_id(argv[optind], &id) != 0) {
		cli_error("export", "usage: chartroom export DOC_ID "
				    "--original|--pdf OUT");
		return EXIT_USAGE;
	}
	{
		/* Say what is wrong with OUT before reading anything: a
		 * file of someone's is not replaced by accident, and a
		 * missing folder is not blamed on the original. */
		const char *out = argv[optind + 1], *slash = strrchr(out, '/');
		char dir[4096];
		struct stat sb;
		if (!force && lstat(out, &sb) == 0) {
			cli_error("export", "%s exists; choose another name or "
					    "add --force",
				  out);
			return EXIT_SOME;
		}
		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - out) + (slash == out) : 1,
			 slash ? out : ".");
		if (access(dir, W_OK) != 0) {
			cli_error("export", "cannot write into %s: %s", dir,
				  strerror(errno));
			return EXIT_FAILURE_;
		}
	}
	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	cr_err_clear(&err);
	v = store_document_get(st, id, &err);
	if (v != NULL && audited(st, "export", "export", v->doc.patient_mrn,
				 id, mode == 'o' ? "original" : "pdf") != 0) {
		store_docview_free(v);
		store_close(st);
		return EXIT_FAILURE_;
	}
	store_close(st);
	if (v == NULL) {
		cli_error("export", "%s", err.msg);
		return err.code == CR_ENOTFOUND ? EXIT_SOME : EXIT_FAILURE_;
	}
	{
		/* An original that no longer hashes to its name has been
		 * changed on disk: refuse to hand it out. */
		char sha[65];
		rc = cr_sha256_file(v->doc.original_path, sha, NULL, &err);
		if (rc == CR_OK && strcmp(sha, v->doc.sha256) != 0)
			rc = cr_err_set(&err, CR_EIO,
					"the original %s does not match its "
					"SHA-256; it was altered on disk",
					v->doc.original_path);
	}
	if (rc == CR_OK && mode == 'o')
		rc = copy_file(v->doc.original_path, argv[optind + 1], &err);
	else if (rc == CR_OK && (rc = ocr_pdf_export(v->doc.original_path,
						    argv[optind + 1], NULL,
						    &err)) == CR_OK)
		chmod(argv[optind + 1], 0640); /* like --original: not
						   world-readable */
	store_docview_free(v);
	if (rc != CR_OK) {
		cli_error("export", "%s", err.msg);
		return EXIT_FAILURE_;
	}
	return EXIT_OK;
}
