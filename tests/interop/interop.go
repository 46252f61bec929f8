// interop.go: checks gongbao's checkpoints and proofs with nothing but Go's
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog, and signs
// checkpoints with them for gongbao to verify. Called by tests/interop/run.sh;
// built in GOPATH mode against Debian's golang-golang-x-mod-dev (v0.7.0).
//
// Each subcommand checks one thing, prints one "ok" line on stdout and exits
// 0, or prints "interop: SUBCOMMAND: what is wrong" on stderr and exits 1.
// Usage errors exit 2.
//
// Files: NOTE is a signed checkpoint ('gongbao checkpoint'), ENTRY an entry's
// exact bytes ('gongbao get I --raw'), PROOF a proof as 'gongbao prove' prints
// it (JSON, spec/PROOFS.md). VKEY is a C2SP verifier key NAME+KEYID+BASE64.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const usage = `usage: interop COMMAND ARGS
  checkpoint VKEY ORIGIN SIZE NOTE
      note.Open accepts NOTE with VKEY; its text is a checkpoint (parsed
      strictly) of origin ORIGIN and size SIZE; prints the root
  checkpoint-tamper VKEY NOTE
      note.Open rejects NOTE with any one character of its text, signature
      name or signature base64 changed, and rejects it under another key
  inclusion VKEY NOTE [INDEX ENTRY PROOF]...
      each inclusion proof is about entry INDEX with bytes ENTRY
      (tlog.RecordHash) in the tree NOTE signed, and tlog.CheckRecord accepts it
  inclusion-tamper VKEY NOTE [INDEX ENTRY PROOF]...
      tlog.CheckRecord rejects each proof with a hash altered, dropped, added
      or swapped, at every other index, with another leaf or root
  consistency VKEY NOTE1 NOTE2 PROOF
      the consistency proof links the trees NOTE1 and NOTE2 sign, and
      tlog.CheckTree accepts it
  consistency-tamper VKEY NOTE1 NOTE2 PROOF
      tlog.CheckTree rejects the proof with a hash altered, dropped, added or
      swapped, or with another root
  treehash VKEY NOTE ENTRY0 ENTRY1 ...
      the root NOTE signs is the tree hash of exactly these entries, computed
      with tlog.StoredHashes/tlog.TreeHash and with a plain RFC 6962 MTH
  genkey NAME SKEYFILE
      note.GenerateKey: writes the signer key to SKEYFILE, prints the vkey
  sign SKEYFILE TEXTFILE
      note.Sign: prints TEXTFILE as a note signed by the key
  cosign SKEYFILE VKEY NOTE
      note.Open NOTE with VKEY, then note.Sign adds the key's signature;
      prints the note with both
  open NOTE VKEY...
      note.Open accepts NOTE and every VKEY verified a signature on it
`

// Limits on what is read from outside: notes, entries and proofs are small.
const (
	fileBytesMax  = 1 << 20
	proofHashMax  = 64
	entryCountMax = 1 << 16
)

var cmdName = "interop"

// fail prints what is wrong and exits 1.
func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "interop: %s: %s\n", cmdName, fmt.Sprintf(format, args...))
	os.Exit(1)
}

func readFile(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	if len(b) > fileBytesMax {
		fail("%s: %d bytes, over the %d limit", path, len(b), fileBytesMax)
	}
	return b
}

var decimalRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,18})$`)

// parseDecimal parses a non-negative decimal without sign or leading zeros.
func parseDecimal(s string) (int64, error) {
	if !decimalRE.MatchString(s) {
		return 0, fmt.Errorf("%q is not a decimal without leading zeros", s)
	}
	return strconv.ParseInt(s, 10, 64)
}

func mustDecimal(what, s string) int64 {
	n, err := parseDecimal(s)
	if err != nil {
		fail("%s: %v", what, err)
	}
	return n
}

// parseHash decodes standard base64 of exactly 32 bytes, canonically
// (Strict: no stray padding bits; re-encoding gives the same text).
func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return h, fmt.Errorf("%q is not standard base64: %v", s, err)
	}
	if len(b) != len(h) {
		return h, fmt.Errorf("%q is %d bytes, want %d", s, len(b), len(h))
	}
	copy(h[:], b)
	if base64.StdEncoding.EncodeToString(h[:]) != s {
		return h, fmt.Errorf("%q is not canonical base64", s)
	}
	return h, nil
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

