package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/bench/internal/benchkit"
)

// build is one impress binary under test and its home.
type build struct {
	label, bin string
	h          *home
}

// home is a throw-away IMPRESS_HOME with a short socket path of its own.
type home struct {
	dir, socket string
	env         []string
}

func newHome(tmp string, extraEnv ...string) (*home, error) {
	dir, err := os.MkdirTemp(tmp, "home")
	if err != nil {
		return nil, err
	}
	sockDir, err := os.MkdirTemp("", "icb")
	if err != nil {
		return nil, err
	}
	h := &home{dir: dir, socket: filepath.Join(sockDir, "d.sock")}
	h.env = append(benchkit.HomeEnv(dir, h.socket), extraEnv...)
	return h, nil
}

func (h *home) client() *api.Client { return api.NewClient(h.socket) }

// sample is one timed run: wall clock, and CPU time (user + system) of
// every process that did the work — the CLI, and the daemon with the
// ffmpeg and ffprobe children it waited for.
type sample = benchkit.Sample

// runCLI runs bin with args on home h and times it. The daemon's CPU is
// the growth of its /proc counters (its own and its waited-for children's)
// across the run; a daemon that the run started (auto-start) counts from
// zero.
func (h *home) runCLI(bin string, args ...string) (sample, []byte, error) {
	pid0 := h.daemonPID()
	cpu0 := procCPU(pid0)
	cmd := exec.Command(bin, args...)
	cmd.Env = h.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, nil, fmt.Errorf("impress %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	cli := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	pid1 := h.daemonPID()
	var daemon time.Duration
	switch {
	case pid1 == 0:
	case pid1 == pid0:
		daemon = procCPU(pid1) - cpu0
	default:
		daemon = procCPU(pid1)
	}
	return sample{Wall: wall, CPU: cli + daemon}, stdout.Bytes(), nil
}

// daemonPID is the running daemon's pid, 0 when none answers.
func (h *home) daemonPID() int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	p, err := h.client().Ping(ctx)
	if err != nil {
		return 0
	}
	return p.PID
}

// procCPU is a process's CPU time plus that of the children it waited
// for (/proc/PID/stat utime, stime, cutime, cstime), 0 if it is gone.
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// the command name (field 2) may hold spaces: count from its ")"
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	var ticks int64
	for _, i := range []int{11, 12, 13, 14} { // fields 14–17 of stat(5)
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// start starts the daemon of b on its home unless one answers.
func (b *build) start() error {
	if b.h.daemonPID() != 0 {
		return nil
	}
	cmd := exec.Command(b.bin, "daemon", "start")
	cmd.Env = b.h.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s daemon start: %v\n%s", b.label, err, out)
	}
	return nil
}

// stop stops the daemon of b and waits until it is gone.
func (b *build) stop() error {
	pid := b.h.daemonPID()
	if pid == 0 {
		return nil
	}
	cmd := exec.Command(b.bin, "daemon", "stop")
	cmd.Env = b.h.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s daemon stop: %v\n%s", b.label, err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: daemon %d still running 20 s after stop", b.label, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// renderedArgv finds the ffmpeg command of render job id in the daemon
// log ("render finished" records carry it, shell-quoted).
func (h *home) renderedArgv(jobID string) ([]string, error) {
	f, err := os.Open(filepath.Join(h.dir, "home", "state", "daemon.log"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var command string
	for sc.Scan() {
		var rec struct {
			Msg     string `json:"msg"`
			Job     uint64 `json:"job"`
			Command string `json:"command"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Msg != "render finished" {
			continue
		}
		if strconv.FormatUint(rec.Job, 10) == jobID {
			command = rec.Command
		}
	}
	if command == "" {
		return nil, fmt.Errorf("no \"render finished\" record of job %s with its command in the daemon log (a build that logs it is needed)", jobID)
	}
	return shellSplit(command)
}

// shellSplit undoes render.ShellJoin: words split at spaces, quoted
// words in single quotes, a quote inside one written as quote, backslash,
// quote, quote (the shell's idiom).
func shellSplit(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '\'':
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
