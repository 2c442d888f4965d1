package secrets

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
	"github.com/zalando/go-keyring"
)

// fakeKeyring is an in-memory keyring that can fail or hang.
type fakeKeyring struct {
	mu      sync.Mutex
	m       map[string]string
	err     error
	hang    chan struct{} // non-nil: every call blocks until closed
	calls   int
	corrupt bool // Get returns something else than was Set
}

func (k *fakeKeyring) wait() error {
	k.mu.Lock()
	k.calls++
	h, err := k.hang, k.err
	k.mu.Unlock()
	if h != nil {
		<-h
	}
	return err
}

func (k *fakeKeyring) Get(service, user string) (string, error) {
	if err := k.wait(); err != nil {
		return "", err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[service+"/"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	if k.corrupt {
		return v + "x", nil
	}
	return v, nil
}

func (k *fakeKeyring) Set(service, user, pw string) error {
	if err := k.wait(); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]string{}
	}
	k.m[service+"/"+user] = pw
	return nil
}

func (k *fakeKeyring) Delete(service, user string) error {
	if err := k.wait(); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, service+"/"+user)
	return nil
}

func testMaster(t *testing.T) *Master {
	t.Helper()
	m, err := OpenMaster(t.Context(), Options{Dir: t.TempDir(), Mode: ModeFile})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSealOpenRoundTrip(t *testing.T) {
	m := testMaster(t)
	dk, sealedKey, err := m.NewDataKey("main")
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("IGAAtoken-0123456789abcdefghij")
	ct, err := dk.Seal("token", secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, secret) {
		t.Fatal("ciphertext contains the plaintext")
	}
	ct2, _ := dk.Seal("token", secret)
	if bytes.Equal(ct, ct2) {
		t.Error("two seals of the same value are equal: nonce reused")
	}
	// Reopen the data key from its sealed form, as the daemon does.
	dk2, err := m.OpenDataKey("main", sealedKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dk2.Open("token", ct)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if s := dk.String() + m.String(); strings.Contains(s, string(dk.key)) {
		t.Error("String leaks key")
	}
}

func TestTamperAndWrongKey(t *testing.T) {
	m := testMaster(t)
	dk, sealedKey, _ := m.NewDataKey("main")
	ct, _ := dk.Seal("token", []byte("secret-value"))
	other, _, _ := m.NewDataKey("main")
	otherConn, _, _ := m.NewDataKey("other")
	otherConn.key = dk.key // same key bytes, other connection name

	cases := map[string]func() ([]byte, error){
		"flipped bit": func() ([]byte, error) {
			bad := append([]byte(nil), ct...)
			bad[len(bad)-1] ^= 1
			return dk.Open("token", bad)
		},
		"truncated":      func() ([]byte, error) { return dk.Open("token", ct[:10]) },
		"empty":          func() ([]byte, error) { return dk.Open("token", nil) },
		"bad version":    func() ([]byte, error) { b := append([]byte(nil), ct...); b[0] = 9; return dk.Open("token", b) },
		"other field":    func() ([]byte, error) { return dk.Open("page_token", ct) },
		"other conn":     func() ([]byte, error) { return otherConn.Open("token", ct) },
		"wrong data key": func() ([]byte, error) { return other.Open("token", ct) },
		"data key of other conn": func() ([]byte, error) {
			k, err := m.OpenDataKey("other", sealedKey)
			if err != nil {
				return nil, err
			}
			return k.Open("token", ct)
		},
		"other master": func() ([]byte, error) {
			m2 := testMaster(t)
			k, err := m2.OpenDataKey("main", sealedKey)
			if err != nil {
				return nil, err
			}
			return k.Open("token", ct)
		},
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			pt, err := fn()
			if !IsDecrypt(err) {
				t.Fatalf("got %q, %v; want ErrDecrypt", pt, err)
			}
		})
	}
}

func TestKeyFileCreatedExclusiveAndReused(t *testing.T) {
	dir := t.TempDir()
	m1, err := OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeFile})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	if m1.Backend() != BackendFile || m1.Location() != path {
		t.Errorf("backend %s at %s", m1.Backend(), m1.Location())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	_, sealed, _ := m1.NewDataKey("c")
	m2, err := OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.OpenDataKey("c", sealed); err != nil {
		t.Errorf("second open uses another key: %v", err)
	}
	// O_EXCL: creating over an existing file fails instead of replacing
	// the key the store's data is sealed with.
	if _, err := createKeyFile(path, "test"); !errors.Is(err, os.ErrExist) {
		t.Errorf("createKeyFile over existing file: %v, want ErrExist", err)
	}
}