// checkpoint is the body of a C2SP tlog-checkpoint.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
	ext    []string
}

// parseCheckpoint parses checkpoint text strictly: origin line (non-empty),
// decimal size without leading zeros, base64 root of 32 bytes, then
// non-empty extension lines; the text ends in exactly one newline. (Go's
// tlog.ParseTree only takes the "go.sum database tree" header.)
func parseCheckpoint(text string) (checkpoint, error) {
	var cp checkpoint
	if !strings.HasSuffix(text, "\n") {
		return cp, errors.New("checkpoint text does not end in a newline")
	}
	lines := strings.Split(text[:len(text)-1], "\n")
	if len(lines) < 3 {
		return cp, fmt.Errorf("checkpoint text has %d lines, want at least 3", len(lines))
	}
	if lines[0] == "" {
		return cp, errors.New("checkpoint origin line is empty")
	}
	cp.origin = lines[0]
	size, err := parseDecimal(lines[1])
	if err != nil {
		return cp, fmt.Errorf("checkpoint size line: %v", err)
	}
	cp.size = size
	if cp.root, err = parseHash(lines[2]); err != nil {
		return cp, fmt.Errorf("checkpoint root line: %v", err)
	}
	for i, l := range lines[3:] {
		if l == "" {
			return cp, fmt.Errorf("checkpoint extension line %d is empty", i+1)
		}
	}
	cp.ext = lines[3:]
	return cp, nil
}

func mustVerifier(vkey string) note.Verifier {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("note.NewVerifier(%q): %v", vkey, err)
	}
	return v
}

// openCheckpoint opens a signed checkpoint with one verifier key and parses
// its text; the note must carry a signature by that key.
func openCheckpoint(vkey, path string) checkpoint {
	v := mustVerifier(vkey)
	n, err := note.Open(readFile(path), note.VerifierList(v))
	if err != nil {
		fail("%s: note.Open with %s: %v", path, v.Name(), err)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != v.Name() || n.Sigs[0].Hash != v.KeyHash() {
		fail("%s: want one verified signature by %s, got %d", path, v.Name(), len(n.Sigs))
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		fail("%s: %v", path, err)
	}
	return cp
}

// readJSONObject reads a JSON object whose keys are exactly `keys`.
func readJSONObject(path string, keys ...string) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(readFile(path)))
	if err := dec.Decode(&m); err != nil {
		fail("%s: not a JSON object: %v", path, err)
	}
	if dec.More() {
		fail("%s: trailing data after the JSON object", path)
	}
	if len(m) != len(keys) {
		fail("%s: %d keys, want exactly %v", path, len(m), keys)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			fail("%s: no %q key, want exactly %v", path, k, keys)
		}
	}
	return m
}

func jsonInt(path string, m map[string]json.RawMessage, key string) int64 {
	return mustDecimal(path+": "+key, string(m[key]))
}

func jsonHash(path string, m map[string]json.RawMessage, key string) tlog.Hash {
	var s string
	if err := json.Unmarshal(m[key], &s); err != nil {
		fail("%s: %s: want a base64 string: %v", path, key, err)
	}
	h, err := parseHash(s)
	if err != nil {
		fail("%s: %s: %v", path, key, err)
	}
	return h
}

func jsonHashes(path string, m map[string]json.RawMessage) []tlog.Hash {
	var ss []string
	if err := json.Unmarshal(m["hashes"], &ss); err != nil || ss == nil {
		fail("%s: hashes: want an array of base64 strings", path)
	}
	if len(ss) > proofHashMax {
		fail("%s: %d hashes, over %d", path, len(ss), proofHashMax)
	}
	hs := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		h, err := parseHash(s)
		if err != nil {
			fail("%s: hashes[%d]: %v", path, i, err)
		}
		hs[i] = h
	}
	return hs
}

type inclusionProof struct {
	index, size int64
	leaf, root  tlog.Hash
	hashes      tlog.RecordProof
}

func readInclusion(path string) inclusionProof {
	m := readJSONObject(path, "index", "size", "leaf_hash", "root", "hashes")
	return inclusionProof{
		index:  jsonInt(path, m, "index"),
		size:   jsonInt(path, m, "size"),
		leaf:   jsonHash(path, m, "leaf_hash"),
		root:   jsonHash(path, m, "root"),
		hashes: jsonHashes(path, m),
	}
}

