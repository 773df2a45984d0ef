/*
 * pages.c - the pages for people: a handful of fixed URLs, each one of
 * the embedded HTML files, plus /assets/ for the stylesheet and script.
 *
 * The pages hold no patient data and no per-user content; the script
 * fills them from the JSON API, which is where access is checked and
 * audited.  Serving them needs no session (the sign-in page must load
 * for someone signed out), so nothing here touches the store.
 */
#define _POSIX_C_SOURCE 200809L
#include "web_int.h"

#include <string.h>

static const struct {
	const char *path;
	const char *file;
} routes[] = {
    {"/login", "login.html"},     {"/search", "search.html"},
    {"/patient", "patient.html"}, {"/document", "document.html"},
    {"/review", "review.html"},   {"/audit", "audit.html"},
    {"/users", "users.html"},
};

static const struct web_asset *asset_find(const char *name)
{
	size_t i;

	for (i = 0; i < web_nassets; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

static const char *content_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	return "application/octet-stream";
}

static enum MHD_Result not_found(struct web_req *r)
{
	static const char body[] =
	    "<!doctype html><meta charset=utf-8><title>Not found</title>"
	    "<p>There is no such page. <a href=\"/search\">Search</a></p>\n";

	return web_reply(r, 404, "text/html; charset=utf-8", body,
	                 sizeof(body) - 1, WEB_MEM_STATIC, WEB_PUBLIC);
}

static enum MHD_Result send_asset(struct web_req *r, const char *name)
{
	const struct web_asset *a = asset_find(name);

	if (a == NULL)
		return not_found(r);
	return web_reply(r, 200, content_type(name), a->data, a->len,
	                 WEB_MEM_STATIC, WEB_PUBLIC);
}

enum MHD_Result web_pages_handle(struct web_req *r)
{
	size_t i;

	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		static const char body[] = "Method not allowed\n";
		r->allow = "GET, HEAD";
		return web_reply(r, 405, "text/plain; charset=utf-8", body,
		                 sizeof(body) - 1, WEB_MEM_STATIC, WEB_PUBLIC);
	}
	if (strcmp(r->url, "/") == 0) {
		static const char body[] = "See /search\n";
		r->location = strdup("/search");
		return web_reply(r, 303, "text/plain; charset=utf-8", body,
		                 sizeof(body) - 1, WEB_MEM_STATIC, WEB_PUBLIC);
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(r->url, routes[i].path) == 0)
			return send_asset(r, routes[i].file);
	if (strncmp(r->url, "/assets/", 8) == 0) {
		const char *name = r->url + 8;
		/* Names are flat: no folders, so nothing like "../" can
		 * mean anything; the lookup is an exact match anyway. */
		if (strchr(name, '/') != NULL || name[0] == '.')
			return not_found(r);
		return send_asset(r, name);
	}
	return not_found(r);
}
