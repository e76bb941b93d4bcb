/* token.c: see token.h. */
#include "keystore/token.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>

#include "keystore/signer.h"

/* One loaded module, shared by every token key opened from it: C_Initialize
 * and C_Finalize are per process, so the last key closed finalizes. */
struct module {
    char path[P11URI_PATH_MAX + 1];
    void *dl;
    CK_FUNCTION_LIST_PTR fl;
    bool initialized_here;
    unsigned refs;
    struct module *next;
};

static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
static struct module *modules;

struct p11token {
    struct module *m;
    CK_SESSION_HANDLE session;
    CK_OBJECT_HANDLE key;
    pthread_mutex_t lock; /* one C_SignInit + C_Sign at a time */
};

/* The name of a CKR_* code, for messages. */
static const char *ckr_name(CK_RV rv)
{
    switch (rv) {
    case CKR_OK:
        return "CKR_OK";
    case CKR_PIN_INCORRECT:
        return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED:
        return "CKR_PIN_LOCKED";
    case CKR_PIN_LEN_RANGE:
        return "CKR_PIN_LEN_RANGE";
    case CKR_USER_PIN_NOT_INITIALIZED:
        return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_TOKEN_NOT_PRESENT:
        return "CKR_TOKEN_NOT_PRESENT";
    case CKR_DEVICE_REMOVED:
        return "CKR_DEVICE_REMOVED";
    case CKR_DEVICE_ERROR:
        return "CKR_DEVICE_ERROR";
    case CKR_SESSION_HANDLE_INVALID:
        return "CKR_SESSION_HANDLE_INVALID";
    case CKR_SESSION_CLOSED:
        return "CKR_SESSION_CLOSED";
    case CKR_USER_NOT_LOGGED_IN:
        return "CKR_USER_NOT_LOGGED_IN";
    case CKR_MECHANISM_INVALID:
        return "CKR_MECHANISM_INVALID (the token has no CKM_EDDSA)";
    case CKR_KEY_TYPE_INCONSISTENT:
        return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
        return "CKR_KEY_FUNCTION_NOT_PERMITTED (the key may not sign)";
    case CKR_ATTRIBUTE_TYPE_INVALID:
        return "CKR_ATTRIBUTE_TYPE_INVALID";
    case CKR_GENERAL_ERROR:
        return "CKR_GENERAL_ERROR";
    case CKR_HOST_MEMORY:
        return "CKR_HOST_MEMORY";
    case CKR_ARGUMENTS_BAD:
        return "CKR_ARGUMENTS_BAD";
    case CKR_CRYPTOKI_NOT_INITIALIZED:
        return "CKR_CRYPTOKI_NOT_INITIALIZED";
    default:
        return "a CKR_* error";
    }
}

static int fail(char *why, size_t cap, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t cap, int err, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && cap > 0) {
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return err;
}

static int module_get(const char *path, struct module **out, char *why,
                      size_t cap)
{
    CK_C_GetFunctionList get;
    CK_C_INITIALIZE_ARGS args;
    struct module *m;
    CK_RV rv;
    int err = 0;

    pthread_mutex_lock(&modules_lock);
    for (m = modules; m != NULL; m = m->next)
        if (strcmp(m->path, path) == 0) {
            m->refs++;
            *out = m;
            goto done;
        }
    m = calloc(1, sizeof *m);
    if (m == NULL) {
        err = KEYSTORE_ERR_NOMEM;
        goto done;
    }
    snprintf(m->path, sizeof m->path, "%s", path);
    m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (m->dl == NULL) {
        const char *e = dlerror();
        err = fail(why, cap, KEYSTORE_ERR_MODULE,
                   "cannot load PKCS#11 module %s: %s", path,
                   e != NULL ? e : "dlopen failed");
        free(m);
        goto done;
    }
    *(void **)&get = dlsym(m->dl, "C_GetFunctionList");
    if (get == NULL || get(&m->fl) != CKR_OK || m->fl == NULL) {
        err = fail(why, cap, KEYSTORE_ERR_MODULE,
                   "%s is not a PKCS#11 module (no C_GetFunctionList)", path);
        dlclose(m->dl);
        free(m);
        goto done;
    }
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    rv = m->fl->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        err = fail(why, cap, KEYSTORE_ERR_MODULE,
                   "PKCS#11 module %s: C_Initialize failed: %s (0x%lx)", path,
                   ckr_name(rv), (unsigned long)rv);
        dlclose(m->dl);
        free(m);
        goto done;
    }
    m->initialized_here = rv == CKR_OK;
    m->refs = 1;
    m->next = modules;
    modules = m;
    *out = m;
