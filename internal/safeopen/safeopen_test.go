//go:build unix

package safeopen

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/impress-dev/impress/internal/testkit"
)

// TestRefusesWhatIsNotAFile: each kind of non-file is refused at once with
// its name — above all a FIFO, whose plain open(2) blocks until a writer
// comes (on b62770a `impress render f.mp4` of a FIFO hung for good).
func TestRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "f.mp4")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sock := filepath.Join(dir, "s.mp4")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	file := filepath.Join(dir, "a.mp4")
	testkit.WriteFile(t, file, "0123456789")
	link := filepath.Join(dir, "l.mp4")
	os.Symlink(file, link)

	for _, c := range []struct {
		path   string
		o      Options
		reason string
		is     error
	}{
		{fifo, Options{}, "named pipe (FIFO)", ErrNotRegular},
		{sock, Options{}, "a socket", ErrNotRegular},
		{dir, Options{}, "a directory", ErrNotRegular},
		{"/dev/null", Options{}, "a device", ErrNotRegular},
		{filepath.Join(dir, "none.mp4"), Options{}, "no such file", fs.ErrNotExist},
		{file, Options{MaxSize: 9}, "10 bytes, more than the 9 bytes allowed", ErrTooLarge},
		{link, Options{NoFollow: true}, "a symbolic link", ErrNotRegular},
	} {
		f, _, err := Open(c.path, c.o)
		if err == nil {
			f.Close()
			t.Errorf("Open(%s) succeeded", c.path)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Reason, c.reason) || !errors.Is(err, c.is) {
			t.Errorf("Open(%s) = %v, want %q and errors.Is %v", c.path, err, c.reason, c.is)
		}
		if _, err := Check(c.path, c.o); err == nil || !errors.Is(err, c.is) {
			t.Errorf("Check(%s) = %v, want errors.Is %v", c.path, err, c.is)
		}
	}
	if _, err := ReadFile(fifo, 100); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(fifo) = %v", err)
	}
	// regular files, links to them by default, read whole
	for _, p := range []string{file, link} {
		data, err := ReadFile(p, 10)
		if err != nil || string(data) != "0123456789" {
			t.Errorf("ReadFile(%s) = %q, %v", p, data, err)
		}
	}
	f, fi, err := Open(file, Options{NoFollow: true})
	if err != nil || fi.Size() != 10 {
		t.Fatalf("Open = %v, %v", fi, err)
	}
	// the descriptor reads like any other (blocking mode restored)
	buf := make([]byte, 4)
	if n, err := f.Read(buf); n != 4 || err != nil {
		t.Errorf("Read = %d, %v", n, err)
	}
	f.Close()
}
