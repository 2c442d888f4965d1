package secrets

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Backend is where the master key is kept.
type Backend string

const (
	// BackendKeyring is the OS keyring.
	BackendKeyring Backend = "keyring"
	// BackendFile is the 0600 key file <data>/master.key.
	BackendFile Backend = "file"
)

// File names inside Options.Dir.
const (
	// KeyFileName holds the master key when no keyring is used.
	KeyFileName = "master.key"
	// KeyringIDFileName names the keyring entry that holds the master key.
	// It is not secret; it moves with the data directory so a moved or
	// copied directory still finds its key, and two data directories
	// (IMPRESS_HOME) never share one.
	KeyringIDFileName = "keyring.id"
)

// DefaultTimeout bounds every keyring call: a Secret Service behind a
// locked or absent D-Bus session can block for ever (gh uses 3 s too).
const DefaultTimeout = 3 * time.Second

// DefaultService is the keyring service name.
const DefaultService = "impress"

// Keyring is the subset of github.com/zalando/go-keyring used here; tests
// substitute a fake (or call keyring.MockInit and keep [SystemKeyring]).
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// SystemKeyring is the OS keyring through go-keyring.
type SystemKeyring struct{}

func (SystemKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (SystemKeyring) Set(service, user, pw string) error       { return keyring.Set(service, user, pw) }
func (SystemKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// Modes accepted by [Options.Mode] (the IMPRESS_KEYRING variable).
const (
	ModeAuto    = ""        // keyring when one answers, else key file
	ModeKeyring = "keyring" // keyring or fail
	ModeFile    = "file"    // key file, never the keyring (CI, tests)
)

// ParseMode validates an IMPRESS_KEYRING value.
func ParseMode(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return ModeAuto, nil
	case "keyring":
		return ModeKeyring, nil
	case "file":
		return ModeFile, nil
	}
	return "", fmt.Errorf("secrets: IMPRESS_KEYRING=%q: want keyring, file or auto", s)
}

// Options say where the master key lives.
type Options struct {
	// Dir is the data directory (0700); the key file and the keyring id
	// file are created in it.
	Dir string
	// Mode is ModeAuto, ModeKeyring or ModeFile.
	Mode string
	// Keyring defaults to SystemKeyring.
	Keyring Keyring
	// Timeout bounds each keyring call (default DefaultTimeout).
	Timeout time.Duration
	// Service is the keyring service name (default DefaultService).
	Service string
}

// defaults fills in what the zero value of each option means.
func (o *Options) defaults() {
	if o.Keyring == nil {
		o.Keyring = SystemKeyring{}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Service == "" {
		o.Service = DefaultService
	}
}

// Master is the master key and where it is kept.
type Master struct {
	key      []byte
	backend  Backend
	location string
	note     string
}

// Backend is where the key is kept.
func (m *Master) Backend() Backend { return m.backend }

// Location names the key's place for people: the keyring entry or the file.
func (m *Master) Location() string { return m.location }

// Note explains a key-file choice made automatically (why no keyring), or
// is empty.
func (m *Master) Note() string { return m.note }

// String hides the key from fmt.
func (m *Master) String() string {
	return "secrets.Master{" + string(m.backend) + " " + m.location + ", [REDACTED]}"
}

// GoString hides the key from %#v.
func (m *Master) GoString() string { return m.String() }

// NewDataKey makes a random data key for a connection and returns it with
// its sealed form, which the caller stores (store keys/<conn>).
func (m *Master) NewDataKey(conn string) (*DataKey, []byte, error) {
	k, err := randomKey()
	if err != nil {
		return nil, nil, err
	}
	sealed, err := seal(m.key, adFor("impress/datakey/v1", conn), k)
	if err != nil {
		return nil, nil, err
	}
	return &DataKey{conn: conn, key: k}, sealed, nil
}

// OpenDataKey unseals a connection's data key.
func (m *Master) OpenDataKey(conn string, sealed []byte) (*DataKey, error) {
	k, err := open(m.key, adFor("impress/datakey/v1", conn), sealed)
	if err != nil {
		return nil, fmt.Errorf("open data key of connection %q: %w", conn, err)
	}
	return &DataKey{conn: conn, key: k}, nil
}

// OpenMaster finds the master key, creating it on first use:
//
//   - an existing key file is used (whatever the keyring could do), after
//     checking that it is a regular 0600 file of ours;
//   - an existing keyring id file means the key is in the keyring; a
//     keyring that does not answer is then an error, never a reason to
//     make a new key (the sealed data would become unreadable);
//   - otherwise a new key goes to the keyring when one answers, else to a
//     new key file, and [Master.Note] says why.
//
// Mode forces one backend: ModeFile never calls the keyring, ModeKeyring
// fails rather than create a file.
func OpenMaster(ctx context.Context, o Options) (*Master, error) {
	if o.Dir == "" {
		return nil, errors.New("secrets: no data directory")
	}
	mode, err := ParseMode(o.Mode)
	if err != nil {
		return nil, err
	}
	o.defaults()
	keyPath := filepath.Join(o.Dir, KeyFileName)
	idPath := filepath.Join(o.Dir, KeyringIDFileName)

	haveFile := exists(keyPath)
	id, idErr := readKeyringID(idPath)
	haveID := idErr == nil
	if idErr != nil && !errors.Is(idErr, fs.ErrNotExist) {
		return nil, idErr
	}

	switch {
	case haveFile && mode == ModeKeyring:
		return nil, fmt.Errorf("secrets: IMPRESS_KEYRING=keyring, but the master key is kept in the key file %s; unset IMPRESS_KEYRING to use it", keyPath)
	case haveFile:
		m, err := readKeyFile(keyPath)
		if err == nil {
			m.note = "no OS keyring answered when it was created"
			if mode == ModeFile {
				m.note = "IMPRESS_KEYRING=file"
			}
		}
		return m, err
	case haveID && mode == ModeFile:
		return nil, fmt.Errorf("secrets: IMPRESS_KEYRING=file, but the master key is kept in the OS keyring (entry %s/%s named by %s); unset IMPRESS_KEYRING to use it", o.Service, id, idPath)
	case haveID:
		return o.keyringGet(ctx, id, idPath)
	case mode == ModeFile:
		return createKeyFile(keyPath, "IMPRESS_KEYRING=file")
	}
	m, err := o.keyringCreate(ctx, idPath)
	if err == nil {
		return m, nil
	}
	if mode == ModeKeyring || !errors.Is(err, ErrNoKeyring) {
		return nil, err
	}
	return createKeyFile(keyPath, "no OS keyring answered ("+err.Error()+")")
}

// Compiled on first use rather than at package init, which every impress
// command would pay for.
var reKeyringID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^master-[0-9a-f]{16}$`) })

func readKeyringID(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("secrets: read %s: %w", path, err)
	}
	id := strings.TrimSpace(string(data))
	if !reKeyringID().MatchString(id) {
		return "", fmt.Errorf("secrets: %s does not name a keyring entry (want master-<16 hex digits>)", path)
	}
	return id, nil
}

// call runs fn with the timeout. A call that never returns leaves its
// goroutine behind; that is the price of a keyring library without
// contexts, and it is bounded by the few calls a daemon makes.
func (o Options) call(ctx context.Context, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: no answer within %s", ErrNoKeyring, o.Timeout)
	}
}

func (o Options) keyringGet(ctx context.Context, id, idPath string) (*Master, error) {
	var v string
	err := o.call(ctx, func() error {
		var err error
		v, err = o.Keyring.Get(o.Service, id)
		return err
	})
	where := fmt.Sprintf("OS keyring, entry %s/%s", o.Service, id)
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return nil, fmt.Errorf("%w: %s (named by %s) is gone; the stored tokens cannot be read: remove %s and log in again with `impress auth login`", ErrKeyLost, where, idPath, idPath)
	case errors.Is(err, ErrNoKeyring):
		return nil, fmt.Errorf("secrets: the master key is in the %s, which did not answer: %w; unlock the keyring (a daemon started outside your desktop session may not reach it)", where, err)
	case err != nil:
		return nil, fmt.Errorf("secrets: read the master key from the %s: %w: %v", where, ErrNoKeyring, err)
	}
	key, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("secrets: the %s does not hold a %d-byte key", where, KeySize)
	}
	return &Master{key: key, backend: BackendKeyring, location: where}, nil
}

// keyringCreate stores a new key in the keyring and then records its entry
// in the id file (O_EXCL). Any keyring failure is wrapped in ErrNoKeyring
// so that auto mode falls back to the key file.
func (o Options) keyringCreate(ctx context.Context, idPath string) (*Master, error) {
	key, err := randomKey()
	if err != nil {
		return nil, err
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("secrets: keyring id: %w", err)
	}
	id := "master-" + hex.EncodeToString(rnd[:])
	enc := base64.StdEncoding.EncodeToString(key)
	if err := o.call(ctx, func() error { return o.Keyring.Set(o.Service, id, enc) }); err != nil {
		if errors.Is(err, ErrNoKeyring) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	// Read it back: some keyrings accept a write they cannot serve.
	var got string
	err = o.call(ctx, func() error {
		var err error
		got, err = o.Keyring.Get(o.Service, id)
		return err
	})
	if err != nil || got != enc {
		o.call(ctx, func() error { return o.Keyring.Delete(o.Service, id) })
		if err == nil {
			err = errors.New("read back a different value")
		}
		if !errors.Is(err, ErrNoKeyring) {
			err = fmt.Errorf("%w: %v", ErrNoKeyring, err)
		}
		return nil, err
	}
	f, err := os.OpenFile(idPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		_, err = io.WriteString(f, id+"\n")
		if serr := f.Sync(); err == nil {
			err = serr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.Remove(idPath)
		o.call(ctx, func() error { return o.Keyring.Delete(o.Service, id) })
		return nil, fmt.Errorf("secrets: record the keyring entry in %s: %w", idPath, err)
	}
	syncDir(filepath.Dir(idPath))
	return &Master{key: key, backend: BackendKeyring, location: fmt.Sprintf("OS keyring, entry %s/%s", o.Service, id)}, nil
}

// createKeyFile writes a new key to path, which must not exist (O_EXCL: if
// two processes race, one fails rather than both writing different keys).
func createKeyFile(path, why string) (*Master, error) {
	key, err := randomKey()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
	if err != nil {
		return nil, fmt.Errorf("secrets: create key file: %w", err)
	}
	err = f.Chmod(0o600)
	if err == nil {
		_, err = io.WriteString(f, base64.StdEncoding.EncodeToString(key)+"\n")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("secrets: write key file %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return &Master{key: key, backend: BackendFile, location: path, note: why}, nil
}

// readKeyFile reads and checks the key file: a regular file (not a
// symlink), owned by us, no permission bits for group or others.
func readKeyFile(path string) (*Master, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return nil, fmt.Errorf("secrets: open key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secrets: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrUnsafeKeyFile, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; others may have read it. If you trust it, `chmod 600 %s`", ErrUnsafeKeyFile, path, perm, path)
	}
	if uid, ok := ownerUID(fi); ok && uid != os.Getuid() {
		return nil, fmt.Errorf("%w: %s belongs to uid %d, not to you (uid %d)", ErrUnsafeKeyFile, path, uid, os.Getuid())
	}
	data, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		return nil, fmt.Errorf("secrets: read key file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("secrets: %s does not hold a %d-byte base64 key", path, KeySize)
	}
	return &Master{key: key, backend: BackendFile, location: path}, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// RemoveMaster deletes the master key of o.Dir wherever it is kept — the
// key file, or the keyring entry and the id file that names it — and says
// where it was ("" when there was none). Everything sealed under the key
// becomes unreadable, which is the point (`privacy purge --all`). A
// keyring that does not answer is an error, and the id file is kept then,
// so a later try finds the entry again.
func RemoveMaster(ctx context.Context, o Options) (string, error) {
	if o.Dir == "" {
		return "", errors.New("secrets: no data directory")
	}
	o.defaults()
	keyPath := filepath.Join(o.Dir, KeyFileName)
	idPath := filepath.Join(o.Dir, KeyringIDFileName)
	var where []string
	if exists(keyPath) {
		if err := os.Remove(keyPath); err != nil {
			return "", fmt.Errorf("secrets: remove the key file: %w", err)
		}
		syncDir(o.Dir)
		where = append(where, "key file "+keyPath)
	}
	id, err := readKeyringID(idPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return strings.Join(where, ", "), err
	default:
		entry := fmt.Sprintf("OS keyring, entry %s/%s", o.Service, id)
		err := o.call(ctx, func() error { return o.Keyring.Delete(o.Service, id) })
		if err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return strings.Join(where, ", "), fmt.Errorf("secrets: remove the master key from the %s: %w", entry, err)
		}
		if err := os.Remove(idPath); err != nil {
			return strings.Join(where, ", "), fmt.Errorf("secrets: remove %s: %w", idPath, err)
		}
		syncDir(o.Dir)
		where = append(where, entry)
	}
	return strings.Join(where, ", "), nil
}

// Where says where the master key of o.Dir is kept, from the files that
// name it, without calling the keyring ("" when there is none yet).
func Where(o Options) string {
	o.defaults()
	var where []string
	if exists(filepath.Join(o.Dir, KeyFileName)) {
		where = append(where, "key file "+filepath.Join(o.Dir, KeyFileName))
	}
	if id, err := readKeyringID(filepath.Join(o.Dir, KeyringIDFileName)); err == nil {
		where = append(where, fmt.Sprintf("OS keyring, entry %s/%s", o.Service, id))
	}
	return strings.Join(where, ", ")
}
