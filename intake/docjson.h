/*
 * docjson.h - the JSON shapes of stored records that more than one front
 * end prints: `chartroom show --json`, `ingest --json` and the web API
 * give a document, its pages, fields and candidates the same keys.
 */
#ifndef INTAKE_DOCJSON_H
#define INTAKE_DOCJSON_H

#include <jansson.h>

#include "../store/store.h"

/* A JSON string for s, or null when s is NULL.  File names and OCR text
 * are bytes, not always UTF-8: invalid bytes become U+FFFD, so a key is
 * never silently dropped.  Cannot fail but for memory (then "?"). */
json_t *docjson_str(const char *s);

/* The document: id, file, sha256, size_bytes, status, doc_type, patient
 * (mrn and names, or null), document_date, pages, confidence, reason,
 * source, created_at, page_text[] and fields[].  Candidates and history
 * are the caller's (who may see them differs). */
json_t *docjson_document(const struct store_docview *v);

/* A search hit: id, file, sha256, patient, doc_type, document_date,
 * status, pages, confidence, snippet, created_at, reason. */
json_t *docjson_hit(const struct store_hit *h);

/* One candidate: mrn, score, evidence (the matcher's JSON). */
json_t *docjson_candidate(const struct store_candidate *c);

#endif /* INTAKE_DOCJSON_H */
