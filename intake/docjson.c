/*
 * docjson.c - stored records as JSON, the same keys for every front end.
 */
#include "docjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *docjson_str(const char *s)
{
	json_t *j;
	char *buf, *o;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* Not UTF-8: keep the ASCII, mark the rest. */
	if ((buf = malloc(strlen(s) * 3 + 1)) == NULL)
		return json_string("?");
	for (o = buf; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x80) {
			*o++ = (char)c;
		} else {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
		}
	}
	*o = '\0';
	j = json_string(buf);
	free(buf);
	return j ? j : json_string("?");
}

/* The patient a document is linked to, or null. */
static json_t *patient_of(const char *mrn, const char *family,
			  const char *given, const char *birth)
{
	if (mrn == NULL)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o}", "mrn", docjson_str(mrn),
			 "family_name", docjson_str(family), "given_name",
			 docjson_str(given), "birth_date", docjson_str(birth));
}

static json_t *id_json(int64_t id)
{
	char buf[24];

	/* Ids are strings: JSON readers that hold numbers as doubles would
	 * round int64 ids past 2^53. */
	snprintf(buf, sizeof(buf), "%lld", (long long)id);
	return json_string(buf);
}

json_t *docjson_hit(const struct store_hit *h)
{
	json_t *o = json_object();

	json_object_set_new(o, "document_id", id_json(h->id));
	json_object_set_new(o, "file", docjson_str(h->file));
	json_object_set_new(o, "sha256", docjson_str(h->sha256));
	json_object_set_new(o, "patient",
			    patient_of(h->patient_mrn, h->patient_family,
				       h->patient_given,
				       h->patient_birth_date));
	json_object_set_new(o, "doc_type", docjson_str(h->doc_type));
	json_object_set_new(o, "document_date", docjson_str(h->document_date));
	json_object_set_new(o, "status", docjson_str(h->status));
	json_object_set_new(o, "pages", json_integer(h->pages));
	json_object_set_new(o, "confidence", json_real(h->confidence));
	json_object_set_new(o, "snippet", docjson_str(h->snippet));
	json_object_set_new(o, "created_at", docjson_str(h->created_at));
	json_object_set_new(o, "reason", docjson_str(h->reason));
	return o;
}

json_t *docjson_candidate(const struct store_candidate *c)
{
	json_t *ev = json_loads(c->evidence ? c->evidence : "{}", 0, NULL);

	return json_pack("{s:o, s:f, s:o}", "mrn", docjson_str(c->mrn),
			 "score", c->score, "evidence",
			 ev ? ev : json_object());
}

json_t *docjson_document(const struct store_docview *v)
{
	const struct store_document *d = &v->doc;
	json_t *o = json_object(), *pages = json_array();
	json_t *fields = json_array();
	size_t i;

	json_object_set_new(o, "document_id", id_json(d->id));
	json_object_set_new(o, "file", docjson_str(d->file));
	json_object_set_new(o, "sha256", docjson_str(d->sha256));
	json_object_set_new(o, "size_bytes",
			    json_integer((json_int_t)d->size_bytes));
	json_object_set_new(o, "status", docjson_str(d->status));
	json_object_set_new(o, "doc_type", docjson_str(d->doc_type));
	json_object_set_new(o, "patient",
			    patient_of(d->patient_mrn, v->patient_family,
				       v->patient_given,
				       v->patient_birth_date));
	json_object_set_new(o, "document_date", docjson_str(d->document_date));
	json_object_set_new(o, "pages", json_integer(d->pages));
	json_object_set_new(o, "confidence", json_real(d->confidence));
	json_object_set_new(o, "reason", docjson_str(d->reason));
	json_object_set_new(o, "source", docjson_str(d->source));
	json_object_set_new(o, "created_at", docjson_str(v->created_at));
	for (i = 0; i < v->npages; i++) {
		const struct store_page *p = &v->pages[i];
		json_array_append_new(
		    pages, json_pack("{s:i, s:i, s:i, s:i, s:i, s:f, s:o}",
				     "page", p->index + 1, "width", p->width,
				     "height", p->height, "dpi", p->dpi,
				     "rotation_deg", p->rotation_deg,
				     "mean_conf", p->mean_conf, "text",
				     docjson_str(p->text ? p->text : "")));
	}
	json_object_set_new(o, "page_text", pages);
	for (i = 0; i < v->nfields; i++) {
		const struct store_field *f = &v->fields[i];
		json_array_append_new(
		    fields,
		    json_pack("{s:s, s:o, s:f, s:i, s:[iiii], s:o}", "name",
			      f->name, "value",
			      docjson_str(f->value ? f->value : ""), "conf",
			      f->conf, "page", f->page + 1, "box", f->x0, f->y0,
			      f->x1, f->y1, "source", docjson_str(f->source)));
	}
	json_object_set_new(o, "fields", fields);
	return o;
}
