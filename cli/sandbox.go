package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/spf13/cobra"
)

// sandboxCommands: `impress sandbox`, the offline Meta emulator of package
// meta/sandbox, in the foreground, and its small clients (sandbox_client.go)
// that make the community features happen there. This is the one place
// the shipped binary uses the emulator.
func sandboxCommands(f *Factory) []*cobra.Command {
	cmd := newSandboxCmd(f, nil)
	cmd.AddCommand(newSandboxCommentCmd(f, nil), newSandboxMentionCmd(f, nil), newSandboxDMCmd(f, nil),
		newSandboxPostCmd(f, nil), newSandboxLiveCmd(f, nil), newSandboxDeliverCmd(f, nil))
	return []*cobra.Command{cmd}
}

type sandboxOptions struct {
	baseOptions
	Settings func() (*config.Settings, error)
	Addr     string
	Latency  time.Duration
	FailRate float64
	Seed     int64
	// RedirectPort is --redirect-port (-1: not given).
	RedirectPort int
	// PublicAddr is --public-addr ("": not given).
	PublicAddr string
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
prints the settings that point impress at it, one NAME=value a line on
stdout: export them where the daemon runs, then restart the daemon
(` + "`impress daemon stop`" + `; the next command starts it again). State lives in
memory and is lost when it stops.

--addr 127.0.0.1:0 takes free ports for everything: the sandbox, the login
redirect (IMPRESS_META_REDIRECT_PORT) and the daemon's public endpoint that
receives the sandbox's webhooks (IMPRESS_DAEMON_PUBLIC_LISTEN and _URL);
all of them are among the printed lines. --redirect-port and --public-addr
choose those two yourself (port 0: a free one). A public endpoint already
configured (daemon.public_url) gets the webhooks otherwise.

Its app registers the redirect URIs http://localhost:<port>/callback and
http://127.0.0.1:<port>/callback for that redirect port (meta.redirect_port,
8788 unless changed). Logins are approved at once, as the seeded account
sandbox_creator (Instagram Login) or the user "Sandbox Owner" with two Pages
(Facebook Login).