done:
    pthread_mutex_unlock(&modules_lock);
    return err;
}

static void module_put(struct module *m)
{
    struct module **p;

    pthread_mutex_lock(&modules_lock);
    if (--m->refs == 0) {
        for (p = &modules; *p != NULL; p = &(*p)->next)
            if (*p == m) {
                *p = m->next;
                break;
            }
        if (m->initialized_here)
            m->fl->C_Finalize(NULL);
        /* No dlclose(): a module may leave threads, atexit handlers or
         * OpenSSL state behind that must not outlive its code. Loading the
         * same path again finds it in place (dlopen counts). */
        free(m);
    }
    pthread_mutex_unlock(&modules_lock);
}

/* Whether a blank-padded CK_TOKEN_INFO field equals want. */
static bool padded_eq(const CK_UTF8CHAR *field, size_t len, const char *want)
{
    size_t n = strlen(want);

    if (n > len || memcmp(field, want, n) != 0)
        return false;
    for (size_t i = n; i < len; i++)
        if (field[i] != ' ')
            return false;
    return true;
}

/* A blank-padded field as a C string. */
static void unpad(const CK_UTF8CHAR *field, size_t len, char *out)
{
    while (len > 0 && field[len - 1] == ' ')
        len--;
    memcpy(out, field, len);
    out[len] = '\0';
}

static int find_slot(CK_FUNCTION_LIST_PTR fl, const struct p11uri *u,
                     CK_SLOT_ID *slot, CK_FLAGS *flags, char *label, char *why,
                     size_t cap)
{
    CK_SLOT_ID *slots = NULL;
    CK_ULONG n = 0;
    CK_TOKEN_INFO ti;
    char seen[256] = "", one[P11URI_TOKEN_MAX + 1];
    size_t matches = 0;
    CK_RV rv;

    rv = fl->C_GetSlotList(CK_TRUE, NULL, &n);
    if (rv == CKR_OK && n > 0) {
        slots = calloc(n, sizeof *slots);
        if (slots == NULL)
            return KEYSTORE_ERR_NOMEM;
        rv = fl->C_GetSlotList(CK_TRUE, slots, &n);
    }
    if (rv != CKR_OK) {
        free(slots);
        return fail(why, cap, KEYSTORE_ERR_TOKEN,
                    "C_GetSlotList failed: %s (0x%lx)", ckr_name(rv),
                    (unsigned long)rv);
    }
    for (CK_ULONG i = 0; i < n; i++) {
        if (fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
            (ti.flags & CKF_TOKEN_INITIALIZED) == 0)
            continue;
        unpad(ti.label, sizeof ti.label, one);
        if (strlen(seen) + strlen(one) + 4 < sizeof seen)
            snprintf(seen + strlen(seen), sizeof seen - strlen(seen),
                     "%s\"%s\"", seen[0] ? ", " : "", one);
        if ((u->has_slot_id && slots[i] != u->slot_id) ||
            (u->has_token && !padded_eq(ti.label, sizeof ti.label, u->token)) ||
            (u->has_manufacturer &&
             !padded_eq(ti.manufacturerID, sizeof ti.manufacturerID,
                        u->manufacturer)) ||
            (u->has_serial &&
             !padded_eq(ti.serialNumber, sizeof ti.serialNumber, u->serial)) ||
            (u->has_model && !padded_eq(ti.model, sizeof ti.model, u->model)))
            continue;
        if (matches++ == 0) {
            *slot = slots[i];
            *flags = ti.flags;
            memcpy(label, one, sizeof one);
        }
    }
    free(slots);
    if (matches == 0)
        return fail(why, cap, KEYSTORE_ERR_TOKEN,
                    "no token matches the pkcs11: URI (tokens present: %s)",
                    seen[0] ? seen : "none");
    if (matches > 1)
        return fail(why, cap, KEYSTORE_ERR_TOKEN,
                    "%zu tokens match the pkcs11: URI (%s); name one with "
                    "token= or serial=",
                    matches, seen);
    return 0;
}

