/*
 * imgcache.c - rendered page images, kept in memory.
 *
 * Decoding a 300 dpi TIFF page and scaling it costs tens of
 * milliseconds; the same page at the same width is asked for again as
 * soon as someone pages back and forth or a list shows thumbnails.  A
 * small LRU list bounded by bytes, under one mutex, keyed by
 * "<sha256>/<page>/<width>": the originals are immutable and named by
 * their hash, so an entry can never go stale.  Access is still checked
 * and audited for every request before the cache is asked.
 */
#define _POSIX_C_SOURCE 200809L
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *prev, *next; /* most recent first */
	char *key;
	unsigned char *png;
	size_t len;
};

struct web_imgcache {
	pthread_mutex_t lock;
	struct entry *head, *tail;
	size_t bytes, max_bytes;
};

struct web_imgcache *web_imgcache_new(size_t max_bytes)
{
	struct web_imgcache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	c->max_bytes = max_bytes;
	return c;
}

static void unlink_entry(struct web_imgcache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void push_front(struct web_imgcache *c, struct entry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

static void free_entry(struct entry *e)
{
	free(e->key);
	free(e->png);
	free(e);
}

void web_imgcache_free(struct web_imgcache *c)
{
	struct entry *e, *n;

	if (c == NULL)
		return;
	for (e = c->head; e != NULL; e = n) {
		n = e->next;
		free_entry(e);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int web_imgcache_get(struct web_imgcache *c, const char *key,
                     unsigned char **out, size_t *len)
{
	struct entry *e;
	int found = 0;

	pthread_mutex_lock(&c->lock);
	for (e = c->head; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (e != NULL && (*out = malloc(e->len)) != NULL) {
		memcpy(*out, e->png, e->len);
		*len = e->len;
		unlink_entry(c, e);
		push_front(c, e);
		found = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void web_imgcache_put(struct web_imgcache *c, const char *key,
                      const unsigned char *png, size_t len)
{
	struct entry *e;

	if (len > c->max_bytes / 4)
		return;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->key = strdup(key)) == NULL || (e->png = malloc(len)) == NULL) {
		if (e != NULL)
			free_entry(e);
		return;
	}
	memcpy(e->png, png, len);
	e->len = len;
	pthread_mutex_lock(&c->lock);
	{
		/* Two workers may render the same page at once: keep one. */
		struct entry *o;
		for (o = c->head; o != NULL; o = o->next)
			if (strcmp(o->key, key) == 0)
				break;
		if (o != NULL) {
			pthread_mutex_unlock(&c->lock);
			free_entry(e);
			return;
		}
	}
	push_front(c, e);
	c->bytes += len;
	while (c->bytes > c->max_bytes && c->tail != NULL) {
		struct entry *old = c->tail;
		unlink_entry(c, old);
		c->bytes -= old->len;
		free_entry(old);
	}
	pthread_mutex_unlock(&c->lock);
}