func TestKeyFileRefusedWhenUnsafe(t *testing.T) {
	t.Run("group readable", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeFile}); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, KeyFileName), 0o640)
		_, err := OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeFile})
		if !errors.Is(err, ErrUnsafeKeyFile) || !strings.Contains(err.Error(), "0640") {
			t.Fatalf("err = %v, want ErrUnsafeKeyFile naming the mode", err)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		dir := t.TempDir()
		other := t.TempDir()
		if _, err := OpenMaster(t.Context(), Options{Dir: other, Mode: ModeFile}); err != nil {
			t.Fatal(err)
		}
		os.Symlink(filepath.Join(other, KeyFileName), filepath.Join(dir, KeyFileName))
		if _, err := OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeFile}); err == nil {
			t.Fatal("a symlinked key file was accepted")
		}
	})
	t.Run("garbage", func(t *testing.T) {
		dir := t.TempDir()
		testkit.WriteFile(t, filepath.Join(dir, KeyFileName), "short\n")
		if _, err := OpenMaster(t.Context(), Options{Dir: dir}); err == nil {
			t.Fatal("a key file without a key was accepted")
		}
	})
	t.Run("other owner", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("needs root to chown")
		}
		dir := t.TempDir()
		OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeFile})
		os.Chown(filepath.Join(dir, KeyFileName), 12345, 12345)
		if _, err := OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeFile}); !errors.Is(err, ErrUnsafeKeyFile) {
			t.Fatalf("err = %v, want ErrUnsafeKeyFile", err)
		}
	})
}

func TestKeyringUsedWhenItAnswers(t *testing.T) {
	dir := t.TempDir()
	kr := &fakeKeyring{}
	m, err := OpenMaster(t.Context(), Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if m.Backend() != BackendKeyring || !strings.Contains(m.Location(), "impress/master-") {
		t.Fatalf("backend %s at %q", m.Backend(), m.Location())
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a key file was written although the keyring answered")
	}
	_, sealed, _ := m.NewDataKey("c")
	m2, err := OpenMaster(t.Context(), Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.OpenDataKey("c", sealed); err != nil {
		t.Fatalf("reopened keyring key differs: %v", err)
	}
	// The key is in the keyring, so forcing the file backend must fail
	// loudly rather than make a second key.
	if _, err := OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeFile, Keyring: kr}); err == nil {
		t.Error("IMPRESS_KEYRING=file silently replaced a keyring key")
	}
	// Keyring entry lost: say so, do not invent a new key.
	kr.m = nil
	if _, err := OpenMaster(t.Context(), Options{Dir: dir, Keyring: kr}); !errors.Is(err, ErrKeyLost) {
		t.Errorf("lost entry: %v, want ErrKeyLost", err)
	}
}

