package cli

import (
	"fmt"
	"strings"
	"testing"
)

// countingWriter counts the Write calls it gets (each one is a write(2)
// when the writer is stdout).
type countingWriter struct {
	strings.Builder
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Builder.Write(p)
}

// A long table reaches stdout in a few large writes, not one per cell:
// `impress project list` with 1,000 projects made 12,000 write calls.
func TestTableWritesInBulk(t *testing.T) {
	rows := make([][]string, 1000)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("p%04d", i), "reels", "0", "-", "0", "just now"}
	}
	var w countingWriter
	if err := table(&w, []string{"NAME", "PRESET", "CLIPS", "LENGTH", "ASSETS", "UPDATED"}, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) != 1001 {
		t.Fatalf("got %d lines, want the header and 1000 rows", len(lines))
	}
	if want := "p0999  reels   0      -       0       just now"; lines[1000] != want {
		t.Errorf("last row %q, want %q (columns aligned, two spaces apart)", lines[1000], want)
	}
	if w.writes > 4 {
		t.Errorf("table made %d writes for %d bytes; want a few buffered ones", w.writes, w.Len())
	}
}
