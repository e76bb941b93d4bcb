// Command cosigcheck verifies the C2SP tlog-cosignature/v1 lines of a
// checkpoint note the way an outside verifier that knows only the standards
// would. Go's golang.org/x/mod/sumdb/note does not implement cosignatures
// (signed-note key type 0x04), so this checker uses note.Open only for the
// log's own signature and verifies every cosignature from the spec with the
// standard library. It uses nothing of credlog's own code.
//
//	cosigcheck -note FILE -log VKEY -witness VKEY [-witness VKEY]... [-flip]
//
// It checks:
//   - note.Open with the log's verifier key alone accepts the note: the
//     cosignature lines are well-formed signature lines by keys it does not
//     know, so they must land in UnverifiedSigs and not break the note;
//   - for each -witness vkey (name+hex8(id)+base64(0x04||pub32), key id =
//     SHA-256(name||"\n"||0x04||pub32)[:4]): a signature line with that name
//     and key id whose blob is keyid(4) || u64be timestamp || Ed25519
//     signature(64), with a non-zero timestamp, and whose signature verifies
//     over "cosignature/v1\ntime <t>\n" || the note text (through its final
//     newline, without the blank line and the signature lines);
//   - self-test: -flip flips one bit of the Ed25519 signature of the first
//     cosignature line by a given witness before checking, which must make
//     the check fail.
//
// Exit status: 0 every given witness cosigned validly, 1 one did not (or
// the note does not open with the log's key), 2 usage error.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

const (
	algCosignatureV1 = 0x04
	blobSize         = 4 + 8 + ed25519.SignatureSize // 76 bytes
)

// A witness is a parsed cosignature/v1 verifier key.
type witness struct {
	vkey string
	name string
	id   uint32
	pub  ed25519.PublicKey
}

type witnessFlags []string

func (w *witnessFlags) String() string     { return strings.Join(*w, ",") }
func (w *witnessFlags) Set(s string) error { *w = append(*w, s); return nil }

func usage(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "cosigcheck: "+format+"\n", args...)
	os.Exit(2)
}

// parseWitness parses vkey as name+hex8(id)+base64(0x04||pub32) and checks
// that id is the key id the spec defines for that name and key.
func parseWitness(vkey string) (*witness, error) {
	// The base64 key may itself contain '+': split at the first two only.
	name, rest, ok1 := strings.Cut(vkey, "+")
	idHex, keyB64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || name == "" || len(idHex) != 8 {
		return nil, fmt.Errorf("not name+hex8+base64")
	}
	idBytes, err := hex.DecodeString(idHex)
	if err != nil {
		return nil, fmt.Errorf("key id: %v", err)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(keyB64)
	if err != nil {
		return nil, fmt.Errorf("key: %v", err)
	}
	if len(key) != 1+ed25519.PublicKeySize || key[0] != algCosignatureV1 {
		return nil, fmt.Errorf("not a cosignature/v1 (type 0x04) Ed25519 key")
	}
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(key)
	want := h.Sum(nil)[:4]
	if !bytes.Equal(want, idBytes) {
		return nil, fmt.Errorf("key id %s, want %x from SHA-256(name||\"\\n\"||0x04||pub)", idHex, want)
	}
	return &witness{vkey: vkey, name: name, id: binary.BigEndian.Uint32(idBytes),
		pub: ed25519.PublicKey(key[1:])}, nil
}

// flipFirst returns msg with one bit of the Ed25519 signature flipped in the
// first signature line by one of ws, and the name of that witness.
func flipFirst(msg []byte, ws []*witness) ([]byte, string) {
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return msg, ""
	}
	lines := strings.SplitAfter(string(msg[split+2:]), "\n")
	for i, line := range lines {
		f := strings.Fields(strings.TrimPrefix(line, "\u2014 "))
		if !strings.HasPrefix(line, "\u2014 ") || len(f) != 2 {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil || len(blob) != blobSize {
			continue
		}
		for _, w := range ws {
			if f[0] == w.name && binary.BigEndian.Uint32(blob) == w.id {
				blob[12] ^= 0x01
				lines[i] = "\u2014 " + f[0] + " " + base64.StdEncoding.EncodeToString(blob) + "\n"
				out := append([]byte{}, msg[:split+2]...)
				return append(out, strings.Join(lines, "")...), w.name
			}
		}
	}
	return msg, ""
}

// check verifies w's cosignature among sigs over text; returns "" or why not.
func check(w *witness, sigs []note.Signature, text string) string {
	why := "no cosignature line with this name and key id"
	for _, s := range sigs {
		if s.Name != w.name || s.Hash != w.id {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil || len(blob) != blobSize {
			why = fmt.Sprintf("cosignature is %d bytes, want %d (keyid || u64be time || sig)", len(blob), blobSize)
			continue
		}
		t := binary.BigEndian.Uint64(blob[4:12])
		if t == 0 {
			why = "cosignature timestamp is zero"
			continue
		}
		if t > 1<<63-1 {
			why = fmt.Sprintf("cosignature timestamp %d exceeds 2^63-1", t)
			continue
		}
		msg := "cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n" + text
		if !ed25519.Verify(w.pub, []byte(msg), blob[12:]) {
			why = fmt.Sprintf("Ed25519 signature (time %d) does not verify", t)
			continue
		}
		fmt.Printf("ok: %s cosigned at time %d\n", w.name, t)
		return ""
	}
	return why
}

func main() {
	var witnesses witnessFlags
	notePath := flag.String("note", "", "checkpoint note file (log signature and cosignature lines)")
	logKey := flag.String("log", "", "the log's verifier key (Ed25519, type 0x01)")
	flip := flag.Bool("flip", false, "self-test: flip one bit of the first cosignature first (must fail)")
	flag.Var(&witnesses, "witness", "a witness's cosignature/v1 verifier key (repeatable)")
	flag.Parse()
	if *notePath == "" || *logKey == "" || len(witnesses) == 0 || flag.NArg() != 0 {
		usage("usage: cosigcheck -note FILE -log VKEY -witness VKEY [-witness VKEY]... [-flip]")
	}
	logV, err := note.NewVerifier(*logKey)
	if err != nil {
		usage("-log %s: %v", *logKey, err)
	}
	var ws []*witness
	for _, vkey := range witnesses {
		w, err := parseWitness(vkey)
		if err != nil {
			usage("-witness %s: %v", vkey, err)
		}
		ws = append(ws, w)
	}
	msg, err := os.ReadFile(*notePath)
	if err != nil {
		usage("%v", err)
	}
	if *flip {
		var name string
		msg, name = flipFirst(msg, ws)
		if name == "" {
			usage("-flip: the note has no cosignature line by a given witness")
		}
		fmt.Printf("self-test: flipped one bit of %s's cosignature\n", name)
	}

	n, err := note.Open(msg, note.VerifierList(logV))
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: note.Open with the log key %s: %v\n", *logKey, err)
		os.Exit(1)
	}
	fmt.Printf("ok: note.Open verified the log signature of %s; %d other signature line(s) unverified\n",
		logV.Name(), len(n.UnverifiedSigs))

	failed := 0
	for _, w := range ws {
		if why := check(w, n.UnverifiedSigs, n.Text); why != "" {
			fmt.Fprintf(os.Stderr, "FAIL: witness %s (%s): %s\n", w.name, w.vkey, why)
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "NOT COSIGNED: %d of %d witnesses\n", failed, len(ws))
		os.Exit(1)
	}
	fmt.Printf("COSIGNED: all %d witnesses\n", len(ws))
}