type consistencyProof struct {
	size1, size2 int64
	root1, root2 tlog.Hash
	hashes       tlog.TreeProof
}

func readConsistency(path string) consistencyProof {
	m := readJSONObject(path, "size1", "size2", "root1", "root2", "hashes")
	return consistencyProof{
		size1:  jsonInt(path, m, "size1"),
		size2:  jsonInt(path, m, "size2"),
		root1:  jsonHash(path, m, "root1"),
		root2:  jsonHash(path, m, "root2"),
		hashes: jsonHashes(path, m),
	}
}

// flipped returns h with one bit changed, chosen by k.
func flipped(h tlog.Hash, k int) tlog.Hash {
	h[(k/8)%len(h)] ^= 1 << uint(k%8)
	return h
}

// mutations returns the proof with each hash altered in one bit, the first
// and the last hash dropped, a hash added in front and at the end, and each
// pair of neighbours that differ swapped, each with a name.
func mutations(p []tlog.Hash) (names []string, out [][]tlog.Hash) {
	add := func(name string, q []tlog.Hash) {
		names = append(names, name)
		out = append(out, q)
	}
	for j := range p {
		q := append([]tlog.Hash(nil), p...)
		q[j] = flipped(q[j], 8*j+3)
		add(fmt.Sprintf("hashes[%d] altered", j), q)
	}
	if len(p) > 0 {
		add("first hash dropped", append([]tlog.Hash(nil), p[1:]...))
		add("last hash dropped", append([]tlog.Hash(nil), p[:len(p)-1]...))
	}
	var extra tlog.Hash
	extra[0] = 0x5a
	add("hash added in front", append([]tlog.Hash{extra}, p...))
	add("hash added at the end", append(append([]tlog.Hash(nil), p...), extra))
	for j := 0; j+1 < len(p); j++ {
		if p[j] == p[j+1] {
			continue
		}
		q := append([]tlog.Hash(nil), p...)
		q[j], q[j+1] = q[j+1], q[j]
		add(fmt.Sprintf("hashes[%d] and [%d] swapped", j, j+1), q)
	}
	return names, out
}

func cmdCheckpoint(args []string) {
	if len(args) != 4 {
		usageExit()
	}
	vkey, origin, path := args[0], args[1], args[3]
	size := mustDecimal("SIZE", args[2])
	cp := openCheckpoint(vkey, path)
	if cp.origin != origin {
		fail("%s: origin %q, want %q", path, cp.origin, origin)
	}
	if name := mustVerifier(vkey).Name(); name != origin {
		fail("%s: signed by key %q, want the origin %q", path, name, origin)
	}
	if cp.size != size {
		fail("%s: size %d, want %d", path, cp.size, size)
	}
	fmt.Printf("ok: note.Open accepts %s; origin %s, size %d, root %s, %d extension lines\n",
		path, cp.origin, cp.size, b64(cp.root), len(cp.ext))
}

// altered returns s with byte i replaced: a base64 character by the one 32
// places away in the alphabet (which always changes a data bit), '=' by 'A',
// anything else by the byte with its low bit flipped.
func altered(s string, i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := []byte(s)
	if k := strings.IndexByte(alphabet, b[i]); k >= 0 {
		b[i] = alphabet[k^0x20]
	} else if b[i] == '=' {
		b[i] = 'A'
	} else {
		b[i] ^= 1
	}
	return string(b)
}

