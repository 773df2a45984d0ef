/*
 * prose.h - internal to intake: roster names mentioned in running text,
 * with whether each mention is the letter's subject or its writer.
 */
#ifndef INTAKE_PROSE_H
#define INTAKE_PROSE_H

#include "../match/match.h"
#include "extract.h"

/* Add a FIELD_NAME reading (source "prose") for every mention of a roster
 * patient's given and family name close together in text, with subject
 * set to 1 (subject), -1 (writer) or 0 (unknown).  Returns 0 or
 * CR_ENOMEM. */
int prose_find_names(const char *text, const struct match_roster *roster,
		     int page, struct readings *rs);

#endif
