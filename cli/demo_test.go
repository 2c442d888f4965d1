package cli

import (
	"strings"
	"syscall"
	"testing"

	"github.com/impress-dev/impress/internal/ffmpegtest"
)

// TestDemo runs `impress demo` end to end (sandbox, daemon, ffmpeg,
// render, publish, comments) in a temporary home, as `make demo` does.
func TestDemo(t *testing.T) {
	ffmpegtest.Require(t)
	t.Setenv("IMPRESS_KEYRING", "file")
	// The in-process daemon sets the process umask; give it back.
	old := syscall.Umask(0o077)
	t.Cleanup(func() { syscall.Umask(old) })
	io, _, out, errOut := TestIO()
	home := t.TempDir()
	if err := runDemo(t.Context(), &demoOptions{baseOptions: baseOptions{IO: io}, Version: "test", Home: home}); err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	text := out.String()
	for _, want := range []string{
		"$ impress render demo.yaml",
		"$ impress auth login --with-token < token.txt",
		"published reel → default: https://",
		"already done: published reel → default",
		"published carousel → default: https://",
		"$ impress comments reply ",
		"demo done in",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
}
