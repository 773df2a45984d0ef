/*
 * cmd_review.c - the review queue and re-filing from the command line:
 * "chartroom review list|show|assign|reject" and "chartroom refile".
 * Every change records who made it (the login of the effective uid, with
 * --user beside it as the person it was done for) and when, in the
 * document's link history.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/access.h"
#include "cli.h"

/* Who made the change, for the link history: the login of the
 * effective uid (not $USER, which anyone can set).  --user names the
 * person it was done for, beside it, never instead of it. */
static const char *whoami(const char *opt)
{
	static char buf[200];
	struct passwd *pw = getpwuid(geteuid());
	const char *login = pw != NULL ? pw->pw_name : "unknown";

	if (opt != NULL && *opt && strcmp(opt, login) != 0)
		snprintf(buf, sizeof(buf), "%s (cli:%s)", opt, login);
	else
		snprintf(buf, sizeof(buf), "cli:%s", login);
	return buf;
}

static void review_usage(FILE *f)
{
	fprintf(f,
		"usage: chartroom review list [--json]\n"
		"       chartroom review show [--json] DOC_ID\n"
		"       chartroom review assign DOC_ID MRN [--user U] "
		"[--force]\n"
		"       chartroom review reject DOC_ID --reason TEXT [--user "
		"U]\n\n"
		"Documents Chartroom could not file with certainty wait here "
		"with their ranked\n"
		"candidate patients and the evidence for each.  'assign' "
		"files the document to\n"
		"MRN; 'reject' takes it out of the queue with a reason.  Both "
		"are recorded in\n"
		"the document's history with the user and time.  An MRN "
		"that is not one of\n"
		"the document's candidates needs --force.\n\n"
		"Exit status: 0 done, 1 no such document or patient, 2 "
		"usage, 3 store error.\n");
}

static int relink(const char *cmd, const char *store, const char *ids,
		  const char *mrn, const char *status, const char *user,
		  const char *reason, const char *must_be, int force)
{
	struct store_docview *v;
	struct cr_err err;
	struct store *st;
	int64_t id;
	int rc;

	if (cli_parse_id(ids, &id) != 0) {
		cli_error(cmd, "'%s' is not a document id", ids);
		return EXIT_USAGE;
	}
	st = cli_open_store(store, 0);
	if (st == NULL)
		return EXIT_FAILURE_;
	cr_err_clear(&err);
	v = store_document_get(st, id, &err);
	if (v == NULL) {
		store_close(st);
		cli_error(cmd, "%s", err.msg);
		return err.code == CR_ENOTFOUND ? EXIT_SOME : EXIT_FAILURE_;
	}
	/* A rejection is not final: a rejected document may be assigned
	 * after all (the history keeps both). */
	if (must_be != NULL && strcmp(v->doc.status, must_be) != 0 &&
	    !(strcmp(must_be, "review") == 0 && mrn != NULL &&
	      strcmp(v->doc.status, "rejected") == 0)) {
		cli_error(cmd, "document %lld is %s, not %s%s", (long long)id,
			  v->doc.status, must_be,
			  strcmp(must_be, "filed") == 0
			      ? "; use 'chartroom review assign' for documents "
				"in review"
			      : "; use 'chartroom refile' for filed documents");
		store_docview_free(v);
		store_close(st);
		return EXIT_SOME;
	}
	if (mrn != NULL && v->doc.patient_mrn != NULL &&
	    strcmp(v->doc.patient_mrn, mrn) == 0) {
		cli_error(cmd, "document %lld is already filed to %s", (long long)id, mrn);
		store_docview_free(v);
		store_close(st);
		return EXIT_SOME;
	}
	if (mrn != NULL && !force) {
		/* Filing by hand to a patient the evidence never pointed at
		 * is how charts get mixed up: make it deliberate. */
		size_t i;
		int known = 0;
		for (i = 0; i < v->ncands; i++)
			known |= strcmp(v->cands[i].mrn, mrn) == 0;
		if (!known) {
			cli_error(cmd,
				  "%s is not among document %lld's candidates;"
				  " check the scan, then add --force to file "
				  "it anyway",
				  mrn, (long long)id);
			store_docview_free(v);
			store_close(st);
			return EXIT_SOME;
		}
	}
	{
		/* The relink and its audit entry commit together.  The
		 * detail carries ids only: a typed reason may name people. */
		char detail[96], was[16];
		cr_strlcpy(was, v->doc.status, sizeof(was));
		snprintf(detail, sizeof(detail), "was %s%s%s%s",
			 v->doc.status, v->doc.patient_mrn ? " to " : "",
			 v->doc.patient_mrn ? v->doc.patient_mrn : "",
			 force ? ", forced" : "");
		store_docview_free(v);
		rc = store_begin(st, &err);
		if (rc == CR_OK)
			rc = store_document_relink(st, id, was, mrn, status,
						   user, reason, &err);
		if (rc == CR_OK)
			rc = access_audit_local(
			    st,
			    strcmp(cmd, "refile") == 0 ? "refile"
			    : mrn != NULL	       ? "assign"
						       : "reject",
			    mrn, id, 1, detail, &err);
		if (rc == CR_OK)
			rc = store_commit(st, &err);
		if (rc != CR_OK)
			store_rollback(st);
	}
	store_close(st);
	if (rc != CR_OK) {
		cli_error(cmd, "%s", err.msg);
		return rc == CR_ENOTFOUND ? EXIT_SOME : EXIT_FAILURE_;
	}
	if (mrn != NULL)
		printf("document %lld filed to %s by %s\n", (long long)id, mrn, user);
	else
		printf("document %lld %s by %s\n", (long long)id, status, user);
	return EXIT_OK;
}

