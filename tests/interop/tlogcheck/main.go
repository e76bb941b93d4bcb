// Command tlogcheck verifies a credlog log the way an outside verifier that
// knows only the C2SP (signed-note, tlog-checkpoint, tlog-tiles) and RFC 6962
// standards and the log's verifier key would, using Go's reference
// implementation: golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog.
// It uses nothing of credlog's own code.
//
//	tlogcheck -url URL -vkey VKEY [-old CHECKPOINT_FILE]... [-credlog=false]
//
// It checks:
//   - the latest checkpoint (GET /checkpoint) with note.Open and the key, and
//     its C2SP body (origin = key name, size, base64 root);
//   - every hash tile of the tree (GET /tile/<L>/<N>[.p/<W>]) through
//     tlog.TileHashReader, which authenticates each tile against the root,
//     and tlog.TreeHash(size) == root;
//   - every entry bundle (GET /tile/entries/<N>[.p/<W>]): each entry's
//     tlog.RecordHash equals the authenticated level-0 hash;
//   - each older checkpoint given with -old: signature, body, that its root
//     is the tree hash of the current tiles at its size, and consistency
//     proofs to the latest (tlog.ProveTree/CheckTree and logd's
//     /v1/proof/consistency answers);
//   - inclusion proofs (tlog.ProveRecord/CheckRecord and logd's
//     /v1/proof/inclusion answers) for every index in every checkpoint, and
//     for random (index, size) pairs; consistency proofs from every size to
//     the latest and for random pairs, and Go's proofs equal logd's byte for
//     byte;
//   - self-test: -flip tile|entries|inclusion|consistency flips one bit of
//     the first such data read from the log, which must make it fail; this
//     shows that each check can fail (the log itself is not touched);
//   - credlog-specific (not part of any standard; -credlog=false turns it
//     off): the last entry of every checkpoint is a credlog MAP entry
//     (version 1: 01 03 ‖ u64be size-1 ‖ root[32] ‖ u64be time, 50 bytes;
//     version 2: 02 03 ‖ u64be size-1 ‖ root[32] ‖ key_root[32] ‖ u64be
//     time, 82 bytes).
//
// Exit status: 0 all verified, 1 a verification failed (the log is not
// accepted), 2 usage or network error.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8 // C2SP tlog-tiles: 256 hashes per tile

var (
	flip      string // -flip: the kind of data to corrupt once (self-test)
	flipped   bool
	failures  int
	httpc     = &http.Client{Timeout: 30 * time.Second}
	baseURL   string
	requests  int
	maxReport = 20
)

// fail records a verification failure and goes on.
func fail(format string, args ...interface{}) {
	failures++
	if failures <= maxReport {
		fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	}
}

// fatal reports a verification failure after which nothing more can be
// checked.
func fatal(format string, args ...interface{}) {
	fail(format, args...)
	fmt.Fprintf(os.Stderr, "tlogcheck: the log is NOT accepted (%d failures)\n", failures)
	os.Exit(1)
}

// netFatal reports a usage or network error.
func netFatal(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(2)
}

// flipOnce flips the first bit of b if it is the first data of the kind
// named by -flip.
func flipOnce(kind string, b []byte) {
	if flip == kind && !flipped && len(b) > 0 {
		b[0] ^= 0x80
		flipped = true
		fmt.Printf("self-test: flipped one bit of the first %s read from the log\n", kind)
	}
}

type notFoundError struct{ path string }

func (e *notFoundError) Error() string { return "404 Not Found: " + e.path }