While it runs, its subcommands make what only other people can do on
Instagram: a fan's comment, a mention, a DM, a post made in the app; each
finds the sandbox through IMPRESS_META_ENDPOINT and delivers the webhooks
to the public endpoint before it returns.`,
		Example: `  impress sandbox --addr 127.0.0.1:0 > sandbox.env &   # free ports; then: set -a; . ./sandbox.env; set +a
  impress sandbox --latency 200ms --fail-rate 0.05 --seed 42
  impress sandbox comment "love this!"                  # a fan comments on your newest post
  impress sandbox mention "look what @sandbox_creator made"
  impress sandbox dm "is it in stock?"
  impress sandbox post --type image --caption "posted from the app"`,
		Args: noArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:8789", "address to listen on; port 0 takes free ports for everything")
	fl.DurationVar(&o.Latency, "latency", 0, "delay added to every Meta call, e.g. 200ms")
	fl.Float64Var(&o.FailRate, "fail-rate", 0, "probability (0..1) that a Meta call fails with a transient error")
	fl.Int64Var(&o.Seed, "seed", 1, "seed of every random choice (tokens, ids, injected failures)")
	fl.IntVar(&o.RedirectPort, "redirect-port", 0, "login redirect port its app registers (default meta.redirect_port; 0: a free port)")
	fl.StringVar(&o.PublicAddr, "public-addr", "", "where the daemon's public endpoint is to listen, for webhooks (port 0: a free one)")
	return runWith(cmd, o, "", runF, runSandbox, func([]string) error {
		if !fl.Changed("redirect-port") {
			o.RedirectPort = -1
		}
		if o.FailRate < 0 || o.FailRate > 1 {
			return flagErrorf("--fail-rate %v: want a probability between 0 and 1", o.FailRate)
		}
		if o.Latency < 0 {
			return flagErrorf("--latency %v: want a duration ≥ 0", o.Latency)
		}
		if _, _, err := net.SplitHostPort(o.Addr); err != nil {
			return flagErrorf("--addr %q: want host:port, e.g. 127.0.0.1:8789 (port 0: a free one)", o.Addr)
		}
		if o.RedirectPort < -1 || o.RedirectPort > 65535 {
			return flagErrorf("--redirect-port %d: want a port, or 0 for a free one", o.RedirectPort)
		}
		if o.PublicAddr != "" {
			if _, _, err := net.SplitHostPort(o.PublicAddr); err != nil {
				return flagErrorf("--public-addr %q: want host:port, e.g. 127.0.0.1:8787 (port 0: a free one)", o.PublicAddr)
			}
		}
		return nil
	})
}

// sandboxPorts are the addresses a sandbox run settles before it starts.
type sandboxPorts struct {
	redirect    int
	redirectSet bool // print IMPRESS_META_REDIRECT_PORT
	public      string
	publicURL   string // webhooks go here (+ /webhooks/meta)
}

// ports settles the redirect port and the public endpoint: a port 0
// (given, or everything free with --addr …:0) is a free one now; between
// now and the daemon taking it another program could, which is why a
// fixed port stays the default.
func (o *sandboxOptions) ports(st *config.Settings) (sandboxPorts, error) {
	var p sandboxPorts
	_, port, _ := net.SplitHostPort(o.Addr)
	allFree := port == "0"
	p.redirect = 8788
	if st != nil && st.Int(config.MetaRedirectPort) > 0 {
		p.redirect = st.Int(config.MetaRedirectPort)
	}
	switch {
	case o.RedirectPort > 0:
		p.redirect, p.redirectSet = o.RedirectPort, true
	case o.RedirectPort == 0 || allFree:
		n, err := freePort("127.0.0.1")
		if err != nil {
			return p, err
		}
		p.redirect, p.redirectSet = n, true
	}
	public := o.PublicAddr
	if public == "" && allFree {
		public = "127.0.0.1:0"
	}
	if public != "" {
		host, port, _ := net.SplitHostPort(public)
		if port == "0" {
			n, err := freePort(host)
			if err != nil {
				return p, err
			}
			port = strconv.Itoa(n)
		}
		p.public = net.JoinHostPort(host, port)
		p.publicURL = "http://" + p.public
	} else if st != nil {
		p.publicURL = strings.TrimRight(st.String(config.DaemonPublicURL), "/")
	}
	return p, nil
}

// freePort asks the kernel for a free TCP port on host.
func freePort(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, exitf(ExitFailure, "sandbox: no free port on %s: %v", host, rootCause(err))
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// rootCause is the innermost error: "address already in use" rather than
// "listen tcp 127.0.0.1:8789: bind: address already in use", which the
// message around it already says.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func runSandbox(ctx context.Context, o *sandboxOptions) error {
	st, _ := o.Settings()
	ports, err := o.ports(st)
	if err != nil {
		return err
	}
	redirects := []string{
		"http://localhost:" + strconv.Itoa(ports.redirect) + "/callback",
		"http://127.0.0.1:" + strconv.Itoa(ports.redirect) + "/callback",
	}
	sb := sandbox.New(sandbox.Options{Latency: o.Latency, FailRate: o.FailRate, Seed: o.Seed, RedirectURIs: redirects})
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return exitf(ExitFailure, "sandbox: cannot listen on %s: %v; choose another address with --addr, or --addr 127.0.0.1:0 for free ports", o.Addr, rootCause(err))
	}
	url := "http://" + ln.Addr().String()
	if ports.publicURL != "" {
		sb.SetWebhookURL(ports.publicURL + "/webhooks/meta")
	}
	served := make(chan error, 1)
	go func() { served <- sb.Serve(ctx, ln) }()

	// stdout carries only the settings, one NAME=value per line, so it can
	// be captured into a file and sourced; the explanations go to stderr.
	out := o.IO.Out
	fmt.Fprintf(out, "IMPRESS_META_ENDPOINT=%s\nIMPRESS_META_APP_ID=%s\nIMPRESS_META_APP_SECRET=%s\n", url, sb.AppID(), sb.AppSecret())
	if ports.redirectSet {
		fmt.Fprintf(out, "IMPRESS_META_REDIRECT_PORT=%d\n", ports.redirect)
	}
	if ports.public != "" {
		fmt.Fprintf(out, "IMPRESS_DAEMON_PUBLIC_LISTEN=%s\nIMPRESS_DAEMON_PUBLIC_URL=%s\n", ports.public, ports.publicURL)
	}
	e := o.IO.ErrOut
	fmt.Fprintf(e, "\nimpress sandbox: an offline Meta emulator serves %s (Ctrl-C stops it; its state is lost).\n", url)
	fmt.Fprintf(e, "Export the lines above where impress runs (its app id and secret are the sandbox's own),\n")
	fmt.Fprintf(e, "then restart the daemon so it reads them: `impress daemon stop`.\n")
	fmt.Fprintf(e, "Registered redirect URIs: %s, %s\n", redirects[0], redirects[1])
	if ports.publicURL != "" {
		fmt.Fprintf(e, "Webhooks go to %s/webhooks/meta (the daemon's public endpoint).\n", ports.publicURL)
	} else {
		fmt.Fprintf(e, "No public endpoint: webhooks stay here (--public-addr 127.0.0.1:0, or daemon.public_url, sends them).\n")
	}
	fmt.Fprintf(e, "Then `impress auth login` is approved at once as @%s; add --flavor facebook for Facebook Login.\n",
		sandbox.IGCreatorUsername)
	fmt.Fprintf(e, "Fans, mentions, DMs and posts from elsewhere: `impress sandbox --help`.\n")
	if o.Latency > 0 || o.FailRate > 0 {
		fmt.Fprintf(e, "Faults: latency %s, transient failure rate %g.\n", o.Latency, o.FailRate)
	}
	if o.ready != nil {
		o.ready(url)
	}
	err = <-served
	fmt.Fprintln(e, "impress sandbox: stopped")
	if err != nil {
		return exitf(ExitFailure, "%v", err)
	}
	return nil
}
