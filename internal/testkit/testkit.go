// Package testkit holds the small fakes that tests across the tree share:
// a clock that moves only when told, a buffer safe to read while another
// goroutine writes it, and file helpers that fail the test on error
// (files.go). It is a test helper: only _test.go files
// (and other test helpers) may import it (internal/archtest checks), and
// it imports the standard library only.
package testkit

import (
	"bytes"
	"sync"
	"time"
)

// Clock is a fake clock, stopped until Advance moves it. Its Now can be
// handed to the daemon and to the Meta sandbox alike, so that token ages
// agree on both sides.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// SyncBuffer is an output stream (a log, a command's stdout) that a test
// reads while the code under test writes it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// ErrOf drops a call's value and keeps its error, so that a table of calls
// whose errors a test checks reads one call a line:
// func() error { return testkit.ErrOf(c.Me(ctx)) }.
func ErrOf[T any](_ T, err error) error { return err }
