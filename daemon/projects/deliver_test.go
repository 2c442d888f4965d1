package projects

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	testkit.WriteFile(t, path, data)
}

func checkPlaced(t *testing.T, src, dst string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(dst)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s holds %d bytes (%v), want the %d of %s", dst, len(got), err, len(want), src)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o644 {
		t.Errorf("%s mode %o, want 0644", dst, fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".*.part-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// On one filesystem the result is the cache's own bytes (a reflink or a
// hard link), never a copy, and it replaces what was at dst.
func TestPlaceFileSameFilesystem(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "render.mp4"), filepath.Join(dir, "out.mp4")
	data := bytes.Repeat([]byte("impress "), 4096)
	writeFile(t, src, data)
	writeFile(t, dst, []byte("an older file"))
	how, err := placeFile(src, dst, "")
	if err != nil {
		t.Fatal(err)
	}
	checkPlaced(t, src, dst, data)
	a, _ := os.Stat(src)
	b, _ := os.Stat(dst)
	switch how {
	case "link":
		if !os.SameFile(a, b) {
			t.Error("placeFile says link, but the files differ")
		}
	case "reflink":
		if os.SameFile(a, b) {
			t.Error("a reflink must be a file of its own")
		}
	default:
		t.Errorf("placeFile on one filesystem = %q, want reflink or link", how)
	}
}

// Across filesystems (tmpfs /dev/shm against the temp dir, when they
// differ here) links fail with EXDEV and the file is copied.
func TestPlaceFileAcrossFilesystems(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "render.mp4")
	data := bytes.Repeat([]byte("reel "), 10000)
	writeFile(t, src, data)
	shm, err := os.MkdirTemp("/dev/shm", "impress-test-")
	if err != nil {
		t.Skipf("no /dev/shm here (%v); TestPlaceFileCopiesWhenRefused covers the copy", err)
	}
	defer os.RemoveAll(shm)
	a, _ := os.Stat(dir)
	b, _ := os.Stat(shm)
	if a.Sys().(*syscall.Stat_t).Dev == b.Sys().(*syscall.Stat_t).Dev {
		t.Skip("/dev/shm is on the temp dir's filesystem here")
	}
	if err := os.Link(src, filepath.Join(shm, "probe")); !errors.Is(err, syscall.EXDEV) {
		t.Fatalf("a link across filesystems = %v, want EXDEV", err)
	}
	dst := filepath.Join(shm, "out.mp4")
	how, err := placeFile(src, dst, "")
	if err != nil || how != "copy" {
		t.Fatalf("placeFile across filesystems = %q, %v; want a copy", how, err)
	}
	checkPlaced(t, src, dst, data)
}

// A filesystem that refuses reflinks and links gets a copy.
func TestPlaceFileCopiesWhenRefused(t *testing.T) {
	clone, link := cloneFile, linkFile
	t.Cleanup(func() { cloneFile, linkFile = clone, link })
	cloneFile = func(string, string) error { return syscall.EOPNOTSUPP }
	linkFile = func(o, n string) error { return &os.LinkError{Op: "link", Old: o, New: n, Err: syscall.EPERM} }
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "render.mp4"), filepath.Join(dir, "out.mp4")
	data := []byte("a small render")
	writeFile(t, src, data)
	how, err := placeFile(src, dst, "")
	if err != nil || how != "copy" {
		t.Fatalf("placeFile = %q, %v; want a copy", how, err)
	}
	checkPlaced(t, src, dst, data)
	a, _ := os.Stat(src)
	b, _ := os.Stat(dst)
	if os.SameFile(a, b) {
		t.Error("the copy is the same file")
	}
	// an unwritable destination is an error, and leaves nothing
	if _, err := placeFile(src, filepath.Join(dir, "no-such-dir", "out.mp4"), ""); err == nil {
		t.Error("placeFile into a missing directory succeeded")
	}
}

// A file that placeFile replaces is retired into the temporary directory
// and removed from there afterwards; dst holds the new bytes at once.
func TestPlaceFileRetiresWhatItReplaces(t *testing.T) {
	dir := t.TempDir()
	retire := filepath.Join(dir, "renders", "tmp")
	src, dst := filepath.Join(dir, "render.mp4"), filepath.Join(dir, "out.mp4")
	writeFile(t, dst, bytes.Repeat([]byte("old render "), 1000))
	writeFile(t, src, []byte("new render"))
	if _, err := placeFile(src, dst, retire); err != nil {
		t.Fatal(err)
	}
	checkPlaced(t, src, dst, []byte("new render"))
	waitRetired(t, retire)
	// a retire directory on another filesystem: the rename frees it itself
	if shm, err := os.MkdirTemp("/dev/shm", "impress-test-"); err == nil {
		defer os.RemoveAll(shm)
		writeFile(t, src, []byte("newer render"))
		if _, err := placeFile(src, dst, shm); err != nil {
			t.Fatal(err)
		}
		checkPlaced(t, src, dst, []byte("newer render"))
	}
}

// A file replaced by renameRetiring is swapped out (or, where the swap is
// refused, linked aside) and removed after, off the caller's path; a
// rename that fails leaves dst as it was.
func TestRenameRetiringSwapsOrLinksAside(t *testing.T) {
	for _, swap := range []bool{true, false} {
		t.Run(fmt.Sprintf("swap=%v", swap), func(t *testing.T) {
			if !swap {
				exchange := exchangeFiles
				t.Cleanup(func() { exchangeFiles = exchange })
				exchangeFiles = func(a, b string) error { return errors.ErrUnsupported }
			}
			dir := t.TempDir()
			retireDir := filepath.Join(dir, "renders", "tmp")
			tmp, dst := filepath.Join(dir, "new.part"), filepath.Join(dir, "key.mp4")
			writeFile(t, dst, []byte("old render"))
			writeFile(t, tmp, []byte("new render"))
			if err := renameRetiring(tmp, dst, retireDir); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(dst); string(got) != "new render" {
				t.Fatalf("dst = %q, want the new render", got)
			}
			if _, err := os.Lstat(tmp); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s is still there (%v)", tmp, err)
			}
			waitRetired(t, retireDir)
			if err := renameRetiring(filepath.Join(dir, "missing.part"), dst, retireDir); err == nil {
				t.Fatal("renaming a missing file succeeded")
			}
			if got, _ := os.ReadFile(dst); string(got) != "new render" {
				t.Errorf("after a failed rename dst = %q, want the file it had", got)
			}
		})
	}
}

// waitRetired waits until the retire directory dir exists and is empty:
// what was retired there has been removed.
func waitRetired(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("the retire directory was not made: %v", err)
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("retired files not removed: %v", left)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
