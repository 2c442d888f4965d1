package privacy

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
)

// The purge is killed (SIGKILL, no cleanup of any kind) in a child
// process at every step boundary: after a step's work but before it is
// recorded, and right after it is recorded. The parent then starts the
// daemon again on the same files: the purge must be finished before the
// local API answers, the receipt verified, no byte of the purged
// connection left anywhere, the other connection untouched.

// TestPrivacyDaemonChild is the child: it opens the home the parent
// prepared and runs startPrivacy with a hook that kills the process at
// the step named by IMPRESS_PRIVACY_KILL ("delete:false").
func TestPrivacyDaemonChild(t *testing.T) {
	home := daemontest.ChildHome(t, "IMPRESS_PRIVACY_CHILD")
	step, saved, _ := strings.Cut(os.Getenv("IMPRESS_PRIVACY_KILL"), ":")
	e := &privEnv{t: t, home: home, paths: daemontest.HomePaths(home), clock: daemontest.NewClock(time.Now().UTC()), env: map[string]string{}}
	for _, k := range []string{"IMPRESS_META_ENDPOINT", "IMPRESS_META_APP_ID", "IMPRESS_META_APP_SECRET"} {
		e.env[k] = os.Getenv(k)
	}
	e.hook = func(s string, sv bool) error {
		if s == step && fmt.Sprint(sv) == saved {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
		return nil
	}
	if err := e.start(); err != nil {
		t.Fatalf("child start: %v", err)
	}
	t.Fatalf("the purge finished without reaching %s:%s", step, saved)
}

func TestPurgeSurvivesKillAtEveryStep(t *testing.T) {
	t.Setenv("IMPRESS_KEYRING", "file")
	type point struct {
		step  string
		saved bool
	}
	var points []point
	for _, s := range []string{api.PurgePlanned, api.PurgeRevoke, api.PurgeShred, api.PurgeDelete, api.PurgeCompact, api.PurgeScan} {
		points = append(points, point{s, false}, point{s, true})
	}
	points = append(points, point{api.PurgeDone, false})
	for _, p := range points {
		t.Run(fmt.Sprintf("%s-saved=%v", p.step, p.saved), func(t *testing.T) {
			t.Parallel()
			e := newPrivEnv(t)
			main, brand := plantTwo(e)
			code, err := newConfirmationCode()
			if err != nil {
				t.Fatal(err)
			}
			// Recorded as the CLI records it; the child daemon runs it.
			if err := e.s.newPurge(t.Context(), code, purgeTarget{Scope: api.ScopeConnection, Target: "brand"}, api.SourceCLI, ""); err != nil {
				t.Fatal(err)
			}
			e.stop()

			cmd := exec.Command(os.Args[0], "-test.run=^TestPrivacyDaemonChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "IMPRESS_PRIVACY_CHILD="+e.home,
				fmt.Sprintf("IMPRESS_PRIVACY_KILL=%s:%v", p.step, p.saved))
			for k, v := range e.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child was not killed at %s: %v\n%s", p.step, err, out)
			}
			rec, err := readPurgeStep(e, code)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("killed at %s (saved=%v); recorded step %s", p.step, p.saved, rec)

			if err := e.start(); err != nil {
				t.Fatalf("restart: %v", err)
			}
			// Finished before the first request could be served.
			r, err := e.s.DB.Receipt(code)
			if err != nil {
				t.Fatalf("no receipt right after the restart: %v", err)
			}
			rc, err := receiptOf(r)
			if err != nil {
				t.Fatal(err)
			}
			if !rc.Verified || rc.Counts[cntComments] != 1 || rc.Counts[cntPublish] != bulkJobs {
				t.Errorf("receipt after the kill: %+v (scan %+v)", rc, rc.Scan)
			}
			if ps, _ := e.s.DB.Purges(); len(ps) != 0 {
				t.Errorf("purges left: %+v", ps)
			}
			e.assertGone(brand)
			e.assertIntact(main)
			receiptClean(t, rc, main, brand)
		})
	}
}

// readPurgeStep opens the store the child left, read-only in spirit, to
// say where the kill happened (for the log of a failing run).
func readPurgeStep(e *privEnv, code string) (string, error) {
	if err := e.build(); err != nil {
		return "", err
	}
	defer func() {
		e.s.DB.Close()
		e.s.LogFile.Close()
		e.s = nil
	}()
	p, err := e.s.DB.Purge(code)
	if err != nil {
		if _, rerr := e.s.DB.Receipt(code); rerr == nil {
			return "done", nil
		}
		return "", err
	}
	return p.Step, nil
}
