//go:build unix

package tui

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/impress-dev/impress/internal/testkit"
)

// TestPickerRefusesWhatIsNotAFile: the file picker lists a FIFO named
// like a clip; choosing it must be refused, not handed on to be opened.
func TestPickerRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "clip.mp4")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := checkPicked(fifo); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("checkPicked(fifo) = %v, want refused as a named pipe", err)
	}
	file := filepath.Join(dir, "ok.mp4")
	testkit.WriteFile(t, file, "x")
	if err := checkPicked(file); err != nil {
		t.Errorf("checkPicked(file) = %v", err)
	}
}
