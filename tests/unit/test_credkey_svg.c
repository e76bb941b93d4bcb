/*
 * test_credkey_svg.c: the SVG baked-badge container (proofs/credkey_svg.h).
 *
 * - Detection (step 2 of auto): names after prologues, DOCTYPEs, comments.
 * - Extraction: the first credential element by namespace (any prefix, the
 *   default namespace too), its verify attribute, the text of all its
 *   descendants with CDATA, references decoded, line ends normalized.
 * - Refusals: billion laughs and any internal subset, undefined and
 *   external entities, undeclared prefixes (and a prefix out of scope),
 *   mismatched tags, duplicate attributes, '<' in attributes, '--' in
 *   comments, a second root, text after the root, a non-UTF-8 encoding
 *   declaration, control characters, a late XML declaration, nesting over
 *   1000, too many attributes or namespace declarations; every cut of a
 *   valid file is refused without a read past the end.
 */
#include "check.h"
#include "proofs/credkey.h"
#include "proofs/credkey_svg.h"

#include <stdlib.h>
#include <string.h>

#define SVG_OPEN                                                               \
    "<svg xmlns=\"http://www.w3.org/2000/svg\" "                               \
    "xmlns:ob=\"https://purl.imsglobal.org/ob/v3p0\">"

static int extract(const char *s, struct credkey_svg_credential *c)
{
    char why[CREDKEY_WHY_MAX] = "";
    int rc = credkey_svg_extract((const uint8_t *)s, strlen(s), c, why);

    CHECK(rc == 0 || why[0] != '\0');
    return rc;
}

static void expect_text(const char *svg, const char *text, const char *verify)
{
    struct credkey_svg_credential c;
    int rc = extract(svg, &c);

    CHECK_MSG(rc == 0 && c.text_len == strlen(text) &&
                  memcmp(c.text, text, c.text_len) == 0,
              "%s: rc %d, text \"%.*s\"", svg, rc,
              rc == 0 ? (int)c.text_len : 0,
              rc == 0 ? (const char *)c.text : "");
    if (rc == 0 && verify == NULL)
        CHECK(c.verify == NULL);
    if (rc == 0 && verify != NULL)
        CHECK_MSG(c.verify != NULL && c.verify_len == strlen(verify) &&
                      memcmp(c.verify, verify, c.verify_len) == 0,
                  "%s: verify", svg);
    credkey_svg_credential_free(&c);
}

static void expect_err(const char *svg, int err)
{
    struct credkey_svg_credential c;
    int rc = extract(svg, &c);

    CHECK_MSG(rc == err && c.text == NULL && c.verify == NULL,
              "%s: rc %d, want %d", svg, rc, err);
    credkey_svg_credential_free(&c);
}

static void test_detect(void)
{
    static const struct {
        const char *s;
        bool svg;
    } v[] = {
        {"<svg/>", true},
        {"\xef\xbb\xbf \n<svg>", true},
        {"<?xml version=\"1.0\"?><!-- a > b --><?pi x?>\n<s:svg>", true},
        {"<!DOCTYPE svg><x/>", true},
        {"<!DOCTYPE\n  a:svg PUBLIC>", true},
        {"<!doctype svg>", false},
        {"<svgx/>", false},
        {"<SVG/>", false},
        {"<html><svg/></html>", false},
        {"<3 svg", false},
        {"<?xml never closed <svg>", false},
        {"<!-- never closed <svg>", false},
        {"x<svg>", false},
        {"", false},
        {"<", false},
    };

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK_MSG(credkey_svg_is((const uint8_t *)v[i].s, strlen(v[i].s)) ==
                      v[i].svg,
                  "%s", v[i].s);
}

static void test_extract(void)
{
    expect_text(SVG_OPEN "<ob:credential>{\"a\":1}</ob:credential></svg>",
                "{\"a\":1}", NULL);
    /* Descendants' text and CDATA, not comments or PIs; references. */
    expect_text(SVG_OPEN "<g><ob:credential verify=\" x \">a<b>b<![CDATA[<c>&"
                         "amp;]]></b><!-- no --><?pi no?>&lt;&#x41;&#66;&amp;"
                         "&quot;&apos;&gt;</ob:credential></g>"
                         "<ob:credential>second</ob:credential></svg>",
                "ab<c>&amp;<AB&\"'>", " x ");
    /* Line ends: CR LF and CR become LF, also in CDATA; &#13; stays. */
    expect_text(SVG_OPEN "<ob:credential>a\r\nb\rc<![CDATA[\r\n]]>&#13;"
                         "</ob:credential></svg>",
                "a\nb\nc\n\r", NULL);
    /* Attribute values: white space becomes a space, &#10; stays. */
    expect_text(SVG_OPEN "<ob:credential verify='a\tb\r\nc&#10;d'/></svg>", "",
                "a b c\nd");
    /* The default namespace and other prefixes; OB 2.0's assertion. */
    expect_text("<svg xmlns=\"http://www.w3.org/2000/svg\"><credential "
                "xmlns=\"https://purl.imsglobal.org/ob/v3p0\">x</credential>"
                "</svg>",
                "x", NULL);
    expect_text("<s:svg xmlns:s=\"http://www.w3.org/2000/svg\"><a:assertion "
                "xmlns:a=\"http://openbadges.org\">y</a:assertion></s:svg>",
                "y", NULL);
    /* Near misses are not the credential. */
    expect_err(SVG_OPEN "<ob:assertion>x</ob:assertion><credential>y"
                        "</credential><ob:Credential>z</ob:Credential></svg>",
               CREDKEY_ERR_NO_CREDENTIAL);
    /* A prologue, a DOCTYPE without subset, misc after the root. */
    expect_text("\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8' "
                "standalone='no'?>\n<!-- c -->\n<!DOCTYPE svg PUBLIC \"p\" "
                "'s'>\n" SVG_OPEN "<ob:credential>t</ob:credential></svg>\n"
                "<!-- end --><?pi?>\n",
                "t", NULL);
}

