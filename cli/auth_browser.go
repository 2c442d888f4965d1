package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// The browser side of `impress auth login`: whether a browser here can
// complete the login, how to open one, and the stdin lines it reads.

// remoteSession reports whether a browser opened here could not reach the
// loopback redirect, or could not open at all: an SSH session, or Linux
// (and other X11 systems) without a display.
func remoteSession(env func(string) string) bool {
	if env == nil {
		env = os.Getenv
	}
	if env("SSH_CONNECTION") != "" || env("SSH_TTY") != "" || env("SSH_CLIENT") != "" {
		return true
	}
	switch runtime.GOOS {
	case "darwin", "windows":
		return false
	}
	return env("DISPLAY") == "" && env("WAYLAND_DISPLAY") == ""
}

// openBrowser starts $BROWSER (a list separated by the path list separator,
// each entry a command with an optional %s), else the platform's opener,
// with the URL as one argument (never through a shell). It does not wait.
func openBrowser(url string, env func(string) string) error {
	if env == nil {
		env = os.Getenv
	}
	var cands [][]string
	for _, b := range strings.Split(env("BROWSER"), string(os.PathListSeparator)) {
		args := strings.Fields(b)
		if len(args) == 0 {
			continue
		}
		subst := false
		for i, a := range args {
			if strings.Contains(a, "%s") {
				args[i] = strings.ReplaceAll(a, "%s", url)
				subst = true
			}
		}
		if !subst {
			args = append(args, url)
		}
		cands = append(cands, args)
	}
	switch runtime.GOOS {
	case "darwin":
		cands = append(cands, []string{"open", url})
	case "windows":
		cands = append(cands, []string{"rundll32", "url.dll,FileProtocolHandler", url})
	default:
		cands = append(cands, []string{"xdg-open", url})
	}
	var errs []error
	for _, args := range cands {
		cmd := exec.Command(args[0], args[1:]...)
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		go cmd.Wait()
		return nil
	}
	return errors.Join(errs...)
}

// lineReader hands out stdin lines to whoever needs the next one (the
// paste loop, then the account prompt), from one reading goroutine.
type lineReader struct {
	in    io.Reader
	start chan struct{}
	lines chan string
}

func newLineReader(in io.Reader) *lineReader {
	return &lineReader{in: in, start: make(chan struct{}, 1), lines: make(chan string)}
}

func (r *lineReader) next(ctx context.Context) (string, bool) {
	select {
	case r.start <- struct{}{}:
		go func() {
			sc := bufio.NewScanner(r.in)
			sc.Buffer(make([]byte, 4096), 64<<10)
			for sc.Scan() {
				r.lines <- sc.Text()
			}
			close(r.lines)
		}()
	default:
	}
	select {
	case <-ctx.Done():
		return "", false
	case l, ok := <-r.lines:
		return l, ok
	}
}