func get(path string) ([]byte, string, error) {
	requests++
	resp, err := httpc.Get(baseURL + path)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, "", &notFoundError{path}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s: status %d: %.200s", path, resp.StatusCode, body)
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// ---- C2SP checkpoints ----

type checkpoint struct {
	origin string
	tree   tlog.Tree
	ext    int // extension lines (allowed by C2SP, not used by credlog)
	source string
}

// openCheckpoint verifies the signed note with the key (note.Open) and
// parses its text as a C2SP tlog-checkpoint body.
func openCheckpoint(msg []byte, v note.Verifier, source string) (*checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("checkpoint signature (%s): %v", source, err)
	}
	if len(n.Sigs) == 0 || n.Sigs[0].Name != v.Name() || n.Sigs[0].Hash != v.KeyHash() {
		return nil, fmt.Errorf("checkpoint signature (%s): not signed by %s", source, v.Name())
	}
	lines := strings.Split(n.Text, "\n")
	// note.Open guarantees the text ends in "\n", so the last element is "".
	lines = lines[:len(lines)-1]
	if len(lines) < 3 {
		return nil, fmt.Errorf("checkpoint body (%s): %d lines, want at least 3", source, len(lines))
	}
	cp := &checkpoint{origin: lines[0], source: source}
	if cp.origin == "" || cp.origin != v.Name() {
		return nil, fmt.Errorf("checkpoint body (%s): origin %q is not the key name %q", source, cp.origin, v.Name())
	}
	s := lines[1]
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return nil, fmt.Errorf("checkpoint body (%s): bad size %q", source, s)
	}
	size, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("checkpoint body (%s): bad size %q", source, s)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return nil, fmt.Errorf("checkpoint body (%s): bad root %q", source, lines[2])
	}
	for _, e := range lines[3:] {
		if e == "" {
			return nil, fmt.Errorf("checkpoint body (%s): empty extension line", source)
		}
		cp.ext++
	}
	cp.tree.N = size
	copy(cp.tree.Hash[:], root)
	return cp, nil
}

// ---- C2SP tiles through tlog.TileReader ----

// tilePath maps Go's tile coordinates to the C2SP path. Go writes
// tile/<H>/<L>/<N>[.p/<W>] with N in x-prefixed groups of three digits,
// which is C2SP's encoding once the height element is removed.
func tilePath(t tlog.Tile) string {
	if t.H != tileHeight || t.L < 0 {
		panic(fmt.Sprintf("unexpected tile %+v", t))
	}
	p := t.Path()
	prefix := fmt.Sprintf("tile/%d/", tileHeight)
	if !strings.HasPrefix(p, prefix) {
		panic("unexpected Go tile path " + p)
	}
	return "tile/" + p[len(prefix):]
}

// entriesPath is the C2SP entry bundle path for bundle n of width w.
func entriesPath(n int64, w int) string {
	p := tilePath(tlog.Tile{H: tileHeight, L: 0, N: n, W: w})
	return "tile/entries/" + p[len("tile/0/"):]
}

type tileReader struct {
	cache    map[tlog.Tile][]byte
	verified map[tlog.Tile]bool // tiles that tlog authenticated (SaveTiles)
	missing  map[tlog.Tile]bool // 404s
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if d, ok := r.cache[t]; ok {
			out[i] = d
			continue
		}
		p := tilePath(t)
		d, ctype, err := get("/" + p)
		if err != nil {
			var nf *notFoundError
			if errors.As(err, &nf) {
				r.missing[t] = true
			}
			return nil, err
		}
		if ctype != "application/octet-stream" {
			fail("tile %s: Content-Type %q, want application/octet-stream", p, ctype)
		}
		if len(d) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s: %d bytes, want %d", p, len(d), t.W*tlog.HashSize)
		}
		flipOnce("tile", d)
		r.cache[t] = d
		out[i] = d
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	for _, t := range tiles {
		r.verified[t] = true
	}
}

