/*
 * test_p11uri.c: the pkcs11: URI parser (keystore/p11uri.h, RFC 7512).
 *
 * - The attributes credlog uses, path and query, are read and
 *   percent-decoded; the scheme is case-insensitive; id= takes any bytes.
 * - RFC 7512's own examples that name a key parse.
 * - Unknown attributes (path or query), an attribute twice, pin-value with
 *   pin-source, bad %-escapes, raw spaces or non-ASCII, a decoded NUL in a
 *   text value, type= other than private, over-long values: refused with
 *   the attribute named, and the output wiped.
 */
#include "check.h"

#include <string.h>

#include "keystore/p11uri.h"

static void test_fields(void)
{
    struct p11uri u;
    char why[256];

    REQUIRE(p11uri_parse("pkcs11:token=My%20Token;object=log.example.org%2F"
                         "credlog;id=%01%02%ff;serial=0123;manufacturer=Acme;"
                         "model=M1;slot-id=7;type=private"
                         "?module-path=/usr/lib/softhsm/libsofthsm2.so"
                         "&pin-source=file:/etc/credlog/pin",
                         &u, why, sizeof why) == 0);
    CHECK(u.has_token && strcmp(u.token, "My Token") == 0);
    CHECK(u.has_object && strcmp(u.object, "log.example.org/credlog") == 0);
    CHECK(u.has_id && u.id_len == 3 && u.id[0] == 1 && u.id[1] == 2 &&
          u.id[2] == 0xff);
    CHECK(u.has_serial && strcmp(u.serial, "0123") == 0);
    CHECK(u.has_manufacturer && strcmp(u.manufacturer, "Acme") == 0);
    CHECK(u.has_model && strcmp(u.model, "M1") == 0);
    CHECK(u.has_slot_id && u.slot_id == 7);
    CHECK(strcmp(u.module_path, "/usr/lib/softhsm/libsofthsm2.so") == 0);
    CHECK(strcmp(u.pin_source, "file:/etc/credlog/pin") == 0);
    CHECK(u.pin_value[0] == '\0');
    p11uri_wipe(&u);

    REQUIRE(p11uri_parse("PKCS11:object=a?pin-value=12%2634", &u, why,
                         sizeof why) == 0);
    CHECK(strcmp(u.object, "a") == 0 && strcmp(u.pin_value, "12&34") == 0);
    CHECK(!u.has_token && !u.has_id && u.module_path[0] == '\0');
    p11uri_wipe(&u);
    CHECK(u.pin_value[0] == '\0');

    /* The bare scheme (any key) and an id with a NUL byte. */
    REQUIRE(p11uri_parse("pkcs11:", &u, why, sizeof why) == 0);
    CHECK(!u.has_object && !u.has_token);
    REQUIRE(p11uri_parse("pkcs11:id=%00%41", &u, why, sizeof why) == 0);
    CHECK(u.id_len == 2 && u.id[0] == 0 && u.id[1] == 'A');
    CHECK(p11uri_is("pkcs11:x") && p11uri_is("Pkcs11:") &&
          !p11uri_is("/etc/log.key") && !p11uri_is("pkcs11"));
}

static void test_rfc_examples(void)
{
    static const char *ok[] = {
        "pkcs11:object=my-pubkey;type=private",
        "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%"
        "20Oil,"
        "%20Inc.?pin-value=the-pin",
        "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;object=my-key;"
        "id=%69%95%3e%5c%f4%bd%ec%91",
        "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11."
        "so.1",
        "pkcs11:token=Software%20PKCS%2311%20softtoken;object=my-key?pin-"
        "source="
        "file:/etc/token_pin",
    };
    struct p11uri u;
    char why[256];

    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        CHECK_MSG(p11uri_parse(ok[i], &u, why, sizeof why) == 0, "%s: %s",
                  ok[i], why);
    REQUIRE(p11uri_parse(ok[1], &u, why, sizeof why) == 0);
    CHECK(strcmp(u.token, "Software PKCS#11 softtoken") == 0);
    CHECK(strcmp(u.manufacturer, "Snake Oil, Inc.") == 0);
    REQUIRE(p11uri_parse(ok[2], &u, why, sizeof why) == 0);
    CHECK(u.id_len == 8 && u.id[0] == 0x69 && u.id[7] == 0x91);
}

static void test_refused(void)
{
    static const struct {
        const char *uri;
        int err;
        const char *why; /* in the message */
    } bad[] = {
        {"file:/etc/log.key", P11URI_ERR_SYNTAX, "not a pkcs11"},
        {"pkcs11:token=a;color=blue", P11URI_ERR_UNKNOWN, "'color'"},
        {"pkcs11:x-vendor=1", P11URI_ERR_UNKNOWN, "'x-vendor'"},
        {"pkcs11:object=a?module-name=softhsm2", P11URI_ERR_UNKNOWN,
         "'module-name'"},
        {"pkcs11:object=a?token=b", P11URI_ERR_UNKNOWN, "'token'"},
        {"pkcs11:pin-value=1", P11URI_ERR_UNKNOWN, "'pin-value'"},
        {"pkcs11:object=a;object=b", P11URI_ERR_TWICE, "'object'"},
        {"pkcs11:object=a?pin-value=1&pin-source=/p", P11URI_ERR_VALUE,
         "exclude"},
        {"pkcs11:object=a%2", P11URI_ERR_SYNTAX, "'object'"},
        {"pkcs11:object=a%zz", P11URI_ERR_SYNTAX, "'object'"},
        {"pkcs11:object=a b", P11URI_ERR_SYNTAX, "'object'"},
        {"pkcs11:object=\xc3\xa9", P11URI_ERR_SYNTAX, "'object'"},
        {"pkcs11:object=a%00b", P11URI_ERR_VALUE, "'object'"},
        {"pkcs11:type=public", P11URI_ERR_VALUE, "'type'"},
        {"pkcs11:slot-id=x", P11URI_ERR_VALUE, "'slot-id'"},
        {"pkcs11:slot-id=1x", P11URI_ERR_VALUE, "'slot-id'"},
        {"pkcs11:token=123456789012345678901234567890123", P11URI_ERR_VALUE,
         "'token'"},
        {"pkcs11:object", P11URI_ERR_SYNTAX, "'object'"},
        {"pkcs11:object=a;;id=%01", P11URI_ERR_SYNTAX, "empty"},
        {"pkcs11:object=a?", P11URI_ERR_SYNTAX, "empty"},
    };
    struct p11uri u;
    char why[256];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = p11uri_parse(bad[i].uri, &u, why, sizeof why);
        CHECK_MSG(rc == bad[i].err && strstr(why, bad[i].why) != NULL,
                  "%s: %d (want %d) \"%s\"", bad[i].uri, rc, bad[i].err, why);
        CHECK(!u.has_object && u.pin_value[0] == '\0');
    }
    CHECK(strcmp(p11uri_strerror(P11URI_ERR_UNKNOWN),
                 p11uri_strerror(P11URI_ERR_TWICE)) != 0);
}

int main(void)
{
    test_fields();
    test_rfc_examples();
    test_refused();
    return check_finish();
}