func cmdCheckpointTamper(args []string) {
	if len(args) != 2 {
		usageExit()
	}
	vkey, path := args[0], args[1]
	v := mustVerifier(vkey)
	known := note.VerifierList(v)
	msg := string(readFile(path))
	if _, err := note.Open([]byte(msg), known); err != nil {
		fail("%s: the untouched note does not open: %v", path, err)
	}
	split := strings.Index(msg, "\n\n")
	if split < 0 || strings.Count(msg[split+2:], "\n") != 1 {
		fail("%s: want the text, a blank line and exactly one signature line", path)
	}
	sigLine := msg[split+2 : len(msg)-1]
	const dash = "\u2014 "
	sp := strings.LastIndexByte(sigLine, ' ')
	if !strings.HasPrefix(sigLine, dash) || sp < len(dash) {
		fail("%s: signature line %q is not '\u2014 NAME BASE64'", path, sigLine)
	}
	// Positions to alter: every byte of the text but its newlines, every
	// byte of the signer's name and of the signature's base64.
	var positions []int
	for i := 0; i < split+1; i++ {
		if msg[i] != '\n' {
			positions = append(positions, i)
		}
	}
	for i := split + 2 + len(dash); i < len(msg)-1; i++ {
		if i != split+2+sp {
			positions = append(positions, i)
		}
	}
	var textN, sigN int
	for _, i := range positions {
		bad := altered(msg, i)
		if n, err := note.Open([]byte(bad), known); err == nil {
			fail("note.Open accepts the note with byte %d changed from %q to %q (%d sigs)",
				i, msg[i], bad[i], len(n.Sigs))
		}
		if i < split {
			textN++
		} else {
			sigN++
		}
	}
	// The same note under another key with the same name, and truncated.
	_, otherV, err := note.GenerateKey(rand.Reader, v.Name())
	if err != nil {
		fail("note.GenerateKey: %v", err)
	}
	if _, err := note.Open([]byte(msg), note.VerifierList(mustVerifier(otherV))); err == nil {
		fail("note.Open accepts %s under another key named %s", path, v.Name())
	}
	if _, err := note.Open([]byte(msg[:len(msg)-1]), known); err == nil {
		fail("note.Open accepts %s without its final newline", path)
	}
	fmt.Printf("ok: note.Open rejects %s with any one of %d text bytes or %d signature-line bytes changed, under another key, and truncated\n",
		path, textN, sigN)
}

// inclusionArgs reads INDEX ENTRY PROOF triples.
type inclusionCase struct {
	index int64
	entry []byte
	path  string
	proof inclusionProof
}

func readInclusionCases(args []string, cp checkpoint) []inclusionCase {
	if len(args) == 0 || len(args)%3 != 0 {
		usageExit()
	}
	var cases []inclusionCase
	for i := 0; i < len(args); i += 3 {
		c := inclusionCase{
			index: mustDecimal("INDEX", args[i]),
			entry: readFile(args[i+1]),
			path:  args[i+2],
		}
		c.proof = readInclusion(c.path)
		p := c.proof
		if p.index != c.index {
			fail("%s: index %d, want %d", c.path, p.index, c.index)
		}
		if p.size != cp.size || p.root != cp.root {
			fail("%s: size %d root %s, but the checkpoint has size %d root %s",
				c.path, p.size, b64(p.root), cp.size, b64(cp.root))
		}
		if rh := tlog.RecordHash(c.entry); rh != p.leaf {
			fail("%s: leaf_hash %s, but tlog.RecordHash(%s) is %s",
				c.path, b64(p.leaf), args[i+1], b64(rh))
		}
		cases = append(cases, c)
	}
	return cases
}

func cmdInclusion(args []string) {
	if len(args) < 2 {
		usageExit()
	}
	cp := openCheckpoint(args[0], args[1])
	cases := readInclusionCases(args[2:], cp)
	hashes := 0
	for _, c := range cases {
		if err := tlog.CheckRecord(c.proof.hashes, cp.size, cp.root, c.index, c.proof.leaf); err != nil {
			fail("%s: tlog.CheckRecord(entry %d, size %d): %v", c.path, c.index, cp.size, err)
		}
		hashes += len(c.proof.hashes)
	}
	fmt.Printf("ok: tlog.RecordHash and tlog.CheckRecord accept %d proofs (%d hashes) against the signed size %d\n",
		len(cases), hashes, cp.size)
}

func cmdInclusionTamper(args []string) {
	if len(args) < 2 {
		usageExit()
	}
	cp := openCheckpoint(args[0], args[1])
	cases := readInclusionCases(args[2:], cp)
	rejected := 0
	mustReject := func(c inclusionCase, what string, p tlog.RecordProof, size int64, root tlog.Hash, index int64, leaf tlog.Hash) {
		if err := tlog.CheckRecord(p, size, root, index, leaf); err == nil {
			fail("%s: tlog.CheckRecord accepts the proof of entry %d with %s", c.path, c.index, what)
		}
		rejected++
	}
	for _, c := range cases {
		p := c.proof
		if err := tlog.CheckRecord(p.hashes, cp.size, cp.root, c.index, p.leaf); err != nil {
			fail("%s: the untouched proof does not verify: %v", c.path, err)
		}
		names, muts := mutations(p.hashes)
		for k := range muts {
			mustReject(c, names[k], muts[k], cp.size, cp.root, c.index, p.leaf)
		}
		for j := int64(0); j <= cp.size; j++ {
			if j != c.index {
				mustReject(c, fmt.Sprintf("index %d", j), p.hashes, cp.size, cp.root, j, p.leaf)
			}
		}
		mustReject(c, "another leaf hash", p.hashes, cp.size, cp.root, c.index, flipped(p.leaf, 77))
		mustReject(c, "another root", p.hashes, cp.size, flipped(cp.root, 200), c.index, p.leaf)
	}
	fmt.Printf("ok: tlog.CheckRecord rejects all %d altered versions of %d proofs at size %d\n",
		rejected, len(cases), cp.size)
}

