//go:build ignore

// gen_checkpoint.go writes checkpoint.json: a checkpoint signed by a log key
// (alg 0x01) and cosigned by a witness key (alg 0x04, cosignature/v1).
//
// It uses Go's golang.org/x/mod/sumdb/note for the note format and
// crypto/ed25519 directly for the cosignature, following c2sp.org/
// tlog-cosignature, so that the vector does not depend on gongbao's code.
// Run from this directory:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run gen_checkpoint.go > checkpoint.json
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"golang.org/x/mod/sumdb/note"
)

const (
	logName     = "gongbao.example/log"
	witnessName = "gongbao.example/witness-1"
	treeSize    = uint64(1000000)
	timestamp   = uint64(1700000000)
)

// keyID is the C2SP key id: SHA-256(name || "\n" || alg || pk)[:4].
func keyID(name string, alg byte, pk []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{alg})
	h.Write(pk)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func vkey(name string, alg byte, pk []byte) string {
	return fmt.Sprintf("%s+%08x+%s", name, keyID(name, alg, pk),
		base64.StdEncoding.EncodeToString(append([]byte{alg}, pk...)))
}

// cosigner is a note.Signer and note.Verifier for cosignature/v1.
type cosigner struct {
	name string
	priv ed25519.PrivateKey
	ts   uint64
}

func (c *cosigner) Name() string { return c.name }
func (c *cosigner) KeyHash() uint32 {
	return keyID(c.name, 4, c.priv.Public().(ed25519.PublicKey))
}
func cosignedMessage(ts uint64, text []byte) []byte {
	return append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", ts)), text...)
}
func (c *cosigner) Sign(msg []byte) ([]byte, error) {
	sig := binary.BigEndian.AppendUint64(nil, c.ts)
	return append(sig, ed25519.Sign(c.priv, cosignedMessage(c.ts, msg))...), nil
}
func (c *cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	pk := c.priv.Public().(ed25519.PublicKey)
	return ed25519.Verify(pk, cosignedMessage(ts, msg), sig[8:])
}

func main() {
	logSeed := sha256.Sum256([]byte("gongbao test log key seed"))
	witnessSeed := sha256.Sum256([]byte("gongbao test witness key seed"))
	root := sha256.Sum256([]byte("gongbao test root"))

	logPriv := ed25519.NewKeyFromSeed(logSeed[:])
	logPub := logPriv.Public().(ed25519.PublicKey)
	skey := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", logName, keyID(logName, 1, logPub),
		base64.StdEncoding.EncodeToString(append([]byte{1}, logSeed[:]...)))
	signer, err := note.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	logVkey := vkey(logName, 1, logPub)
	verifier, err := note.NewVerifier(logVkey)
	if err != nil {
		log.Fatal(err)
	}

	text := fmt.Sprintf("%s\n%d\n%s\n", logName, treeSize,
		base64.StdEncoding.EncodeToString(root[:]))
	signed, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		log.Fatal(err)
	}

	w := &cosigner{witnessName, ed25519.NewKeyFromSeed(witnessSeed[:]), timestamp}
	n, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		log.Fatal(err)
	}
	cosigned, err := note.Sign(n, w)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := note.Open(cosigned, note.VerifierList(verifier, w)); err != nil {
		log.Fatal(err)
	}
	cosigLine := string(cosigned[len(signed):])

	out := map[string]string{
		"about": "gongbao checkpoint and cosignature/v1 known-answer vector, made by gen_checkpoint.go " +
			"with golang.org/x/mod/sumdb/note (note format, log signature) and crypto/ed25519 " +
			"(cosignature over \"cosignature/v1\\ntime <ts>\\n\" || checkpoint text, signature bytes " +
			"= timestamp (8 bytes BE) || Ed25519 signature). Seeds are SHA-256 of fixed strings.",
		"log_seed_hex":        hex.EncodeToString(logSeed[:]),
		"log_skey":            skey,
		"log_vkey":            logVkey,
		"checkpoint_origin":   logName,
		"checkpoint_size":     fmt.Sprint(treeSize),
		"checkpoint_root_hex": hex.EncodeToString(root[:]),
		"checkpoint_text":     text,
		"signed_checkpoint":   string(signed),
		"witness_name":        witnessName,
		"witness_seed_hex":    hex.EncodeToString(witnessSeed[:]),
		"witness_vkey":        vkey(witnessName, 4, w.priv.Public().(ed25519.PublicKey)),
		"witness_timestamp":   fmt.Sprint(timestamp),
		"cosigned_message":    string(cosignedMessage(timestamp, []byte(text))),
		"cosignature_line":    cosigLine,
		"cosigned_checkpoint": string(cosigned),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		log.Fatal(err)
	}
}
