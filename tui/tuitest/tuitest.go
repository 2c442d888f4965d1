// Package tuitest holds what the tests of a whole bubbletea program share
// (the TUI's own and the CLI's editor test against a real daemon): waiting
// until the screen shows something. It is a test helper: only _test.go
// files may import it (internal/archtest checks).
package tuitest

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
)

// WaitScreen waits, for d at most, until the program's output has shown
// every one of wants; past d the test fails.
func WaitScreen(t testing.TB, tm *teatest.TestModel, d time.Duration, wants ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range wants {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(d), teatest.WithCheckInterval(10*time.Millisecond))
}
