/* web.c: see web.h. */
#include "logd/web.h"

#include <string.h>

const struct web_asset *web_find(const char *name)
{
    for (size_t i = 0; i < web_asset_count; i++)
        if (strcmp(web_assets[i].name, name) == 0)
            return &web_assets[i];
    return NULL;
}

/* RFC 9110 §13.1.2: a comma-separated list of entity tags, compared weakly
 * (a W/ prefix is ignored), or "*". */
bool web_etag_matches(const char *if_none_match, const char *etag)
{
    size_t n = strlen(etag);
    const char *p = if_none_match;

    if (p == NULL)
        return false;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, n) == 0 &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
            return true;
        while (*p != '\0' && *p != ',')
            p++;
    }
    return false;
}
