package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// The file helpers below stand for the three lines every test wrote around
// os.WriteFile, os.ReadFile and os.MkdirAll: do it, and fail the test at
// once when it cannot be done, since nothing after it would mean anything.

// WriteFile writes data to path with mode 0o600, creating the parent
// directories first, and returns path so that a fixture can be named and
// written in one line.
func WriteFile[D ~string | ~[]byte](tb testing.TB, path string, data D) string {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// ReadFile returns the content of path.
func ReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MkdirAll creates path and its parents (mode 0o700) and returns path.
func MkdirAll(tb testing.TB, path string) string {
	tb.Helper()
	if err := os.MkdirAll(path, 0o700); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Script writes an executable shell script (the "#!/bin/sh" line, then
// body) at path and returns path: the stand-in tools and browsers tests
// put where a real binary is configured.
func Script(tb testing.TB, path, body string) string {
	tb.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		tb.Fatal(err)
	}
	return path
}
