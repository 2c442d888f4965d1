package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
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
		checks = append(checks, api.Check{Name: "daemon", Status: "FAIL", Detail: err.Error(),
			Fix: "run `impress daemon run` in a terminal to see why it does not start"})
	} else {
		ping, perr := c.Ping(ctx)
		if perr != nil {
			checks = append(checks, api.Check{Name: "daemon", Status: "FAIL", Detail: perr.Error()})
		} else {
			st := "OK"
			fix := ""
			if ping.Version != o.Version {
				st, fix = "WARN", "restart the daemon: `impress daemon stop` (the next command starts the new one)"
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
		}
	}
	failed := false
	for _, ch := range checks {
		if ch.Status == "FAIL" {
			failed = true
		}
	}
	if o.JSON {
		if err := writeJSON(o.IO.Out, checks); err != nil {
			return err
		}
	} else {
		printChecks(o.IO, checks)
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
		out = append(out, api.Check{Name: "config", Status: "FAIL", Detail: err.Error(), Fix: "fix or remove " + p.ConfigFile})
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
