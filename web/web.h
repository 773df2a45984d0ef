/*
 * web.h - the records web app and JSON API (chartroom serve), on
 * libmicrohttpd over the store.  Placeholder until the server lands.
 */
#ifndef WEB_H
#define WEB_H

#include "../common/cr.h"

#endif /* WEB_H */