// readConsistencyCase opens both checkpoints and ties the proof to them.
func readConsistencyCase(args []string) (consistencyProof, checkpoint, checkpoint) {
	if len(args) != 4 {
		usageExit()
	}
	cp1 := openCheckpoint(args[0], args[1])
	cp2 := openCheckpoint(args[0], args[2])
	path := args[3]
	p := readConsistency(path)
	if p.size1 != cp1.size || p.root1 != cp1.root {
		fail("%s: size1 %d root1 %s, but %s has size %d root %s",
			path, p.size1, b64(p.root1), args[1], cp1.size, b64(cp1.root))
	}
	if p.size2 != cp2.size || p.root2 != cp2.root {
		fail("%s: size2 %d root2 %s, but %s has size %d root %s",
			path, p.size2, b64(p.root2), args[2], cp2.size, b64(cp2.root))
	}
	if cp1.origin != cp2.origin {
		fail("the checkpoints are of two logs, %q and %q", cp1.origin, cp2.origin)
	}
	return p, cp1, cp2
}

func cmdConsistency(args []string) {
	p, cp1, cp2 := readConsistencyCase(args)
	if err := tlog.CheckTree(p.hashes, cp2.size, cp2.root, cp1.size, cp1.root); err != nil {
		fail("%s: tlog.CheckTree(%d, %d): %v", args[3], cp1.size, cp2.size, err)
	}
	fmt.Printf("ok: tlog.CheckTree accepts the proof (%d hashes) that signed size %d is a prefix of signed size %d\n",
		len(p.hashes), cp1.size, cp2.size)
}

func cmdConsistencyTamper(args []string) {
	p, cp1, cp2 := readConsistencyCase(args)
	path := args[3]
	if err := tlog.CheckTree(p.hashes, cp2.size, cp2.root, cp1.size, cp1.root); err != nil {
		fail("%s: the untouched proof does not verify: %v", path, err)
	}
	rejected := 0
	mustReject := func(what string, q tlog.TreeProof, root2, root1 tlog.Hash) {
		if err := tlog.CheckTree(q, cp2.size, root2, cp1.size, root1); err == nil {
			fail("%s: tlog.CheckTree accepts the proof with %s", path, what)
		}
		rejected++
	}
	names, muts := mutations(p.hashes)
	for k := range muts {
		mustReject(names[k], muts[k], cp2.root, cp1.root)
	}
	mustReject("another old root", p.hashes, cp2.root, flipped(cp1.root, 9))
	mustReject("another new root", p.hashes, flipped(cp2.root, 250), cp1.root)
	fmt.Printf("ok: tlog.CheckTree rejects all %d altered versions of the proof from size %d to %d\n",
		rejected, cp1.size, cp2.size)
}

// mth is RFC 6962's Merkle Tree Hash of leaf hashes, written out directly
// (k is the largest power of two smaller than n), as a second opinion.
func mth(leaves []tlog.Hash) tlog.Hash {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	buf := append(append([]byte{1}, l[:]...), r[:]...)
	return sha256.Sum256(buf)
}

