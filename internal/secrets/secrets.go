// Package secrets keeps impress's secrets encrypted at rest.
//
// Two levels of keys (docs/SECURITY.md §4):
//
//   - One 32-byte master key per data directory, kept in the OS keyring
//     (github.com/zalando/go-keyring: macOS Keychain, Secret Service on
//     Linux/BSD, Windows Credential Manager). Where no keyring answers
//     within a timeout — headless Linux, containers, a daemon started by
//     systemd without the login keyring — it is kept in a key file
//     <data>/master.key instead: created 0600 with O_EXCL, refused when its
//     permissions are wider or another user owns it. Which one is used is
//     reported ([Master.Backend], [Master.Location]) and shown by
//     `impress auth status`. There is never a silent plaintext fallback:
//     without a master key nothing is stored.
//   - One random 32-byte data key per connection ([DataKey]), sealed by the
//     master key and stored beside the connection (store keys/<conn>).
//     Tokens and other sensitive values of the connection are sealed with
//     it ([DataKey.Seal]), so destroying that one small value (purge)
//     makes every copy of them unreadable, including copies left in
//     bbolt's free pages, backups and SSD remnants (crypto-shredding).
//
// Sealing is AES-256-GCM with a random 96-bit nonce; the associated data
// binds each ciphertext to its connection and field, so a sealed token
// cannot be swapped into another connection or another field unnoticed.
//
// The backend may be forced with [Options.Mode], which the daemon takes from
// the environment variable IMPRESS_KEYRING ("keyring" or "file"); "file"
// is for CI and tests, which must not touch a developer's real keyring.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the size of master and data keys in bytes (AES-256).
const KeySize = 32

// version is the first byte of every sealed value, so the format can change.
const version byte = 1

const nonceSize = 12

// Sentinel errors.
var (
	// ErrDecrypt means a sealed value failed authentication: it was
	// tampered with, belongs to another connection or field, or was sealed
	// with another key (a destroyed or replaced one).
	ErrDecrypt = errors.New("secrets: cannot decrypt (wrong key, or the data was changed)")
	// ErrUnsafeKeyFile means the key file has wider permissions than 0600,
	// is not a regular file, or belongs to another user.
	ErrUnsafeKeyFile = errors.New("secrets: unsafe key file")
	// ErrNoKeyring means the OS keyring did not answer (or answered with an
	// error) where it was required.
	ErrNoKeyring = errors.New("secrets: the OS keyring is not available")
	// ErrKeyLost means the master key was created in one backend and is not
	// found there now; the sealed data cannot be read without it.
	ErrKeyLost = errors.New("secrets: the master key is missing")
)

// IsDecrypt reports whether err is (or wraps) ErrDecrypt.
func IsDecrypt(err error) bool { return errors.Is(err, ErrDecrypt) }

// seal encrypts plaintext under key with the associated data ad:
// version || nonce || ciphertext+tag.
func seal(key []byte, ad, plaintext []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		return nil, fmt.Errorf("secrets: nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+nonceSize], plaintext, ad), nil
}

// open reverses seal. Every failure is ErrDecrypt: telling a short value
// from a tampered one helps nobody but an attacker.
func open(key []byte, ad, sealed []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+nonceSize+aead.Overhead() || sealed[0] != version {
		return nil, ErrDecrypt
	}
	pt, err := aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return cipher.NewGCM(block)
}

// adFor builds associated data from length-prefixed parts, so that
// ("ab","c") and ("a","bc") never collide.
func adFor(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		n := len(p)
		b = append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		b = append(b, p...)
	}
	return b
}

func randomKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("secrets: generate key: %w", err)
	}
	return k, nil
}

// DataKey is a connection's own key. It seals that connection's tokens and
// sensitive values; the associated data of every value is the connection's
// name and the field, so values cannot be moved between the two unnoticed.
type DataKey struct {
	conn string
	key  []byte
}

// Conn is the connection the key belongs to.
func (k *DataKey) Conn() string { return k.conn }

// Seal encrypts plaintext as field of the key's connection.
func (k *DataKey) Seal(field string, plaintext []byte) ([]byte, error) {
	return seal(k.key, adFor("impress/value/v1", k.conn, field), plaintext)
}

// Open decrypts a value sealed by [DataKey.Seal] for the same field.
func (k *DataKey) Open(field string, sealed []byte) ([]byte, error) {
	pt, err := open(k.key, adFor("impress/value/v1", k.conn, field), sealed)
	if err != nil {
		return nil, fmt.Errorf("open %s of connection %q: %w", field, k.conn, err)
	}
	return pt, nil
}

// String hides the key from fmt.
func (k *DataKey) String() string { return "secrets.DataKey{" + k.conn + ", [REDACTED]}" }

// GoString hides the key from %#v.
func (k *DataKey) GoString() string { return k.String() }