/* The PIN of u: pin-value, or the first line of the pin-source file. */
static int read_pin(const struct p11uri *u, char *pin, size_t cap, char *why,
                    size_t wcap)
{
    const char *path = u->pin_source;
    size_t n;
    FILE *f;

    if (u->pin_value[0] != '\0' || path[0] == '\0') {
        snprintf(pin, cap, "%s", u->pin_value);
        return 0;
    }
    if (strncmp(path, "file://", 7) == 0)
        path += 7;
    else if (strncmp(path, "file:", 5) == 0)
        path += 5;
    f = fopen(path, "re");
    if (f == NULL)
        return fail(why, wcap, KEYSTORE_ERR_PIN,
                    "cannot read the pin-source file %s", path);
    if (fgets(pin, (int)cap, f) == NULL)
        pin[0] = '\0';
    fclose(f);
    n = strcspn(pin, "\r\n");
    pin[n] = '\0';
    if (n == 0)
        return fail(why, wcap, KEYSTORE_ERR_PIN,
                    "the pin-source file %s is empty", path);
    return 0;
}

static int find_key(CK_FUNCTION_LIST_PTR fl, CK_SESSION_HANDLE s,
                    CK_OBJECT_CLASS cls, const struct p11uri *u,
                    const uint8_t *id, size_t id_len, CK_OBJECT_HANDLE *obj,
                    CK_ULONG *count)
{
    CK_ATTRIBUTE t[3];
    CK_ULONG nt = 0;
    CK_OBJECT_HANDLE found[2];
    CK_RV rv;

    t[nt].type = CKA_CLASS;
    t[nt].pValue = &cls;
    t[nt++].ulValueLen = sizeof cls;
    if (u->has_object) {
        t[nt].type = CKA_LABEL;
        t[nt].pValue = (void *)u->object;
        t[nt++].ulValueLen = strlen(u->object);
    }
    if (id != NULL) {
        t[nt].type = CKA_ID;
        t[nt].pValue = (void *)id;
        t[nt++].ulValueLen = id_len;
    }
    *count = 0;
    rv = fl->C_FindObjectsInit(s, t, nt);
    if (rv != CKR_OK)
        return (int)rv;
    rv = fl->C_FindObjects(s, found, 2, count);
    fl->C_FindObjectsFinal(s);
    if (rv == CKR_OK && *count > 0)
        *obj = found[0];
    return rv == CKR_OK ? 0 : 1;
}

/* The 32-byte Ed25519 point of CKA_EC_POINT: DER OCTET STRING or bare. */
static bool ec_point(const uint8_t *v, CK_ULONG len,
                     uint8_t pub[ED25519_PUBLIC_SIZE])
{
    if (len == 2 + ED25519_PUBLIC_SIZE && v[0] == 0x04 &&
        v[1] == ED25519_PUBLIC_SIZE) {
        memcpy(pub, v + 2, ED25519_PUBLIC_SIZE);
        return true;
    }
    if (len == ED25519_PUBLIC_SIZE) {
        memcpy(pub, v, ED25519_PUBLIC_SIZE);
        return true;
    }
    return false;
}

