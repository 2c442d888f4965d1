package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/shell"
	"github.com/spf13/cobra"
)

// doctorOptions are `impress doctor`'s inputs: what it checks.
type doctorOptions struct {
	baseOptions
	Paths    func() (config.Paths, error)
	Settings func() (*config.Settings, error)
	Version  string
}

func newDoctorCmd(f *Factory, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	o := &doctorOptions{baseOptions: f.base(), Paths: f.Paths, Settings: f.Settings, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check ffmpeg, fonts, store, daemon, tokens and config; print the fix for each problem",
		Long: `doctor checks everything impress needs and prints one line per check:
OK, WARN or FAIL, with the exact fix for anything that is not OK. It exits
non-zero when any check FAILs.`,
		Args: noArgs,
	}
	return runWith(cmd, o, "print the checks as a JSON array", runF, runDoctor, nil)
}

func runDoctor(ctx context.Context, o *doctorOptions) error {
	checks := doctorLocal(o)
	c, err := o.Client(ctx)
	if err != nil {
		// `daemon start` starts it, or says why it cannot (daemon run
		// would stay in the foreground once it works).
		checks = append(checks, api.Check{Name: "daemon", Status: "FAIL", Detail: err.Error(),
			Fix: "`impress daemon start` (it says why when the daemon cannot start)"})
	} else {
		ping, perr := c.Ping(ctx)
		if perr != nil {
			checks = append(checks, api.Check{Name: "daemon", Status: "FAIL", Detail: perr.Error()})
		} else {
			st := "OK"
			fix := ""
			if ping.Version != o.Version {
				st, fix = "WARN", "restart the daemon: `impress daemon stop && impress daemon start`"
			}
			checks = append(checks, api.Check{Name: "daemon", Status: st,
				Detail: fmt.Sprintf("pid %d, version %s (CLI %s), state %s", ping.PID, ping.Version, o.Version, ping.State), Fix: fix})
		}
		h, herr := c.Health(ctx)
		if herr != nil {
			checks = append(checks, api.Check{Name: "health", Status: "FAIL", Detail: herr.Error()})
		} else {
			checks = append(checks, h.Store)
			checks = append(checks, h.Checks...)
			checks = append(checks, settingsChecks(o, h.Settings)...)
		}
	}
	failed := false
	for _, ch := range checks {
		if ch.Status == "FAIL" {
			failed = true
		}
	}
	if err := o.show(checks, func() { printChecks(o.IO, checks) }); err != nil {
		return err
	}
	if failed {
		return errSilent{code: ExitFailure}
	}
	return nil
}

// doctorLocal runs the checks that need no daemon: config and paths.
func doctorLocal(o *doctorOptions) []api.Check {
	var out []api.Check
	p, err := o.Paths()
	if err != nil {
		return append(out, api.Check{Name: "paths", Status: "FAIL", Detail: err.Error(), Fix: "set IMPRESS_HOME to a directory you own"})
	}
	if _, err := o.Settings(); err != nil {
		out = append(out, api.Check{Name: "config", Status: "FAIL", Detail: err.Error(),
			Fix: "fix it, or move it aside and start from the defaults: `" + shell.Line("mv", p.ConfigFile, p.ConfigFile+".bad") + "`"})
	} else {
		detail := p.ConfigFile
		if _, err := os.Stat(p.ConfigFile); err != nil {
			detail += " (absent: defaults in use)"
		}
		out = append(out, api.Check{Name: "config", Status: "OK", Detail: detail})
	}
	for _, d := range []struct{ name, dir string }{{"data dir", p.DataDir}, {"state dir", p.StateDir}, {"socket dir", filepath.Dir(p.Socket)}} {
		if err := config.EnsurePrivateDir(d.dir); err != nil {
			out = append(out, api.Check{Name: d.name, Status: "FAIL", Detail: err.Error(), Fix: "fix the ownership of " + d.dir + " or set IMPRESS_HOME"})
			continue
		}
		out = append(out, api.Check{Name: d.name, Status: "OK", Detail: d.dir})
	}
	return out
}

func printChecks(ios *IOStreams, checks []api.Check) {
	sty := style{on: ios.ColorEnabled()}
	for _, ch := range checks {
		status := ch.Status
		switch status {
		case "OK":
			status = sty.green("OK  ")
		case "WARN":
			status = sty.yellow("WARN")
		case "FAIL":
			status = sty.red("FAIL")
		}
		fmt.Fprintf(ios.Out, "%s  %-14s %s\n", status, ch.Name, ch.Detail)
		if ch.Fix != "" {
			fmt.Fprintf(ios.Out, "      %-14s fix: %s\n", "", ch.Fix)
		}
	}
}

// settingsChecks compares the settings the running daemon uses with what
// the config says now (file, environment): a key it reads only at start,
// or a file edited by hand, leaves the daemon on the old value.
func settingsChecks(o *doctorOptions, running []api.Setting) []api.Check {
	st, err := o.Settings()
	if err != nil || len(running) == 0 {
		return nil // the config line says what is wrong; an older daemon does not say
	}
	var diffs []string
	for _, r := range running {
		k, ok := config.LookupKey(r.Key)
		if !ok || k.Secret {
			continue
		}
		if v := st.Value(k); v != r.Value {
			diffs = append(diffs, fmt.Sprintf("%s %s (%s)", k.Name, quotedOrUnset(r.Value), configSays(st.Source(k.Name), v)))
		}
	}
	if len(diffs) == 0 {
		return []api.Check{{Name: "settings", Status: "OK", Detail: "the running daemon uses the config's values"}}
	}
	return []api.Check{{Name: "settings", Status: "WARN", Detail: "the running daemon uses " + strings.Join(diffs, "; "),
		Fix: "`impress daemon stop && impress daemon start` (running jobs are parked and resume)"}}
}

// configSays is where a value comes from now, in words.
func configSays(source, v string) string {
	switch source {
	case "unset":
		return "unset in the config now"
	case "default":
		return "the default is " + quotedOrUnset(v)
	case "env":
		return "the environment says " + quotedOrUnset(v)
	}
	return "the " + source + " says " + quotedOrUnset(v)
}

func quotedOrUnset(v string) string {
	if v == "" {
		return "(unset)"
	}
	return strconv.Quote(v)
}
