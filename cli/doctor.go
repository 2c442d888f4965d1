package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/spf13/cobra"
)

func newDoctorCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check ffmpeg, fonts, store, daemon, tokens and config; print the fix for each problem",
		Long: `doctor checks everything impress needs and prints one line per check:
OK, WARN or FAIL, with the exact fix for anything that is not OK. It exits
non-zero when any check FAILs.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			checks := doctorLocal(f)
			c, err := f.Client(cmd.Context())
			if err != nil {
				checks = append(checks, api.Check{Name: "daemon", Status: "FAIL", Detail: err.Error(),
					Fix: "run `impress daemon run` in a terminal to see why it does not start"})
			} else {
				ping, perr := c.Ping(cmd.Context())
				if perr != nil {
					checks = append(checks, api.Check{Name: "daemon", Status: "FAIL", Detail: perr.Error()})
				} else {
					st := "OK"
					fix := ""
					if ping.Version != f.Version {
						st, fix = "WARN", "restart the daemon: `impress daemon stop` (the next command starts the new one)"
					}
					checks = append(checks, api.Check{Name: "daemon", Status: st,
						Detail: fmt.Sprintf("pid %d, version %s (CLI %s), state %s", ping.PID, ping.Version, f.Version, ping.State), Fix: fix})
				}
				h, herr := c.Health(cmd.Context())
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
			if asJSON {
				if err := writeJSON(f.IO.Out, checks); err != nil {
					return err
				}
			} else {
				printChecks(f, checks)
			}
			if failed {
				return errSilent{code: ExitFailure}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as a JSON array")
	return cmd
}

// doctorLocal runs the checks that need no daemon: config and paths.
func doctorLocal(f *Factory) []api.Check {
	var out []api.Check
	p, err := f.Paths()
	if err != nil {
		return append(out, api.Check{Name: "paths", Status: "FAIL", Detail: err.Error(), Fix: "set IMPRESS_HOME to a directory you own"})
	}
	if _, err := f.Settings(); err != nil {
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

func printChecks(f *Factory, checks []api.Check) {
	sty := style{on: f.IO.ColorEnabled()}
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
		fmt.Fprintf(f.IO.Out, "%s  %-14s %s\n", status, ch.Name, ch.Detail)
		if ch.Fix != "" {
			fmt.Fprintf(f.IO.Out, "      %-14s fix: %s\n", "", ch.Fix)
		}
	}
}