static void test_refusals(void)
{
    char *buf = malloc(200000);
    size_t n;

    REQUIRE(buf != NULL);
    expect_err("<!DOCTYPE svg [<!ENTITY a \"b\">]>" SVG_OPEN
               "<ob:credential>&a;</ob:credential></svg>",
               CREDKEY_ERR_SVG_DOCTYPE);
    expect_err("<!DOCTYPE svg SYSTEM \"x\" []>" SVG_OPEN "</svg>",
               CREDKEY_ERR_SVG_DOCTYPE);
    expect_err(SVG_OPEN "<ob:credential>&a;</ob:credential></svg>",
               CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<ob:credential>&#0;</ob:credential></svg>",
               CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<ob:credential>&#x110000;</ob:credential></svg>",
               CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<ob:credential>&#xD800;</ob:credential></svg>",
               CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<ob:credential>&#;</ob:credential></svg>",
               CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<ob:credential>&amp</ob:credential></svg>",
               CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<x:credential>1</x:credential></svg>",
               CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g xmlns:x=\"http://openbadges.org\"/><x:assertion>1"
                        "</x:assertion></svg>",
               CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g x:a=\"1\"/></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g xmlns:x=\"\"/></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g></h></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g a=\"1\" a=\"2\"/></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g a=\"<\"/></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g a=1/></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g a=\"1\"b=\"2\"/></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<!-- a -- b --></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "a]]>b</svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<!ELEMENT x ANY></svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "</svg><svg/>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "</svg>text", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "<g>", CREDKEY_ERR_SVG);
    expect_err("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" SVG_OPEN
               "</svg>",
               CREDKEY_ERR_SVG);
    expect_err("<?xml encoding=\"UTF-8\"?>" SVG_OPEN "</svg>", CREDKEY_ERR_SVG);
    expect_err(" <?xml version=\"1.0\"?>" SVG_OPEN "</svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "\f</svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "\xef\xbf\xbe</svg>", CREDKEY_ERR_SVG);
    expect_err(SVG_OPEN "\xc3</svg>", CREDKEY_ERR_SVG);
    expect_err("<svg/>", CREDKEY_ERR_SVG); /* not in the SVG namespace */
    expect_err("<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
               CREDKEY_ERR_NO_CREDENTIAL);
    expect_err("<!DOCTYPE svg><!DOCTYPE svg>" SVG_OPEN "</svg>",
               CREDKEY_ERR_SVG);
    expect_err("<!DOCTYPE svg PUBLIC \"p\">" SVG_OPEN "</svg>",
               CREDKEY_ERR_SVG);
    /* Nesting: 999 groups in the root are fine, 1000 are not. */
    for (int depth = 999; depth <= 1000; depth++) {
        n = (size_t)snprintf(buf, 200, SVG_OPEN);
        for (int i = 0; i < depth; i++)
            memcpy(buf + n + 3 * (size_t)i, "<g>", 3);
        n += 3 * (size_t)depth;
        for (int i = 0; i < depth; i++)
            memcpy(buf + n + 4 * (size_t)i, "</g>", 4);
        n += 4 * (size_t)depth;
        snprintf(buf + n, 200, "</svg>");
        expect_err(buf,
                   depth == 999 ? CREDKEY_ERR_NO_CREDENTIAL : CREDKEY_ERR_SVG);
    }
    /* Too many attributes on one element. */
    n = (size_t)snprintf(buf, 200, SVG_OPEN "<g");
    for (int i = 0; i <= CREDKEY_SVG_ATTRS_MAX; i++)
        n += (size_t)snprintf(buf + n, 200, " a%d=\"\"", i);
    snprintf(buf + n, 200, "/></svg>");
    expect_err(buf, CREDKEY_ERR_SVG);
    /* Too many namespace declarations in scope. */
    n = (size_t)snprintf(buf, 200, SVG_OPEN "<g");
    for (int i = 0; i < CREDKEY_SVG_NS_MAX; i++)
        n += (size_t)snprintf(buf + n, 200, " xmlns:p%d=\"u\"", i);
    snprintf(buf + n, 200, "/></svg>");
    expect_err(buf, CREDKEY_ERR_SVG);
    free(buf);
}

static void test_cuts(void)
{
    static const char svg[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg SYSTEM 'x'>\n" SVG_OPEN
        "<ob:credential verify=\"v&amp;\"><![CDATA[{\"a\":1}]]>&#x41;"
        "</ob:credential><!-- c --></svg>";
    struct credkey_svg_credential c;
    size_t full = sizeof svg - 1;

    for (size_t len = 0; len < full; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        int rc;
        REQUIRE(copy != NULL);
        memcpy(copy, svg, len);
        rc = credkey_svg_extract(copy, len, &c, NULL);
        /* The comment after the credential is markup the root holds, so
         * every cut before the end is broken XML. */
        CHECK_MSG(rc == CREDKEY_ERR_SVG, "cut at %zu: %d", len, rc);
        credkey_svg_credential_free(&c);
        free(copy);
    }
    REQUIRE(credkey_svg_extract((const uint8_t *)svg, full, &c, NULL) == 0);
    CHECK(c.text_len == 8 && memcmp(c.text, "{\"a\":1}A", 8) == 0);
    CHECK(c.verify_len == 2 && memcmp(c.verify, "v&", 2) == 0);
    credkey_svg_credential_free(&c);
    credkey_svg_credential_free(NULL);
}

int main(void)
{
    test_detect();
    test_extract();
    test_refusals();
    test_cuts();
    return check_finish();
}
