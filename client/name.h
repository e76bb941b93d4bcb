/*
 * name.h: names as a person sees them in verdicts and messages, so that a
 * look-alike cannot pass for the name it imitates. Pure. Implemented in
 * name.c.
 *
 * An issuer name is the log's bytes; a terminal or a browser may draw two
 * different names identically (a zero-width space, a right-to-left override,
 * a Cyrillic letter). Shown names keep printable ASCII as it is and write
 * every other code point as \u{XXXX} (at least four hex digits, uppercase),
 * a backslash as "\\" (so "\u{41}" cannot pass for "A"), and a byte that is
 * not UTF-8 as \x{XX}.
 */
#ifndef CREDLOG_CLIENT_NAME_H
#define CREDLOG_CLIENT_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "proofs/note.h"

/* Enough for the shown form of any name of at most NOTE_NAME_MAX bytes (each
 * byte needs at most 8 characters: a control byte is "\u{0001}"), and the
 * NUL. */
#define CLIENT_NAME_SHOWN_MAX (8 * NOTE_NAME_MAX + 1)

/* Writes the shown form of name[0..len) into buf (cap bytes, always
 * NUL-terminated; cut short if cap is too small). Returns true when name is
 * plain printable ASCII without a backslash, so the shown form is the name
 * itself. */
bool client_name_show(const char *name, size_t len, char *buf, size_t cap);

#endif
