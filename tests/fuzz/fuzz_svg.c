/*
 * fuzz_svg.c: the SVG baked-badge container (proofs/credkey_svg.h) and
 * credkey/v1 on whatever it finds (proofs/credkey.h).
 *
 * Invariants:
 *  - extraction returns 0 or one of the container's errors, with a message;
 *    on success the text and verify value are valid UTF-8 and no longer
 *    than the input (references and line ends only ever shrink), so
 *    nothing can expand;
 *  - credkey_compute() on the input (auto) returns 0 or a credkey error,
 *    and when the input is detected as an SVG it never succeeds as bytes of
 *    the image;
 *  - baking: the input, when it is made of XML characters, escaped as text
 *    (&amp; &lt; &gt; and &#13; for CR) inside an openbadges:credential
 *    element of a valid SVG, comes back byte for byte.
 *
 * Seeds (corpus/svg/v-*): every SVG of tests/data/credkey-v1.json (keys and
 * rejects), written once with a short script.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/credkey.h"
#include "proofs/credkey_svg.h"
#include "proofs/jcs.h"

/* Whether s is UTF-8 made of characters XML allows. */
static bool xml_text(const uint8_t *s, size_t n)
{
    if (jcs_utf8_check(s, n) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
        if (s[i] == 0xef && i + 2 < n && s[i + 1] == 0xbf &&
            (s[i + 2] == 0xbe || s[i + 2] == 0xbf))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char head[] =
        "<svg xmlns=\"http://www.w3.org/2000/svg\" "
        "xmlns:o=\"https://purl.imsglobal.org/ob/v3p0\"><o:credential>";
    static const char tail[] = "</o:credential></svg>";
    struct credkey_svg_credential c;
    char why[CREDKEY_WHY_MAX] = "";
    struct credkey_result r;
    uint8_t *svg;
    size_t n;
    int rc;

    rc = credkey_svg_extract(data, size, &c, why);
    FUZZ_ASSERT(rc == 0 || rc == CREDKEY_ERR_SVG ||
                rc == CREDKEY_ERR_SVG_DOCTYPE ||
                rc == CREDKEY_ERR_NO_CREDENTIAL || rc == CREDKEY_ERR_NOMEM);
    FUZZ_ASSERT(rc == 0 || (why[0] != '\0' && c.text == NULL));
    if (rc == 0) {
        FUZZ_ASSERT(c.text != NULL && c.text_len <= size);
        FUZZ_ASSERT(jcs_utf8_check(c.text, c.text_len) == c.text_len);
        FUZZ_ASSERT(c.verify == NULL ||
                    (c.verify_len <= size &&
                     jcs_utf8_check(c.verify, c.verify_len) == c.verify_len));
    }
    credkey_svg_credential_free(&c);
    rc = credkey_compute(data, size, CREDKEY_PROFILE_AUTO, NULL, 0, &r, why);
    FUZZ_ASSERT(rc == 0 || CREDLOG_ERR_IN(rc, CREDKEY_ERR_BASE));
    if (rc == 0 && credkey_svg_is(data, size))
        FUZZ_ASSERT(r.container == CREDKEY_CONTAINER_SVG);

    if (!xml_text(data, size))
        return 0;
    svg = malloc(sizeof head + 5 * size + sizeof tail);
    if (svg == NULL)
        abort();
    memcpy(svg, head, sizeof head - 1);
    n = sizeof head - 1;
    for (size_t i = 0; i < size; i++) {
        const char *e = data[i] == '&'    ? "&amp;"
                        : data[i] == '<'  ? "&lt;"
                        : data[i] == '>'  ? "&gt;"
                        : data[i] == '\r' ? "&#13;"
                                          : NULL;
        if (e != NULL) {
            memcpy(svg + n, e, strlen(e));
            n += strlen(e);
        } else {
            svg[n++] = data[i];
        }
    }
    memcpy(svg + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    rc = credkey_svg_extract(svg, n, &c, why);
    FUZZ_ASSERT(rc == 0 && c.text_len == size &&
                (size == 0 || memcmp(c.text, data, size) == 0));
    credkey_svg_credential_free(&c);
    free(svg);
    return 0;
}
