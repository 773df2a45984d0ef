/*
 * config.c - the watcher's INI file (inih).  Durations are written in
 * seconds (decimals allowed) because people edit this file; they are
 * kept in milliseconds.  An unknown key is an error, not a silent no-op:
 * a misspelt "setle_seconds" must not leave the default in place.
 */
#include "watch.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void watch_config_default(struct watch_config *c)
{
	memset(c, 0, sizeof(*c));
	c->settle_ms = 2000;
	c->incomplete_ms = 60000;
	c->poll_ms = 2000;
	c->rescan_ms = 60000;
	c->poll = WATCH_POLL_AUTO;
	c->retry_max = 5;
	c->retry_base_ms = 2000;
	c->retry_cap_ms = 300000;
}

int watch_config_add(char ***list, size_t *n, const char *s)
{
	char **v = realloc(*list, (*n + 1) * sizeof(**list));
	char *d = strdup(s);

	if (v == NULL || d == NULL) {
		free(d);
		if (v != NULL)
			*list = v;
		return CR_ENOMEM;
	}
	v[(*n)++] = d;
	*list = v;
	return CR_OK;
}

static void free_list(char ***list, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

void watch_config_free(struct watch_config *c)
{
	free(c->config_path);
	free(c->store);
	free(c->instance);
	free(c->failed_dir);
	free_list(&c->inboxes, &c->ninboxes);
	free_list(&c->ignore, &c->nignore);
	memset(c, 0, sizeof(*c));
}

struct load_ctx {
	struct watch_config *c;
	char why[200]; /* the first problem, for the error message */
};

static int set_str(char **dst, const char *v)
{
	char *d = strdup(v);

	if (d == NULL)
		return 0;
	free(*dst);
	*dst = d;
	return 1;
}

/* "2", "0.5", "120" seconds -> ms, within [lo, hi] seconds. */
static int set_seconds(int *dst, const char *v, double lo, double hi)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(d) || d < lo || d > hi)
		return 0;
	*dst = (int)(d * 1000.0 + 0.5);
	return 1;
}

static int set_int(int *dst, const char *v, long lo, long hi)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return 0;
	*dst = (int)n;
	return 1;
}

static int set_unit(double *dst, const char *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !(d > 0.0 && d <= 1.0))
		return 0;
	*dst = d;
	return 1;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct load_ctx *lc = user;
	struct watch_config *c = lc->c;
	int ok = -1; /* -1: unknown key */

	if (strcasecmp(section, "store") == 0) {
		if (strcmp(name, "path") == 0)
			ok = set_str(&c->store, value);
	} else if (strcasecmp(section, "watch") == 0) {
		if (strcmp(name, "inbox") == 0)
			ok = *value &&
			     watch_config_add(&c->inboxes, &c->ninboxes,
					      value) == CR_OK;
		else if (strcmp(name, "ignore") == 0)
			ok = *value && watch_config_add(&c->ignore, &c->nignore,
							value) == CR_OK;
		else if (strcmp(name, "instance") == 0)
			ok = *value && set_str(&c->instance, value);
		else if (strcmp(name, "failed") == 0)
			ok = *value && set_str(&c->failed_dir, value);
		else if (strcmp(name, "workers") == 0)
			ok = set_int(&c->workers, value, 0, 64);
		else if (strcmp(name, "settle_seconds") == 0)
			ok = set_seconds(&c->settle_ms, value, 0.1, 3600);
		else if (strcmp(name, "incomplete_seconds") == 0)
			ok = set_seconds(&c->incomplete_ms, value, 0, 86400);
		else if (strcmp(name, "poll_seconds") == 0)
			ok = set_seconds(&c->poll_ms, value, 0.1, 3600);
		else if (strcmp(name, "rescan_seconds") == 0)
			ok = set_seconds(&c->rescan_ms, value, 1, 86400);
		else if (strcmp(name, "page_timeout_seconds") == 0)
			ok = set_seconds(&c->page_timeout_ms, value, 1, 3600);
		else if (strcmp(name, "poll") == 0) {
			ok = 1;
			if (strcmp(value, "auto") == 0)
				c->poll = WATCH_POLL_AUTO;
			else if (strcmp(value, "always") == 0)
				c->poll = WATCH_POLL_ALWAYS;
			else if (strcmp(value, "never") == 0)
				c->poll = WATCH_POLL_NEVER;
			else
				ok = 0;
		}
	} else if (strcasecmp(section, "retry") == 0) {
		if (strcmp(name, "attempts") == 0)
			ok = set_int(&c->retry_max, value, 0, 100);
		else if (strcmp(name, "first_wait_seconds") == 0)
			ok = set_seconds(&c->retry_base_ms, value, 0.1, 3600);
		else if (strcmp(name, "longest_wait_seconds") == 0)
			ok = set_seconds(&c->retry_cap_ms, value, 1, 86400);
	} else if (strcasecmp(section, "match") == 0) {
		if (strcmp(name, "autolink_score") == 0)
			ok = set_unit(&c->autolink_score, value);
		else if (strcmp(name, "min_margin") == 0)
			ok = set_unit(&c->min_margin, value);
	}
	if (ok == 1)
		return 1;
	if (lc->why[0] == '\0')
		snprintf(lc->why, sizeof(lc->why),
			 ok < 0 ? "unknown key '%s' in [%s]"
				: "bad value for '%s' in [%s]",
			 name, section);
	return 0;
}

int watch_config_load(struct watch_config *c, const char *path,
		      struct cr_err *err)
{
	struct load_ctx lc;
	int line;

	memset(&lc, 0, sizeof(lc));
	lc.c = c;
	line = ini_parse(path, handler, &lc);
	if (line == -1)
		return cr_err_set(err, CR_ENOTFOUND, "cannot open %s: %s", path,
				  strerror(errno));
	if (line == -2)
		return cr_err_set(err, CR_ENOMEM, "out of memory reading %s",
				  path);
	if (line > 0)
		return cr_err_set(err, CR_EINVAL, "%s line %d: %s", path, line,
				  lc.why[0] ? lc.why : "not KEY = VALUE");
	if (c->config_path == NULL || strcmp(c->config_path, path) != 0)
		if (!set_str(&c->config_path, path))
			return cr_err_set(err, CR_ENOMEM, "out of memory");
	return CR_OK;
}
