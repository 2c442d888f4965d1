package daemon

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPeerCredentialsRefuseOtherUsers puts the socket where anyone could
// reach it (so only the uid check stands in the way) and connects as
// "nobody". The connection must be closed without an answer, and the same
// request from our own uid must succeed.
func TestPeerCredentialsRefuseOtherUsers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another uid")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	dir, err := os.MkdirTemp("", "impcred")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(sock, 0o777)
	var logBuf bytes.Buffer
	cl := &credListener{Listener: ln, uid: os.Getuid(), log: slog.New(slog.NewTextHandler(&logBuf, nil))}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret-answer") })}
	go srv.Serve(cl)
	defer srv.Close()

	run := func(uid uint32) (string, error) {
		cmd := exec.Command(curl, "-sS", "--max-time", "5", "--unix-socket", sock, "http://impress.sock/v1/ping")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(0)
	if err != nil || !strings.Contains(out, "secret-answer") {
		t.Fatalf("same-uid request: %q, %v", out, err)
	}
	out, err = run(65534)
	if err == nil || strings.Contains(out, "secret-answer") {
		t.Fatalf("uid 65534 got an answer: %q, %v", out, err)
	}
	if !strings.Contains(logBuf.String(), "peer_uid=65534") {
		t.Errorf("refusal not logged (curl said %q): %s", out, logBuf.String())
	}
}