func cmdTreeHash(args []string) {
	if len(args) < 3 || len(args)-2 > entryCountMax {
		usageExit()
	}
	cp := openCheckpoint(args[0], args[1])
	entries := args[2:]
	n := int64(len(entries))
	if cp.size != n {
		fail("%s: size %d, but %d entries given", args[1], cp.size, n)
	}
	// Store every hash tlog.StoredHashes produces, in memory, in order.
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d not written yet", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	leaves := make([]tlog.Hash, n)
	for i, path := range entries {
		data := readFile(path)
		leaves[i] = tlog.RecordHash(data)
		if tlog.StoredHashIndex(0, int64(i)) != int64(len(stored)) {
			fail("stored hash index of leaf %d is %d, want %d", i, tlog.StoredHashIndex(0, int64(i)), len(stored))
		}
		hs, err := tlog.StoredHashes(int64(i), data, reader)
		if err != nil {
			fail("tlog.StoredHashes(%d): %v", i, err)
		}
		stored = append(stored, hs...)
	}
	if int64(len(stored)) != tlog.StoredHashCount(n) {
		fail("%d stored hashes, tlog.StoredHashCount(%d) = %d", len(stored), n, tlog.StoredHashCount(n))
	}
	th, err := tlog.TreeHash(n, reader)
	if err != nil {
		fail("tlog.TreeHash(%d): %v", n, err)
	}
	if th != cp.root {
		fail("tlog.TreeHash of the %d entries is %s, the checkpoint says %s", n, b64(th), b64(cp.root))
	}
	if m := mth(leaves); m != cp.root {
		fail("RFC 6962 MTH of the %d entries is %s, the checkpoint says %s", n, b64(m), b64(cp.root))
	}
	fmt.Printf("ok: tlog.TreeHash and RFC 6962 MTH of the %d raw entries equal the signed root %s\n", n, b64(th))
}

func cmdGenKey(args []string) {
	if len(args) != 2 {
		usageExit()
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, args[0])
	if err != nil {
		fail("note.GenerateKey(%q): %v", args[0], err)
	}
	f, err := os.OpenFile(args[1], os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		fail("%v", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		fail("%v", err)
	}
	if err := f.Close(); err != nil {
		fail("%v", err)
	}
	fmt.Println(vkey)
}

func mustSigner(path string) note.Signer {
	s, err := note.NewSigner(strings.TrimSuffix(string(readFile(path)), "\n"))
	if err != nil {
		fail("note.NewSigner(%s): %v", path, err)
	}
	return s
}

func cmdSign(args []string) {
	if len(args) != 2 {
		usageExit()
	}
	s := mustSigner(args[0])
	text := string(readFile(args[1]))
	if _, err := parseCheckpoint(text); err != nil {
		fail("%s: %v", args[1], err)
	}
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		fail("note.Sign: %v", err)
	}
	os.Stdout.Write(msg)
}

func cmdCosign(args []string) {
	if len(args) != 3 {
		usageExit()
	}
	s := mustSigner(args[0])
	n, err := note.Open(readFile(args[2]), note.VerifierList(mustVerifier(args[1])))
	if err != nil {
		fail("%s: note.Open: %v", args[2], err)
	}
	msg, err := note.Sign(n, s)
	if err != nil {
		fail("note.Sign: %v", err)
	}
	os.Stdout.Write(msg)
}

func cmdOpen(args []string) {
	if len(args) < 2 {
		usageExit()
	}
	var vs []note.Verifier
	for _, k := range args[1:] {
		vs = append(vs, mustVerifier(k))
	}
	n, err := note.Open(readFile(args[0]), note.VerifierList(vs...))
	if err != nil {
		fail("%s: note.Open: %v", args[0], err)
	}
	for _, v := range vs {
		found := false
		for _, s := range n.Sigs {
			found = found || (s.Name == v.Name() && s.Hash == v.KeyHash())
		}
		if !found {
			fail("%s: no verified signature by %s+%08x", args[0], v.Name(), v.KeyHash())
		}
	}
	if _, err := parseCheckpoint(n.Text); err != nil {
		fail("%s: %v", args[0], err)
	}
	fmt.Printf("ok: note.Open accepts %s: %d signatures verified, %d by unknown keys\n",
		args[0], len(n.Sigs), len(n.UnverifiedSigs))
}

func usageExit() {
	fmt.Fprint(os.Stderr, usage)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usageExit()
	}
	cmds := map[string]func([]string){
		"checkpoint":         cmdCheckpoint,
		"checkpoint-tamper":  cmdCheckpointTamper,
		"inclusion":          cmdInclusion,
		"inclusion-tamper":   cmdInclusionTamper,
		"consistency":        cmdConsistency,
		"consistency-tamper": cmdConsistencyTamper,
		"treehash":           cmdTreeHash,
		"genkey":             cmdGenKey,
		"sign":               cmdSign,
		"cosign":             cmdCosign,
		"open":               cmdOpen,
	}
	cmdName = os.Args[1]
	f, ok := cmds[cmdName]
	if !ok {
		usageExit()
	}
	f(os.Args[2:])
}