static int open_key(struct p11token *t, const struct p11uri *u,
                    const char *tlabel, char *label, size_t label_cap,
                    uint8_t pub[ED25519_PUBLIC_SIZE], char *why, size_t cap)
{
    CK_FUNCTION_LIST_PTR fl = t->m->fl;
    CK_KEY_TYPE kt = 0;
    uint8_t id[P11URI_ID_MAX], point[128];
    CK_OBJECT_HANDLE pubobj = 0;
    CK_ULONG count;
    char lab[P11URI_LABEL_MAX + 1];
    CK_ATTRIBUTE a[3] = {
        {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_LABEL, lab, sizeof lab - 1},
        {CKA_ID, id, sizeof id},
    };
    CK_ATTRIBUTE pa = {CKA_EC_POINT, point, sizeof point};
    CK_RV rv;

    if (find_key(fl, t->session, CKO_PRIVATE_KEY, u, u->has_id ? u->id : NULL,
                 u->id_len, &t->key, &count) != 0 ||
        count == 0)
        return fail(why, cap, KEYSTORE_ERR_OBJECT,
                    "no private key in token \"%s\" matches the pkcs11: URI"
                    "%s%s%s (wrong object= or id=, or not logged in)",
                    tlabel, u->has_object ? " (object=" : "",
                    u->has_object ? u->object : "", u->has_object ? ")" : "");
    if (count > 1)
        return fail(why, cap, KEYSTORE_ERR_OBJECT,
                    "several private keys in token \"%s\" match the pkcs11: "
                    "URI; name one with object= and id=",
                    tlabel);
    rv = fl->C_GetAttributeValue(t->session, t->key, a, 3);
    if (rv != CKR_OK || a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
        a[2].ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return fail(why, cap, KEYSTORE_ERR_KEY,
                    "cannot read the key's type, label and id: %s (0x%lx)",
                    ckr_name(rv), (unsigned long)rv);
    if (kt != CKK_EC_EDWARDS)
        return fail(why, cap, KEYSTORE_ERR_KEY,
                    "the key in token \"%s\" is not an Ed25519 key "
                    "(CKK_EC_EDWARDS); its CKA_KEY_TYPE is 0x%lx",
                    tlabel, (unsigned long)kt);
    lab[a[1].ulValueLen] = '\0';
    if (a[1].ulValueLen + 1 > label_cap)
        return fail(why, cap, KEYSTORE_ERR_KEY, "the key's label is too long");
    memcpy(label, lab, a[1].ulValueLen + 1);
    /* The public key: the public object with the private key's id (or, with
     * no id, its label). */
    {
        struct p11uri byname = *u;
        byname.has_object = a[2].ulValueLen == 0;
        memcpy(byname.object, lab, a[1].ulValueLen + 1);
        if (find_key(fl, t->session, CKO_PUBLIC_KEY, &byname,
                     a[2].ulValueLen > 0 ? id : NULL, a[2].ulValueLen, &pubobj,
                     &count) != 0 ||
            count != 1) {
            p11uri_wipe(&byname);
            return fail(why, cap, KEYSTORE_ERR_KEY,
                        "token \"%s\" holds %s public key object for the key "
                        "\"%s\" (same CKA_ID)",
                        tlabel, count == 0 ? "no" : "more than one", lab);
        }
        p11uri_wipe(&byname);
    }
    rv = fl->C_GetAttributeValue(t->session, pubobj, &pa, 1);
    if (rv != CKR_OK || !ec_point(point, pa.ulValueLen, pub))
        return fail(why, cap, KEYSTORE_ERR_KEY,
                    "the public key of \"%s\" has no 32-byte CKA_EC_POINT "
                    "(not Ed25519?)",
                    lab);
    return 0;
}

int p11token_open(const struct p11uri *u, struct p11token **out, char *label,
                  size_t label_cap, uint8_t pub[ED25519_PUBLIC_SIZE], char *why,
                  size_t cap)
{
    static const uint8_t probe[] = "credlog keystore: key pair check";
    struct p11token *t;
    CK_SLOT_ID slot = 0;
    CK_FLAGS flags = 0;
    char tlabel[P11URI_TOKEN_MAX + 1] = "", pin[256];
    uint8_t sig[ED25519_SIGNATURE_SIZE];
    CK_RV rv;
    int err;

    *out = NULL;
    if (u->module_path[0] == '\0')
        return fail(why, cap, KEYSTORE_ERR_URI,
                    "the pkcs11: URI names no module: add "
                    "?module-path=/path/to/module.so (SoftHSM2: "
                    "/usr/lib/softhsm/libsofthsm2.so)");
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return KEYSTORE_ERR_NOMEM;
    pthread_mutex_init(&t->lock, NULL);
    if ((err = module_get(u->module_path, &t->m, why, cap)) != 0) {
        pthread_mutex_destroy(&t->lock);
        free(t);
        return err;
    }
    if ((err = find_slot(t->m->fl, u, &slot, &flags, tlabel, why, cap)) != 0)
        goto fail;
    rv = t->m->fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
                                 &t->session);
    if (rv != CKR_OK) {
        t->session = 0;
        err = fail(why, cap, KEYSTORE_ERR_TOKEN,
                   "cannot open a session with token \"%s\": %s (0x%lx)",
                   tlabel, ckr_name(rv), (unsigned long)rv);
        goto fail;
    }
    if (u->pin_value[0] == '\0' && u->pin_source[0] == '\0') {
        if ((flags & CKF_LOGIN_REQUIRED) != 0) {
            err = fail(why, cap, KEYSTORE_ERR_PIN,
                       "token \"%s\" needs a PIN: add pin-source=FILE (or "
                       "pin-value=) to the pkcs11: URI",
                       tlabel);
            goto fail;
        }
    } else {
        if ((err = read_pin(u, pin, sizeof pin, why, cap)) != 0)
            goto fail;
        rv = t->m->fl->C_Login(t->session, CKU_USER, (CK_UTF8CHAR_PTR)pin,
                               strlen(pin));
        OPENSSL_cleanse(pin, sizeof pin);
        if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
            err = fail(why, cap, KEYSTORE_ERR_PIN,
                       "token \"%s\" refused the PIN: %s (0x%lx)", tlabel,
                       ckr_name(rv), (unsigned long)rv);
            goto fail;
        }
    }
    if ((err = open_key(t, u, tlabel, label, label_cap, pub, why, cap)) != 0)
        goto fail;
    if (p11token_sign(t, probe, sizeof probe - 1, sig) != 0) {
        err = fail(why, cap, KEYSTORE_ERR_SIGN,
                   "token \"%s\" cannot sign with the key \"%s\" (CKM_EDDSA)",
                   tlabel, label);
        goto fail;
    }
    if (!ed25519_verify(pub, probe, sizeof probe - 1, sig)) {
        err = fail(why, cap, KEYSTORE_ERR_KEY,
                   "in token \"%s\", the public key object of \"%s\" does not "
                   "match its private key (a test signature fails)",
                   tlabel, label);
        goto fail;
    }
    *out = t;
    return 0;
fail:
    p11token_close(t);
    return err;
}

int p11token_sign(struct p11token *t, const uint8_t *msg, size_t len,
                  uint8_t sig[ED25519_SIGNATURE_SIZE])
{
    CK_MECHANISM mech = {CKM_EDDSA, NULL, 0};
    CK_ULONG siglen = ED25519_SIGNATURE_SIZE;
    CK_RV rv;

    pthread_mutex_lock(&t->lock);
    rv = t->m->fl->C_SignInit(t->session, &mech, t->key);
    if (rv == CKR_OK)
        rv = t->m->fl->C_Sign(t->session, (CK_BYTE_PTR)msg, len, sig, &siglen);
    pthread_mutex_unlock(&t->lock);
    return rv == CKR_OK && siglen == ED25519_SIGNATURE_SIZE ? 0
                                                            : KEYSTORE_ERR_SIGN;
}

void p11token_close(struct p11token *t)
{
    if (t == NULL)
        return;
    /* No C_Logout: the login belongs to every session of the process on
     * this token, and ends when its last session closes. */
    if (t->session != 0)
        t->m->fl->C_CloseSession(t->session);
    module_put(t->m);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