// treeTiles lists the C2SP hash tiles of a tree of size n: the full tiles
// and, per level, the partial tile of width floor(n/256^l) mod 256.
func treeTiles(n int64) []tlog.Tile {
	var ts []tlog.Tile
	for l := 0; n>>(tileHeight*l) > 0; l++ {
		items := n >> (tileHeight * l)
		for k := int64(0); k < items>>tileHeight; k++ {
			ts = append(ts, tlog.Tile{H: tileHeight, L: l, N: k, W: 1 << tileHeight})
		}
		if w := int(items & (1<<tileHeight - 1)); w > 0 {
			ts = append(ts, tlog.Tile{H: tileHeight, L: l, N: items >> tileHeight, W: w})
		}
	}
	return ts
}

// ---- entry bundles ----

func fetchEntries(size int64) [][]byte {
	entries := make([][]byte, 0, size)
	for first := int64(0); first < size; first += 1 << tileHeight {
		w := int(size - first)
		if w > 1<<tileHeight {
			w = 1 << tileHeight
		}
		p := entriesPath(first>>tileHeight, w)
		d, ctype, err := get("/" + p)
		if err != nil {
			netFatal("entry bundle: %v", err)
		}
		if ctype != "application/octet-stream" {
			fail("entry bundle %s: Content-Type %q, want application/octet-stream", p, ctype)
		}
		if len(d) > 2 {
			flipOnce("entries", d[2:])
		}
		count := 0
		for len(d) > 0 {
			if len(d) < 2 {
				fatal("entry bundle %s: truncated length prefix", p)
			}
			l := int(binary.BigEndian.Uint16(d))
			if len(d) < 2+l {
				fatal("entry bundle %s: record %d: length %d, only %d bytes left", p, count, l, len(d)-2)
			}
			entries = append(entries, d[2:2+l])
			d = d[2+l:]
			count++
		}
		if count != w {
			fatal("entry bundle %s: %d entries, want %d", p, count, w)
		}
	}
	return entries
}

// ---- logd's proof API (JSON, hex hashes) ----

func hexHashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("bad hash %q", s)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

func sameHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func hashList(h []tlog.Hash) string {
	s := make([]string, len(h))
	for i := range h {
		s[i] = hex.EncodeToString(h[i][:])
	}
	return "[" + strings.Join(s, " ") + "]"
}

