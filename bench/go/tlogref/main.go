// tlogref: the reference for logd's inclusion proofs in scripts/bench.sh
// (docs/performance.md). A small HTTP server whose tree is held in memory and
// whose proofs are computed by Go's reference tlog package,
// golang.org/x/mod/sumdb/tlog (tlog.ProveRecord over the stored hashes), the
// way a Go tlog server built on that package would answer.
//
// At start it reads the level-0 hash tiles of a running logd (its public
// API only) up to -size, so its tree is logd's tree, hash for hash; it then
// serves
//
//	GET /v1/proof/inclusion?index=I&size=N
//
// with the same JSON, byte for byte, as logd's answer (docs/api.md):
//
//	{"index":I,"tree_size":N,"leaf_hash":"<hex>","hashes":["<hex>",...]}\n
//
// Usage: tlogref -log URL -size N -listen 127.0.0.1:0 -port-file FILE
//
// Built offline in GOPATH mode from Debian's golang-golang-x-mod-dev
// (scripts/bench.sh; scripts/deps.sh bench installs it).
package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// tilePath is the C2SP path of level-0 tile n of width w (256 when full).
func tilePath(n int64, w int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	if w < 256 {
		s += fmt.Sprintf(".p/%d", w)
	}
	return "/tile/0/" + s
}

func fetch(base, path string) []byte {
	resp, err := http.Get(base + path)
	if err != nil {
		log.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		log.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return b
}

// memory is the tree: every stored hash, in tlog's stored-hash order.
// It is written only before the server starts.
type memory struct {
	hashes []tlog.Hash
}

func (m *memory) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func main() {
	base := flag.String("log", "", "logd's URL (its level-0 tiles are read)")
	size := flag.Int64("size", 0, "tree size to load")
	listen := flag.String("listen", "127.0.0.1:0", "address")
	portFile := flag.String("port-file", "", "write the bound port here")
	flag.Parse()
	if *base == "" || *size <= 0 {
		log.Fatal("usage: tlogref -log URL -size N [-listen A:P] [-port-file F]")
	}
	m := &memory{}
	for n := int64(0); n*256 < *size; n++ {
		w := 256
		if rest := *size - n*256; rest < 256 {
			w = int(rest)
		}
		tile := fetch(*base, tilePath(n, w))
		if len(tile) != w*tlog.HashSize {
			log.Fatalf("tile %d: %d bytes", n, len(tile))
		}
		for i := 0; i < w; i++ {
			var h tlog.Hash
			copy(h[:], tile[i*tlog.HashSize:])
			add, err := tlog.StoredHashesForRecordHash(n*256+int64(i), h, m)
			if err != nil {
				log.Fatal(err)
			}
			m.hashes = append(m.hashes, add...)
		}
	}
	leaf := func(i int64) tlog.Hash { return m.hashes[tlog.StoredHashIndex(0, i)] }

	http.HandleFunc("/v1/proof/inclusion", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		i, err1 := strconv.ParseInt(q.Get("index"), 10, 64)
		n, err2 := strconv.ParseInt(q.Get("size"), 10, 64)
		if err1 != nil || err2 != nil || i < 0 || i >= n || n > *size {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"bad index or size"}`)
			return
		}
		p, err := tlog.ProveRecord(n, i, m)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var b strings.Builder
		b.Grow(64 + 67*len(p))
		lh := leaf(i)
		fmt.Fprintf(&b, `{"index":%d,"tree_size":%d,"leaf_hash":"%s","hashes":[`, i, n, hex.EncodeToString(lh[:]))
		for k, h := range p {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(hex.EncodeToString(h[:]))
			b.WriteByte('"')
		}
		b.WriteString("]}\n")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		io.WriteString(w, b.String())
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *portFile != "" {
		port := ln.Addr().(*net.TCPAddr).Port
		if err := os.WriteFile(*portFile, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	log.Fatal(http.Serve(ln, nil))
}
