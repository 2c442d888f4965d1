package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/cli"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "update testscript files with actual output")

// scriptCmds are the custom testscript commands, all in this one table
// (each is written in its feature's *_script_test.go): a name given twice
// is a compile error here, where two files registering it from init would
// silently let one replace the other.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"waitdaemon": waitDaemon,
	"socketmode": socketMode,
	"filemode":   fileMode,
	// auth_script_test.go
	"metatoken":    metaToken,
	"sandboxadmin": sandboxAdmin,
	"notleaked":    notLeaked,
	// ci_script_test.go
	"runner":      runner,
	"live":        liveCount,
	"waitsandbox": waitSandbox,
	// community_script_test.go
	"commport":     commPort,
	"commwaitlog":  commWaitLog,
	"commcomment":  commComment,
	"writehostile": writeHostile,
	// doctor_script_test.go
	"dofixes":  doFixes,
	"envfile":  envFile,
	"holdport": holdPort,
	// privacy_script_test.go
	"privhome":     privHome,
	"privzip":      privZip,
	"privfield":    privField,
	"privdeletion": privDeletion,
	"privwait":     privWait,
	"privget":      privGet,
	// publish_script_test.go
	"mkreel":     mkReel,
	"published":  publishedCount,
	"killdaemon": killDaemon,
	// render_script_test.go
	"mkclip":    mkClip,
	"mkimage":   mkImage,
	"exitcode":  exitCode,
	"waitstage": waitStage,
	"nofiles":   noFiles,
}

// scriptSetups run for every script after the common environment is set:
// startSandbox (auth_script_test.go) serves a sandbox and exports
// IMPRESS_META_ENDPOINT.
var scriptSetups = []func(e *testscript.Env) error{startSandbox}

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"impress":     func() { os.Exit(cli.Main()) },
		"fakebrowser": func() { os.Exit(fakeBrowser()) },
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("IMPRESS_HOME", home)
			// The work dir is long; give the socket a short path of its own
			// that is unique per script.
			sock, err := os.MkdirTemp("", "imps")
			if err != nil {
				return err
			}
			e.Defer(func() { os.RemoveAll(sock) })
			e.Setenv("IMPRESS_SOCKET", filepath.Join(sock, "d.sock"))
			e.Setenv("HOME", filepath.Join(e.WorkDir, "userhome"))
			e.Setenv("XDG_RUNTIME_DIR", "")
			e.Setenv("CI", "1")
			e.Setenv("NO_COLOR", "1")
			if p, err := exec.LookPath("ffmpeg"); err == nil {
				e.Setenv("FFMPEG_DIR", filepath.Dir(p))
			}
			// Whatever a script starts, stop the daemon it auto-started.
			e.Defer(func() { stopDaemon(filepath.Join(sock, "d.sock")) })
			for _, s := range scriptSetups {
				if err := s(e); err != nil {
					return err
				}
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "ffmpeg":
				_, err := exec.LookPath("ffmpeg")
				if err != nil && os.Getenv("IMPRESS_REQUIRE_FFMPEG") == "1" {
					return false, fmt.Errorf("ffmpeg is required (IMPRESS_REQUIRE_FFMPEG=1) but not on PATH")
				}
				return err == nil, nil
			case "root":
				return os.Getuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: scriptCmds,
	})
}

func stopDaemon(socket string) {
	c := api.NewClient(socket)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		return
	}
	for ctx.Err() == nil {
		if _, err := c.Ping(ctx); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDaemon polls GET /v1/ping until the daemon answers (10 s deadline);
// with ! it waits until it stops answering.
func waitDaemon(ts *testscript.TestScript, neg bool, args []string) {
	c := api.NewClient(ts.Getenv("IMPRESS_SOCKET"))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.Ping(ctx)
		cancel()
		if (err == nil) != neg {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	if neg {
		ts.Fatalf("daemon still answering after 10 s")
	}
	ts.Fatalf("daemon did not answer within 10 s")
}

// socketMode checks the socket's permission bits: socketmode 0600
func socketMode(ts *testscript.TestScript, neg bool, args []string) {
	checkMode(ts, neg, ts.Getenv("IMPRESS_SOCKET"), args)
}

// fileMode checks a file's permission bits: filemode PATH 0600
func fileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode PATH MODE")
	}
	checkMode(ts, neg, ts.MkAbs(args[0]), args[1:])
}

func checkMode(ts *testscript.TestScript, neg bool, path string, args []string) {
	if len(args) != 1 {
		ts.Fatalf("want one mode argument")
	}
	fi, err := os.Stat(path)
	ts.Check(err)
	got := fmt.Sprintf("%04o", fi.Mode().Perm())
	if (got == strings.TrimSpace(args[0])) == neg {
		ts.Fatalf("%s mode %s, want %s%s", path, got, map[bool]string{true: "not ", false: ""}[neg], args[0])
	}
}
