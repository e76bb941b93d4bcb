/*
 * web.h: the verification page (web/, docs/api.md "GET /"), embedded in
 * logd at build time by cmake/embed_web.cmake. Pure: a table of constant
 * files and the rules for serving them; logd/http_route.c sends them.
 * Everything here is immutable and safe to use from any thread.
 */
#ifndef CREDLOG_LOGD_WEB_H
#define CREDLOG_LOGD_WEB_H

#include <stdbool.h>
#include <stddef.h>

/* The Content-Security-Policy every file of the page is sent with
 * (issue 13): only its own scripts, styles and data: images, and requests
 * to its own origin. */
#define WEB_CSP                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; "                \
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "              \
    "form-action 'none'; frame-ancestors 'none'"

/* The page's files are revalidated on every load (their ETag makes that a
 * 304), so a changed page is never mixed with an old script. */
#define WEB_CACHE "no-cache"

/* One embedded file. */
struct web_asset {
    const char *name;          /* file name in web/, e.g. "index.html" */
    const unsigned char *data; /* its bytes, followed by one NUL */
    size_t len;                /* without that NUL */
    const char *type;          /* Content-Type */
    const char *etag;          /* strong ETag, quotes included */
};

/* The embedded files (generated). */
extern const struct web_asset web_assets[];
extern const size_t web_asset_count;

/* The embedded file named name (e.g. "ui.js"), or NULL. Only the files' own
 * names match exactly. */
const struct web_asset *web_find(const char *name);

/* Whether an If-None-Match header value (a list of ETags, or "*") names
 * etag, so that the answer is 304. NULL matches nothing. */
bool web_etag_matches(const char *if_none_match, const char *etag);

#endif