func TestGoKeyringMock(t *testing.T) {
	keyring.MockInit()
	m, err := OpenMaster(t.Context(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if m.Backend() != BackendKeyring {
		t.Fatalf("backend %s, want keyring", m.Backend())
	}
}

func TestKeyringlessFallback(t *testing.T) {
	t.Run("hanging keyring", func(t *testing.T) {
		hang := make(chan struct{})
		defer close(hang)
		dir := t.TempDir()
		start := time.Now()
		m, err := OpenMaster(t.Context(), Options{Dir: dir, Keyring: &fakeKeyring{hang: hang}, Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if m.Backend() != BackendFile || !strings.Contains(m.Note(), "no OS keyring answered") {
			t.Fatalf("backend %s note %q", m.Backend(), m.Note())
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("fallback took %s", time.Since(start))
		}
		// The next start uses the file and never asks the keyring again.
		kr := &fakeKeyring{hang: hang}
		if _, err := OpenMaster(t.Context(), Options{Dir: dir, Keyring: kr, Timeout: 50 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if kr.calls != 0 {
			t.Errorf("keyring called %d times with a key file present", kr.calls)
		}
	})
	t.Run("failing keyring", func(t *testing.T) {
		m, err := OpenMaster(t.Context(), Options{Dir: t.TempDir(), Keyring: &fakeKeyring{err: errors.New("no D-Bus session")}})
		if err != nil || m.Backend() != BackendFile || !strings.Contains(m.Note(), "no D-Bus session") {
			t.Fatalf("m=%v err=%v", m, err)
		}
	})
	t.Run("keyring that loses writes", func(t *testing.T) {
		m, err := OpenMaster(t.Context(), Options{Dir: t.TempDir(), Keyring: &fakeKeyring{corrupt: true}})
		if err != nil || m.Backend() != BackendFile {
			t.Fatalf("m=%v err=%v", m, err)
		}
	})
	t.Run("keyring required", func(t *testing.T) {
		dir := t.TempDir()
		_, err := OpenMaster(t.Context(), Options{Dir: dir, Mode: ModeKeyring, Keyring: &fakeKeyring{err: errors.New("locked")}})
		if !errors.Is(err, ErrNoKeyring) {
			t.Fatalf("err = %v, want ErrNoKeyring", err)
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFileName)); err == nil {
			t.Error("IMPRESS_KEYRING=keyring created a key file")
		}
	})
	t.Run("keyring key unreachable later", func(t *testing.T) {
		dir := t.TempDir()
		kr := &fakeKeyring{}
		if _, err := OpenMaster(t.Context(), Options{Dir: dir, Keyring: kr}); err != nil {
			t.Fatal(err)
		}
		hang := make(chan struct{})
		defer close(hang)
		kr.hang = hang
		_, err := OpenMaster(t.Context(), Options{Dir: dir, Keyring: kr, Timeout: 50 * time.Millisecond})
		if !errors.Is(err, ErrNoKeyring) {
			t.Fatalf("err = %v, want ErrNoKeyring", err)
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFileName)); err == nil {
			t.Error("a key file replaced an unreachable keyring key")
		}
	})
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]string{"": ModeAuto, "auto": ModeAuto, "FILE": ModeFile, "keyring": ModeKeyring} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("plaintext"); err == nil {
		t.Error("ParseMode(plaintext) accepted")
	}
	if _, err := OpenMaster(context.Background(), Options{Dir: t.TempDir(), Mode: "plain"}); err == nil {
		t.Error("OpenMaster accepted an unknown mode")
	}
}

// TestRemoveMaster: the key file, or the keyring entry and its id file,
// go; RemoveMaster says where the key was; what it sealed no longer opens
// with a new key; a keyring that does not answer keeps the id file.
func TestRemoveMaster(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	m, err := OpenMaster(ctx, Options{Dir: dir, Mode: ModeFile})
	if err != nil {
		t.Fatal(err)
	}
	_, sealed, _ := m.NewDataKey("main")
	before := Where(Options{Dir: dir})
	where, err := RemoveMaster(ctx, Options{Dir: dir, Mode: ModeFile})
	if where != before {
		t.Errorf("Where said %q before RemoveMaster said %q", before, where)
	}
	if err != nil || where != "key file "+filepath.Join(dir, KeyFileName) {
		t.Fatalf("RemoveMaster = %q, %v", where, err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("key file still there: %v", err)
	}
	m2, err := OpenMaster(ctx, Options{Dir: dir, Mode: ModeFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.OpenDataKey("main", sealed); err == nil {
		t.Error("a data key sealed under the removed master key opens with the new one")
	}
	if where, err := RemoveMaster(ctx, Options{Dir: t.TempDir()}); where != "" || err != nil {
		t.Errorf("nothing to remove: %q, %v", where, err)
	}

	kr := &fakeKeyring{}
	dir = t.TempDir()
	m, err = OpenMaster(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil || m.Backend() != BackendKeyring {
		t.Fatalf("keyring master: %v, %v", m, err)
	}
	kr.err = errors.New("dbus: no answer")
	if _, err := RemoveMaster(ctx, Options{Dir: dir, Keyring: kr}); err == nil {
		t.Fatal("a keyring that fails: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, KeyringIDFileName)); err != nil {
		t.Errorf("the id file went although the entry could not: %v", err)
	}
	kr.err = nil
	before = Where(Options{Dir: dir})
	where, err = RemoveMaster(ctx, Options{Dir: dir, Keyring: kr})
	if where != before || Where(Options{Dir: dir}) != "" {
		t.Errorf("Where: %q before, %q after; RemoveMaster said %q", before, Where(Options{Dir: dir}), where)
	}
	if err != nil || !strings.HasPrefix(where, "OS keyring, entry impress/master-") || len(kr.m) != 0 {
		t.Errorf("keyring: %q, %v, entries left %v", where, err, kr.m)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyringIDFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("id file still there: %v", err)
	}
}
