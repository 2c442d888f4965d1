package cli

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/spf13/cobra"
)

// sandboxCommands: `impress sandbox`, the offline Meta emulator of package
// meta/sandbox, in the foreground. This is the one place the shipped binary
// uses the emulator.
func sandboxCommands(f *Factory) []*cobra.Command {
	return []*cobra.Command{newSandboxCmd(f, nil)}
}

type sandboxOptions struct {
	baseOptions
	Settings func() (*config.Settings, error)
	Addr     string
	Latency  time.Duration
	FailRate float64
	Seed     int64
	// ready is called with the base URL once it serves (tests).
	ready func(url string)
}

func newSandboxCmd(f *Factory, runF func(context.Context, *sandboxOptions) error) *cobra.Command {
	o := &sandboxOptions{baseOptions: f.base(), Settings: f.Settings}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run an offline emulator of Meta's Graph API (for demos, tests and CI dry runs)",
		Long: `Run an offline emulator of the parts of Meta that impress uses — OAuth for
both flavours, publishing, comments, messages, webhooks — until Ctrl-C. It
prints the settings that point impress at it: export them where the daemon
runs, then restart the daemon (` + "`impress daemon stop`" + `; the next command
starts it again). State lives in memory and is lost when it stops.

Its app registers the redirect URIs http://localhost:<port>/callback and
http://127.0.0.1:<port>/callback for meta.redirect_port (8788 unless you
changed it). Logins are approved at once, as the seeded account
sandbox_creator (Instagram Login) or the user "Sandbox Owner" with two Pages
(Facebook Login).`,
		Example: `  impress sandbox --addr 127.0.0.1:8789
  impress sandbox --latency 200ms --fail-rate 0.05 --seed 42`,
		Args: noArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:8789", "address to listen on")
	fl.DurationVar(&o.Latency, "latency", 0, "delay added to every Meta call, e.g. 200ms")
	fl.Float64Var(&o.FailRate, "fail-rate", 0, "probability (0..1) that a Meta call fails with a transient error")
	fl.Int64Var(&o.Seed, "seed", 1, "seed of every random choice (tokens, ids, injected failures)")
	return runWith(cmd, o, "", runF, runSandbox, func([]string) error {
		if o.FailRate < 0 || o.FailRate > 1 {
			return flagErrorf("--fail-rate %v: want a probability between 0 and 1", o.FailRate)
		}
		if o.Latency < 0 {
			return flagErrorf("--latency %v: want a duration ≥ 0", o.Latency)
		}
		if _, _, err := net.SplitHostPort(o.Addr); err != nil {
			return flagErrorf("--addr %q: want host:port, e.g. 127.0.0.1:8789", o.Addr)
		}
		return nil
	})
}

func runSandbox(ctx context.Context, o *sandboxOptions) error {
	port := 8788
	if st, err := o.Settings(); err == nil {
		if p := st.Int(config.MetaRedirectPort); p > 0 {
			port = p
		}
	}
	redirects := []string{
		"http://localhost:" + strconv.Itoa(port) + "/callback",
		"http://127.0.0.1:" + strconv.Itoa(port) + "/callback",
	}
	sb := sandbox.New(sandbox.Options{Latency: o.Latency, FailRate: o.FailRate, Seed: o.Seed, RedirectURIs: redirects})
	url, err := sb.Start(o.Addr)
	if err != nil {
		return exitf(ExitFailure, "sandbox: listen on %s: %v; choose another address with --addr", o.Addr, err)
	}
	defer sb.Close()

	// stdout carries only the settings, one NAME=value per line, so it can
	// be captured into a file and sourced; the explanations go to stderr.
	fmt.Fprintf(o.IO.Out, "IMPRESS_META_ENDPOINT=%s\nIMPRESS_META_APP_ID=%s\nIMPRESS_META_APP_SECRET=%s\n",
		url, sb.AppID(), sb.AppSecret())
	e := o.IO.ErrOut
	fmt.Fprintf(e, "\nimpress sandbox: an offline Meta emulator serves %s (Ctrl-C stops it; its state is lost).\n", url)
	fmt.Fprintf(e, "Export the three lines above where impress runs (its app id and secret are the sandbox's own),\n")
	fmt.Fprintf(e, "then restart the daemon so it reads them: `impress daemon stop`.\n")
	fmt.Fprintf(e, "Registered redirect URIs: %s, %s\n", redirects[0], redirects[1])
	fmt.Fprintf(e, "Then `impress auth login` is approved at once as @%s; add --flavor facebook for Facebook Login.\n",
		sandbox.IGCreatorUsername)
	if o.Latency > 0 || o.FailRate > 0 {
		fmt.Fprintf(e, "Faults: latency %s, transient failure rate %g.\n", o.Latency, o.FailRate)
	}
	if o.ready != nil {
		o.ready(url)
	}
	<-ctx.Done()
	fmt.Fprintln(e, "impress sandbox: stopped")
	return nil
}
