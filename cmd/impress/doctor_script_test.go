package main

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/impress-dev/impress/internal/shell"
	"github.com/rogpeppe/go-internal/testscript"
)

// Commands for doctor_*.txtar: every fix `impress doctor` prints must be
// a command that works as printed.

// fakeBrowser is $BROWSER for the scripts: it opens the address it is
// given and follows the redirects, as a browser on this machine does, so
// `impress auth login` against the sandbox completes without a person.
func fakeBrowser() int {
	if len(os.Args) < 2 {
		return 2
	}
	resp, err := http.Get(os.Args[len(os.Args)-1])
	if err != nil {
		return 1
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return 0
}

// externalTools are the programs a fix may name that a test cannot run
// (they install packages); their commands are checked for form only.
var externalTools = []string{"sudo", "brew", "winget"}

// doFixes runs, as printed, the commands of the fixes `impress doctor`
// prints now: each backquoted command of each check's fix, through sh -c
// in the script's environment, in doctor's order. With CHECK names only
// those checks' fixes run, and each must print at least one command. A
// command that fails fails the script with its output.
//
//	dofixes [CHECK...]
func doFixes(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: dofixes [CHECK...]")
	}
	_ = ts.Exec("impress", "doctor", "--json") // exit 1 on any FAIL
	var checks []struct{ Name, Status, Fix string }
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &checks); err != nil {
		ts.Fatalf("doctor --json: %v\n%s", err, ts.ReadFile("stdout"))
	}
	ran := map[string]int{}
	for _, ch := range checks {
		if len(args) > 0 && !slices.Contains(args, ch.Name) {
			continue
		}
		for _, cmd := range shell.Commands(ch.Fix) {
			first, _, _ := strings.Cut(strings.TrimSpace(cmd), " ")
			switch {
			case slices.Contains(externalTools, first):
				ts.Logf("%s: %s (not run: installs packages)", ch.Name, cmd)
				ran[ch.Name]++
			case first == "mv" || strings.Contains(" "+cmd, " impress "):
				ts.Logf("%s %s: %s", ch.Name, ch.Status, cmd)
				if err := ts.Exec("sh", "-c", cmd); err != nil {
					ts.Fatalf("the fix of %s (%s) does not work as printed: `%s`: %v\nstdout:\n%sstderr:\n%s",
						ch.Name, ch.Status, cmd, err, ts.ReadFile("stdout"), ts.ReadFile("stderr"))
				}
				ran[ch.Name]++
			default:
				ts.Fatalf("the fix of %s names `%s`, which is neither impress nor a known tool", ch.Name, cmd)
			}
		}
	}
	for _, name := range args {
		if ran[name] == 0 {
			ts.Fatalf("doctor printed no command to fix %s", name)
		}
	}
}

// envFile sets an environment variable to a file's content (a token a
// fix reads from the environment): envfile VAR FILE
func envFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// holdPort listens on a loopback port until the script ends and sets VAR
// to its address: PORT when it is free (so that nothing the script starts
// takes a fixed port), else any free one: holdport VAR [PORT]
func holdPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: holdport VAR [PORT]")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if len(args) == 2 {
		if held, err2 := net.Listen("tcp", "127.0.0.1:"+args[1]); err2 == nil {
			ln.Close()
			ln, err = held, nil
		}
	}
	ts.Check(err)
	go func() {
		for {
			c, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil {
				c.Close()
			}
		}
	}()
	ts.Defer(func() { ln.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}