// logdInclusion fetches logd's inclusion proof of index in the tree of size.
func logdInclusion(index, size int64) (tlog.Hash, tlog.RecordProof) {
	body, _, err := get(fmt.Sprintf("/v1/proof/inclusion?index=%d&size=%d", index, size))
	if err != nil {
		netFatal("inclusion proof: %v", err)
	}
	var a struct {
		Index    *int64   `json:"index"`
		TreeSize *int64   `json:"tree_size"`
		LeafHash string   `json:"leaf_hash"`
		Hashes   []string `json:"hashes"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Index == nil || a.TreeSize == nil {
		fatal("inclusion proof (%d, %d): bad JSON %.200s", index, size, body)
	}
	if *a.Index != index || *a.TreeSize != size {
		fail("inclusion proof (%d, %d): answer is for (%d, %d)", index, size, *a.Index, *a.TreeSize)
	}
	lh, err1 := hexHashes([]string{a.LeafHash})
	p, err2 := hexHashes(a.Hashes)
	if err1 != nil || err2 != nil {
		fatal("inclusion proof (%d, %d): bad hex %.200s", index, size, body)
	}
	if len(p) > 0 {
		flipOnce("inclusion", p[0][:])
	}
	return lh[0], p
}

func logdConsistency(from, to int64) tlog.TreeProof {
	body, _, err := get(fmt.Sprintf("/v1/proof/consistency?from=%d&to=%d", from, to))
	if err != nil {
		netFatal("consistency proof: %v", err)
	}
	var a struct {
		From   *int64   `json:"from"`
		To     *int64   `json:"to"`
		Hashes []string `json:"hashes"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.From == nil || a.To == nil {
		fatal("consistency proof (%d, %d): bad JSON %.200s", from, to, body)
	}
	if *a.From != from || *a.To != to {
		fail("consistency proof (%d, %d): answer is for (%d, %d)", from, to, *a.From, *a.To)
	}
	p, err := hexHashes(a.Hashes)
	if err != nil {
		fatal("consistency proof (%d, %d): bad hex %.200s", from, to, body)
	}
	if len(p) > 0 {
		flipOnce("consistency", p[0][:])
	}
	return p
}

// goOwn describes the exhaustive check of Go's own proofs.
func goOwn(n int, size, limit int64) string {
	if size > limit {
		return fmt.Sprintf("Go's own proofs for every pair skipped (size %d > -exhaustive %d)", size, limit)
	}
	return fmt.Sprintf("%d Go proofs (every pair up to size %d) verified", n, size)
}

type oldFlags []string

func (o *oldFlags) String() string     { return strings.Join(*o, ",") }
func (o *oldFlags) Set(s string) error { *o = append(*o, s); return nil }

func main() {
	var olds oldFlags
	url := flag.String("url", "", "the log's base URL (http://host:port)")
	vkey := flag.String("vkey", "", "the log's verifier key (name+hex id+base64 key)")
	flag.Var(&olds, "old", "an earlier checkpoint (signed note file) to check consistency from; repeatable")
	credlog := flag.Bool("credlog", true, "also run the credlog-specific check (the last entry of every checkpoint is a MAP entry)")
	randomPairs := flag.Int("random", 300, "random (index, size) and (size, size) pairs to ask logd for")
	exhaustive := flag.Int64("exhaustive", 1024, "check Go's own proofs for every (index, size) and (size, size) pair when the tree has at most this many entries")
	seed := flag.Int64("seed", 1, "seed for the random pairs")
	flag.StringVar(&flip, "flip", "", "self-test: flip a bit of the first tile, entries, inclusion or consistency data read (must fail)")
	flag.Parse()
	switch flip {
	case "", "tile", "entries", "inclusion", "consistency":
	default:
		netFatal("-flip: want tile, entries, inclusion or consistency")
	}
	if *url == "" || *vkey == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	baseURL = strings.TrimSuffix(*url, "/")
	rng := rand.New(rand.NewSource(*seed))
	start := time.Now()

	v, err := note.NewVerifier(*vkey)
	if err != nil {
		netFatal("verifier key: %v", err)
	}

	// 1. The checkpoints.
	msg, ctype, err := get("/checkpoint")
	if err != nil {
		netFatal("checkpoint: %v", err)
	}
	if ctype != "text/plain; charset=utf-8" {
		fail("checkpoint: Content-Type %q, want text/plain; charset=utf-8", ctype)
	}
	cur, err := openCheckpoint(msg, v, "GET /checkpoint")
	if err != nil {
		fatal("%v", err)
	}
	size, root := cur.tree.N, cur.tree.Hash
	fmt.Printf("checkpoint: origin %s, size %d, root %x, signature by %s+%08x verified (note.Open)\n",
		cur.origin, size, root[:], v.Name(), v.KeyHash())
	var oldCps []*checkpoint
	for _, f := range olds {
		m, err := os.ReadFile(f)
		if err != nil {
			netFatal("%v", err)
		}
		cp, err := openCheckpoint(m, v, f)
		if err != nil {
			fatal("%v", err)
		}
		if cp.tree.N > size {
			fatal("the log shrank: old checkpoint %s has size %d, the latest %d", f, cp.tree.N, size)
		}
		oldCps = append(oldCps, cp)
	}
	if size == 0 {
		// C2SP/RFC 6962: the empty tree's root is SHA-256(""); Go's tlog
		// uses zeros instead, so it cannot be checked with tlog.
		if root != sha256.Sum256(nil) {
			fatal("empty tree with root %x, want SHA-256(\"\")", root[:])
		}
		fmt.Println("empty tree: root is SHA-256(\"\")")
		return
	}

	// 2. Consistency of each older checkpoint with the latest, before
	// anything else: a fork should be reported as one.
	tr := &tileReader{cache: map[tlog.Tile][]byte{}, verified: map[tlog.Tile]bool{}, missing: map[tlog.Tile]bool{}}
	hr := tlog.TileHashReader(cur.tree, tr)
	for _, cp := range oldCps {
		m := cp.tree.N
		if m == 0 {
			continue
		}
		lp := logdConsistency(m, size)
		if err := tlog.CheckTree(lp, size, root, m, cp.tree.Hash); err != nil {
			fail("consistency: logd's proof from %s (size %d, root %x) to the latest (size %d, root %x) does not verify (tlog.CheckTree: %v); proof %s",
				cp.source, m, cp.tree.Hash[:], size, root[:], err, hashList(lp))
		}
		gp, err := tlog.ProveTree(size, m, hr)
		if err != nil {
			fatal("tlog.ProveTree(%d, %d) through the tiles: %v", size, m, err)
		}
		if err := tlog.CheckTree(gp, size, root, m, cp.tree.Hash); err != nil {
			fail("consistency: %s (size %d, root %x) is not a prefix of the latest tree (size %d, root %x): tlog.CheckTree of the proof built from the tiles: %v",
				cp.source, m, cp.tree.Hash[:], size, root[:], err)
		}
		if !sameHashes(gp, lp) {
			fail("consistency (%d, %d): logd's proof %s differs from Go's %s", m, size, hashList(lp), hashList(gp))
		}
	}
	if failures > 0 {
		fatal("older checkpoints are not consistent with the latest")
	}

	// 3. Every stored hash of the tree through the tiles: tlog authenticates
	// every tile against the root; then every tile of the tree must have
	// been read and authenticated.
	th, err := tlog.TreeHash(size, hr)
	if err != nil {
		fatal("tlog.TreeHash(%d) through the tiles: %v", size, err)
	}
	if th != root {
		fatal("tlog.TreeHash(%d) = %x, checkpoint root %x", size, th[:], root[:])
	}
	nStored := tlog.StoredHashCount(size)
	indexes := make([]int64, nStored)
	for i := range indexes {
		indexes[i] = int64(i)
	}
	stored, err := hr.ReadHashes(indexes)
	if err != nil {
		fatal("reading the %d stored hashes through the tiles: %v", nStored, err)
	}
	want := treeTiles(size)
	levels := 0
	for _, t := range want {
		if !tr.verified[t] {
			fail("tile %s was not authenticated", tilePath(t))
		}
		if t.L+1 > levels {
			levels = t.L + 1
		}
	}
	fmt.Printf("tiles: all %d hash tiles of the tree (%d levels) fetched and authenticated against the root by tlog.TileHashReader; tlog.TreeHash(%d) == root; %d stored hashes read\n",
		len(want), levels, size, nStored)
	mem := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			if x < 0 || x >= nStored {
				return nil, fmt.Errorf("stored hash %d not in the tree", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})

	// 4. Every entry bundle: each entry's record hash is the authenticated
	// level-0 hash.
	entries := fetchEntries(size)
	leaf := make([]tlog.Hash, size)
	for i, e := range entries {
		leaf[i] = tlog.RecordHash(e)
		if stored[tlog.StoredHashIndex(0, int64(i))] != leaf[i] {
			h := stored[tlog.StoredHashIndex(0, int64(i))]
			fail("entry %d: tlog.RecordHash %x, level-0 tile hash %x; entry %x", i, leaf[i][:], h[:], e)
		}
	}
	fmt.Printf("entry bundles: %d bundles, %d entries; every tlog.RecordHash(entry) equals its level-0 tile hash\n",
		(size+255)/256, len(entries))

	// 5. Older checkpoints: root = tree hash at their size (from the latest
	// tiles), and their own tile sets where the log still serves them.
	oldTiles, oldMissing := 0, 0
	for _, cp := range oldCps {
		m := cp.tree.N
		if m == 0 {
			if cp.tree.Hash != sha256.Sum256(nil) {
				fail("%s: empty tree with root %x, want SHA-256(\"\")", cp.source, cp.tree.Hash[:])
			}
			continue
		}
		h, err := tlog.TreeHash(m, mem)
		if err != nil || h != cp.tree.Hash {
			fail("%s: root %x, tree hash of the latest tree at size %d is %x (%v)", cp.source, cp.tree.Hash[:], m, h[:], err)
		}
		ohr := tlog.TileHashReader(cp.tree, tr)
		for _, t := range treeTiles(m) {
			_, err := ohr.ReadHashes([]int64{tlog.StoredHashIndex(t.L*tileHeight, t.N<<tileHeight+int64(t.W)-1)})
			var nf *notFoundError
			switch {
			case errors.As(err, &nf):
				oldMissing++ // C2SP lets a log delete partial tiles once full
			case err != nil:
				fail("%s: tile %s: %v", cp.source, tilePath(t), err)
			default:
				oldTiles++
			}
		}
	}
	if len(oldCps) > 0 {
		fmt.Printf("older checkpoints: %d, each signed, its root = tlog.TreeHash at its size, consistent with the latest (Go's proof and logd's, equal); their tiles authenticated against their own roots: %d (%d partial tiles no longer served)\n",
			len(oldCps), oldTiles, oldMissing)
	}

	// 6. Inclusion proofs: every index of every checkpoint from logd, checked
	// with tlog.CheckRecord and equal to Go's; random pairs; Go's own for
	// every pair on small trees.
	cpSizes := map[int64]tlog.Hash{size: root}
	for _, cp := range oldCps {
		if cp.tree.N > 0 {
			cpSizes[cp.tree.N] = cp.tree.Hash
		}
	}
	sizes := make([]int64, 0, len(cpSizes))
	for n := range cpSizes {
		sizes = append(sizes, n)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	rootAt := make([]tlog.Hash, size+1)
	for n := int64(1); n <= size; n++ {
		if rootAt[n], err = tlog.TreeHash(n, mem); err != nil {
			fatal("tlog.TreeHash(%d): %v", n, err)
		}
	}
	inclusion := func(t, n int64, r tlog.HashReader) {
		lh, lp := logdInclusion(t, n)
		if lh != leaf[t] {
			fail("inclusion (%d, %d): leaf_hash %x, tlog.RecordHash of entry %x", t, n, lh[:], leaf[t][:])
		}
		if err := tlog.CheckRecord(lp, n, rootAt[n], t, leaf[t]); err != nil {
			fail("inclusion (%d, %d): logd's proof %s does not verify: %v", t, n, hashList(lp), err)
		}
		gp, err := tlog.ProveRecord(n, t, r)
		if err != nil {
			fatal("tlog.ProveRecord(%d, %d): %v", n, t, err)
		}
		if !sameHashes(gp, lp) {
			fail("inclusion (%d, %d): logd's proof %s differs from Go's %s", t, n, hashList(lp), hashList(gp))
		}
	}
	logdInc := 0
	for _, n := range sizes {
		for t := int64(0); t < n; t++ {
			inclusion(t, n, hr) // Go's proof read through the tiles
			logdInc++
		}
	}
	for k := 0; k < *randomPairs; k++ {
		n := 1 + rng.Int63n(size)
		inclusion(rng.Int63n(n), n, mem)
		logdInc++
	}
	goInc := 0
	if size <= *exhaustive {
		for n := int64(1); n <= size; n++ {
			for t := int64(0); t < n; t++ {
				p, err := tlog.ProveRecord(n, t, mem)
				if err == nil {
					err = tlog.CheckRecord(p, n, rootAt[n], t, leaf[t])
				}
				if err != nil {
					fail("tlog inclusion (%d, %d): %v", t, n, err)
				}
				goInc++
			}
		}
	}
	fmt.Printf("inclusion proofs: %d logd answers (every index of the %d checkpoint sizes, %d random pairs) verified with tlog.CheckRecord and equal to tlog.ProveRecord byte for byte; %s\n",
		logdInc, len(sizes), *randomPairs, goOwn(goInc, size, *exhaustive))

	// 7. Consistency proofs: between every pair of checkpoints, from every
	// size to the latest, random pairs; Go's own for every pair.
	consistency := func(m, n int64, rootM, rootN tlog.Hash) {
		lp := logdConsistency(m, n)
		if err := tlog.CheckTree(lp, n, rootN, m, rootM); err != nil {
			fail("consistency (%d, %d): logd's proof %s does not verify: %v", m, n, hashList(lp), err)
		}
		gp, err := tlog.ProveTree(n, m, mem)
		if err != nil {
			fatal("tlog.ProveTree(%d, %d): %v", n, m, err)
		}
		if !sameHashes(gp, lp) {
			fail("consistency (%d, %d): logd's proof %s differs from Go's %s", m, n, hashList(lp), hashList(gp))
		}
	}
	logdCons := 0
	for i, m := range sizes {
		for _, n := range sizes[i:] {
			consistency(m, n, cpSizes[m], cpSizes[n]) // the signed roots
			logdCons++
		}
	}
	for m := int64(1); m <= size; m++ {
		consistency(m, size, rootAt[m], root)
		logdCons++
	}
	for k := 0; k < *randomPairs; k++ {
		n := 1 + rng.Int63n(size)
		m := 1 + rng.Int63n(n)
		consistency(m, n, rootAt[m], rootAt[n])
		logdCons++
	}
	goCons := 0
	if size <= *exhaustive {
		for n := int64(1); n <= size; n++ {
			for m := int64(1); m <= n; m++ {
				p, err := tlog.ProveTree(n, m, mem)
				if err == nil {
					err = tlog.CheckTree(p, n, rootAt[n], m, rootAt[m])
				}
				if err != nil {
					fail("tlog consistency (%d, %d): %v", m, n, err)
				}
				goCons++
			}
		}
	}
	fmt.Printf("consistency proofs: %d logd answers (every pair of checkpoints with their signed roots, every size to the latest, %d random pairs) verified with tlog.CheckTree and equal to tlog.ProveTree byte for byte; %s\n",
		logdCons, *randomPairs, goOwn(goCons, size, *exhaustive))

	// 8. credlog-specific, not a standard check: the last entry of every
	// checkpoint is a MAP entry 01 03 ‖ u64be(size-1) ‖ root[32] ‖ u64be time
	// or 02 03 ‖ u64be(size-1) ‖ root[32] ‖ key_root[32] ‖ u64be time.
	if *credlog {
		for _, n := range sizes {
			e := entries[n-1]
			if !((len(e) == 50 && e[0] == 0x01) || (len(e) == 82 && e[0] == 0x02)) || e[1] != 0x03 || binary.BigEndian.Uint64(e[2:10]) != uint64(n-1) {
				fail("[credlog-specific] checkpoint of size %d: last entry is not a MAP entry with index %d: %x", n, n-1, e)
			}
		}
		fmt.Printf("[credlog-specific] the last entry of each of the %d checkpoints is a MAP entry (01 03, 50 bytes, or 02 03, 82 bytes) with its own index\n", len(sizes))
	}

	if flip != "" && !flipped {
		netFatal("-flip %s: nothing of that kind was read", flip)
	}
	if failures > 0 {
		fmt.Fprintf(os.Stderr, "tlogcheck: the log is NOT accepted (%d failures)\n", failures)
		os.Exit(1)
	}
	fmt.Printf("tlogcheck: log %s ACCEPTED by Go's sumdb/note and sumdb/tlog (%d HTTP requests, %.1fs)\n",
		cur.origin, requests, time.Since(start).Seconds())
}