int cmd_review(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", 1, NULL, 's'}, {"json", 0, NULL, 'j'},
	    {"user", 1, NULL, 'u'},  {"reason", 1, NULL, 'r'},
	    {"force", 0, NULL, 'f'}, {"help", 0, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *store = NULL, *user = NULL, *reason = NULL, *verb;
	int c, json = 0, nargs, force = 0;
	char **args;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (c) {
		case 's': store = optarg; break;
		case 'j': json = 1; break;
		case 'u': user = optarg; break;
		case 'r': reason = optarg; break;
		case 'f': force = 1; break;
		case 'h': review_usage(stdout); return EXIT_OK;
		default: review_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		review_usage(stderr);
		return EXIT_USAGE;
	}
	verb = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (strcmp(verb, "list") == 0 && nargs == 0) {
		char *sub[] = {"search", "--status", "review", "--limit",
			       "10000", json ? "--json" : NULL, NULL,
			       NULL, NULL};
		int n = json ? 6 : 5;
		if (store != NULL) {
			sub[n++] = "--store";
			sub[n++] = (char *)store;
		}
		return cmd_search(n, sub);
	}
	if (strcmp(verb, "show") == 0 && nargs == 1) {
		char *sub[] = {"show", args[0], json ? "--json" : NULL, NULL,
			       NULL, NULL};
		int n = json ? 3 : 2;
		if (store != NULL) {
			sub[n++] = "--store";
			sub[n++] = (char *)store;
		}
		return cmd_show(n, sub);
	}
	if (strcmp(verb, "assign") == 0 && nargs == 2)
		return relink("review assign", store, args[0], args[1], "filed",
			      whoami(user), reason ? reason : "assigned in review",
			      "review", force);
	if (strcmp(verb, "reject") == 0 && nargs == 1) {
		if (reason == NULL || !*reason) {
			cli_error("review reject", "--reason TEXT is required");
			return EXIT_USAGE;
		}
		return relink("review reject", store, args[0], NULL, "rejected",
			      whoami(user), reason, "review", 0);
	}
	review_usage(stderr);
	return EXIT_USAGE;
}

int cmd_refile(int argc, char **argv)
{
	static const struct option opts[] = {{"store", 1, NULL, 's'},
					     {"user", 1, NULL, 'u'},
					     {"reason", 1, NULL, 'r'},
					     {"force", 0, NULL, 'f'},
					     {"help", 0, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *store = NULL, *user = NULL, *reason = NULL;
	int c, force = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': store = optarg; break;
		case 'u': user = optarg; break;
		case 'r': reason = optarg; break;
		case 'f': force = 1; break;
		case 'h':
			printf("usage: chartroom refile [--store DIR] [--user "
			       "U] [--reason TEXT] [--force] DOC_ID MRN\n\n"
			       "Move a filed document to another patient (a "
			       "mistake found later).  The old\nlink stays in "
			       "the document's history with who and when.  "
			       "Documents in\nreview are filed with 'chartroom "
			       "review assign'.  An MRN that is not one of\n"
			       "the document's candidates needs --force.\n\n"
			       "Exit status: 0 done, 1 no such document or "
			       "patient / refused, 2 usage,\n3 store error.\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		cli_error("refile", "usage: chartroom refile DOC_ID MRN");
		return EXIT_USAGE;
	}
	return relink("refile", store, argv[optind], argv[optind + 1], "filed",
		      whoami(user), reason ? reason : "re-filed", "filed",
		      force);
}
