package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/shell"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/spf13/cobra"
)

// `impress demo` runs the whole flow offline: an in-process sandbox and
// daemon in a throw-away IMPRESS_HOME, sample media made with ffmpeg, a
// spec, a render, a login, a reel and a carousel published, comments read
// and answered, and the demo connection purged. Every step runs the real
// command through the command tree and prints what a user would type.

type demoOptions struct {
	baseOptions
	Version string
	Home    string
	Keep    bool
}

func newDemoCmd(f *Factory, runF func(context.Context, *demoOptions) error) *cobra.Command {
	o := &demoOptions{baseOptions: f.base(), Version: f.Version}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The whole flow on the offline sandbox: media, spec, render, login, publish, comments, purge",
		Long: `demo shows impress end to end without a Meta account or network: it starts
the offline sandbox and a daemon of its own in a temporary IMPRESS_HOME (or
--home DIR), makes sample media with ffmpeg, writes a spec, renders it,
logs in with a sandbox token, publishes a reel and a carousel, lists and
answers a comment, and purges the demo connection. Each step prints the
command you would type. Nothing touches your own configuration, data or
keyring; the temporary home is removed at the end unless --keep (or
IMPRESS_DEMO_KEEP=1).`,
		Args: noArgs,
	}
	cmd.Flags().StringVar(&o.Home, "home", "", "use DIR as IMPRESS_HOME (kept afterwards) instead of a temporary one")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the temporary home for a look afterwards")
	return runWith(cmd, o, "", runF, runDemo, func([]string) error {
		if os.Getenv("IMPRESS_DEMO_KEEP") == "1" {
			o.Keep = true
		}
		return nil
	})
}

// demo is one run: its environment, its daemon, its sandbox.
type demo struct {
	io      *IOStreams
	version string
	env     map[string]string
	home    string
	media   string
	step    int
	total   int
	client  *api.Client
	sb      *sandbox.Server
	started time.Time
}

const demoSteps = 11

func runDemo(ctx context.Context, o *demoOptions) (err error) {
	ff, ferr := exec.LookPath("ffmpeg")
	if ferr != nil {
		return exitf(ExitFailure, "demo: ffmpeg is needed for the sample media and the render: %v; install it (Debian/Ubuntu: `sudo apt-get install ffmpeg fonts-dejavu-core`, macOS: `brew install ffmpeg`)", ferr)
	}
	d := &demo{io: o.IO, version: o.Version, total: demoSteps, started: time.Now()}
	home := o.Home
	if home == "" {
		if home, err = os.MkdirTemp("", "impress-demo."); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if !o.Keep {
			defer os.RemoveAll(home)
		}
	} else if home, err = filepath.Abs(home); err != nil {
		return exitf(ExitUsage, "demo: --home: %v", err)
	}
	d.home = home
	d.media = filepath.Join(home, "demo")
	if err := os.MkdirAll(d.media, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	out := o.IO.Out
	fmt.Fprintf(out, "impress demo: everything happens in %s (IMPRESS_HOME) against an offline sandbox.\n", home)

	// 1. The sandbox.
	d.sb = sandbox.New(sandbox.Options{Seed: 1, ProcessingTime: 300 * time.Millisecond})
	sbURL, err := d.sb.Start("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer d.sb.Close()
	d.say("start the offline Meta sandbox at "+sbURL,
		"impress sandbox --addr 127.0.0.1:8789      # prints the IMPRESS_META_ENDPOINT line to export")

	// 2. The daemon, in this process, pointed at the sandbox.
	public, err := freeAddr()
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.env = map[string]string{
		"IMPRESS_HOME":                  home,
		"IMPRESS_META_ENDPOINT":         sbURL,
		"IMPRESS_META_APP_ID":           d.sb.AppID(),
		"IMPRESS_META_APP_SECRET":       d.sb.AppSecret(),
		"IMPRESS_DAEMON_PUBLIC_LISTEN":  public,
		"IMPRESS_DAEMON_PUBLIC_URL":     "http://" + public,
		"IMPRESS_PUBLISH_POLL_INTERVAL": "200ms",
		"IMPRESS_PUBLISH_POLL_MAX":      "1s",
		"IMPRESS_NO_AUTOSTART":          "1",
		"IMPRESS_FFMPEG_PATH":           ff,
	}
	// The daemon reads the keyring choice from the process environment:
	// a demo must never write to the user's OS keyring.
	os.Setenv("IMPRESS_KEYRING", "file")
	stop, err := d.startDaemon(ctx)
	if err != nil {
		return err
	}
	defer stop()
	d.say("start the daemon (the CLI starts it on its own; here it runs inside the demo)",
		"impress daemon start")

	// 3. Sample media.
	if err := d.makeMedia(ctx, ff); err != nil {
		return err
	}
	// 4. The spec.
	spec := filepath.Join(d.media, "demo.yaml")
	if err := os.WriteFile(spec, []byte(demoSpec), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.say("write a spec: two clips with a fade, a title, burned-in captions, ducked music, a cover and publish defaults",
		"$EDITOR "+spec)
	for _, line := range strings.Split(strings.TrimRight(demoSpec, "\n"), "\n") {
		fmt.Fprintln(out, "    | "+line)
	}
	// 5. Render.
	d.say("render the spec (the preview preset keeps the demo quick)", "")
	if _, err := d.run(ctx, nil, "render", spec); err != nil {
		return err
	}
	// 6. Login.
	tok, err := d.sb.IssueToken(sandbox.TokenRequest{Flavour: "instagram"})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.say("log in with a token (CI and dashboard tokens; `impress auth login` runs the browser flow)", "")
	if _, err := d.runShown(ctx, strings.NewReader(tok+"\n"), "impress auth login --with-token < token.txt", "auth", "login", "--with-token"); err != nil {
		return err
	}
	// 7. Publish the reel.
	d.say("publish the spec as a reel: rendered (from the cache), uploaded, processed, published exactly once", "")
	if _, err := d.run(ctx, nil, "publish", spec); err != nil {
		return err
	}
	d.note("the same command again posts nothing: it returns the earlier job (\"reused\": true)")
	if _, err := d.run(ctx, nil, "publish", spec); err != nil {
		return err
	}
	// 8. A carousel.
	d.say("publish a carousel of a photo and a clip", "")
	if _, err := d.run(ctx, nil, "publish", filepath.Join(d.media, "photo.jpg"), filepath.Join(d.media, "square.mp4"),
		"--caption", "Two views of the demo #carousel"); err != nil {
		return err
	}
	d.say("list what was published, with permalinks", "")
	if _, err := d.run(ctx, nil, "media", "list"); err != nil {
		return err
	}
	// 9. Comments.
	if err := d.comments(ctx); err != nil {
		return err
	}
	// 10. Purge.
	if d.hasCommand("privacy", "purge") {
		d.say("purge the demo connection: tokens, cached comments, publish records — with a receipt", "")
		if _, err := d.run(ctx, nil, "privacy", "purge", "--connection", "default", "--yes"); err != nil {
			// The demo's point is the walk-through; a purge that could not
			// prove itself is reported, loudly, not hidden behind exit 1.
			fmt.Fprintf(d.io.ErrOut, "warning: %v\n", err)
		}
	} else {
		d.say("purge the demo connection — skipped: this build has no `impress privacy purge` yet", "")
	}
	fmt.Fprintf(out, "\ndemo done in %s", time.Since(d.started).Round(100*time.Millisecond))
	if o.Keep || o.Home != "" {
		fmt.Fprintf(out, "; look around with IMPRESS_HOME=%s (the sandbox is gone, so Meta calls will fail)\n", home)
	} else {
		fmt.Fprintln(out, "; the temporary home is removed.")
	}
	return nil
}

// say prints a step header and the command a user would type.
func (d *demo) say(what, command string) {
	d.step++
	fmt.Fprintf(d.io.Out, "\n[%d/%d] %s\n", d.step, d.total, what)
	if command != "" {
		fmt.Fprintf(d.io.Out, "    $ %s\n", command)
	}
}

func (d *demo) note(s string) { fmt.Fprintf(d.io.Out, "    (%s)\n", s) }

func (d *demo) getenv(k string) string {
	if v, ok := d.env[k]; ok {
		return v
	}
	switch k {
	case "PATH", "HOME", "TERM", "NO_COLOR", "TMPDIR", "LANG":
		return os.Getenv(k)
	}
	return ""
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startDaemon runs the daemon in this process on the demo's home and waits
// until it answers; the returned func stops it.
func (d *demo) startDaemon(ctx context.Context) (func(), error) {
	paths, err := config.ResolvePaths(d.getenv)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	load := func() (*config.Settings, error) {
		return config.Load(config.LoadOptions{File: paths.ConfigFile, Env: d.getenv})
	}
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(dctx, daemon.Config{Paths: paths, Load: load, Version: d.version, Stderr: io.Discard})
	}()
	d.client = api.NewClient(paths.Socket)
	deadline := time.Now().Add(15 * time.Second)
	for {
		pctx, pc := context.WithTimeout(ctx, time.Second)
		_, err := d.client.Ping(pctx)
		pc()
		if err == nil {
			break
		}
		select {
		case err := <-done:
			cancel()
			return nil, fmt.Errorf("demo: the daemon did not start: %v", err)
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			cancel()
			return nil, fmt.Errorf("demo: the daemon did not answer within 15 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
		}
	}, nil
}

// run runs `impress ARGS…` through the command tree against the demo's
// daemon and prints the command first.
func (d *demo) run(ctx context.Context, in io.Reader, args ...string) (string, error) {
	shown := "impress"
	for _, a := range args {
		shown += " " + shell.Quote(strings.Replace(a, d.media+string(filepath.Separator), "", 1))
	}
	return d.runShown(ctx, in, shown, args...)
}

func (d *demo) runShown(ctx context.Context, in io.Reader, shown string, args ...string) (string, error) {
	fmt.Fprintf(d.io.Out, "    $ %s\n", shown)
	if in == nil {
		in = strings.NewReader("")
	}
	var buf bytes.Buffer
	ios := &IOStreams{In: in, Out: io.MultiWriter(d.io.Out, &buf), ErrOut: d.io.ErrOut,
		stdoutTTY: d.io.stdoutTTY, stderrTTY: d.io.stderrTTY, env: d.getenv}
	sf := &Factory{IO: ios, Version: d.version, Env: d.getenv}
	root := NewRootCmd(sf)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		return buf.String(), fmt.Errorf("demo: `%s` failed: %w", shown, err)
	}
	return buf.String(), nil
}

func (d *demo) hasCommand(path ...string) bool {
	root := NewRootCmd(&Factory{IO: d.io, Version: d.version, Env: d.getenv})
	c, rest, err := root.Find(path)
	return err == nil && len(rest) == 0 && c != root
}

// makeMedia makes the sample media: two clips, a photo, music and an SRT.
func (d *demo) makeMedia(ctx context.Context, ff string) error {
	d.say("make sample media with ffmpeg: a 9:16 clip, a 4:5 clip, a photo, music and captions", "")
	jobs := []struct {
		name string
		args []string
	}{
		{"clip.mp4", []string{"-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=3",
			"-f", "lavfi", "-i", "sine=frequency=523:sample_rate=48000:duration=3",
			"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-shortest"}},
		// Ready for a carousel as it is: 4:5, moov first, no edit list.
		{"square.mp4", []string{"-f", "lavfi", "-i", "smptehdbars=size=480x600:rate=30:duration=3",
			"-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=3",
			"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "60",
			"-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", "-use_editlist", "0", "-shortest"}},
		{"photo.jpg", []string{"-f", "lavfi", "-i", "testsrc2=size=640x800:rate=1:duration=1", "-frames:v", "1", "-q:v", "3"}},
		{"music.m4a", []string{"-f", "lavfi", "-i", "sine=frequency=220:sample_rate=48000:duration=6", "-c:a", "aac", "-b:a", "96k"}},
	}
	for _, j := range jobs {
		path := filepath.Join(d.media, j.name)
		args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, j.args...)
		args = append(args, "file:"+path)
		cmd := exec.CommandContext(ctx, ff, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("demo: ffmpeg for %s: %v: %s", j.name, err, strings.TrimSpace(stderr.String()))
		}
		fmt.Fprintf(d.io.Out, "    made %s\n", path)
	}
	srt := "1\n00:00:00,300 --> 00:00:02,000\nHello from impress\n\n2\n00:00:02,000 --> 00:00:04,500\nCut, captioned and published from a terminal\n"
	if err := os.WriteFile(filepath.Join(d.media, "captions.srt"), []byte(srt), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(d.io.Out, "    made %s\n", filepath.Join(d.media, "captions.srt"))
	return nil
}

// comments adds a fan's comment on the reel in the sandbox (as if made in
// the Instagram app), then lists and answers it with the real commands.
func (d *demo) comments(ctx context.Context) error {
	if !d.hasCommand("comments", "reply") {
		d.say("list and answer comments — skipped: this build has no `impress comments` yet", "")
		return nil
	}
	ms, err := d.client.MediaList(ctx, "")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var reel *api.PublishedMedia
	for i := range ms {
		if ms[i].Type == api.PublishReel && ms[i].MediaID != "" {
			reel = &ms[i]
			break
		}
	}
	if reel == nil {
		return errors.New("demo: the reel is not in `impress media list`")
	}
	c, err := d.sb.AddComment(reel.MediaID, sandbox.FanUsername, "Love this! Where can I get one?")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.say("a fan comments on the reel (in the sandbox, as in the Instagram app); list the comments", "")
	if _, err := d.run(ctx, nil, "comments", "list", reel.MediaID); err != nil {
		return err
	}
	d.note("and reply to the fan's comment")
	if _, err := d.run(ctx, nil, "comments", "reply", c.ID, "Thank you! The link is in our bio."); err != nil {
		return err
	}
	return nil
}

const demoSpec = `version: 1
name: impress-demo
preset: preview          # 540x960, fast; use reels for 1080x1920
clips:
  - video: clip.mp4
    transition: {type: fade, duration: 0.5}
  - image: photo.jpg
    duration: 2
texts:
  - text: "impress demo: 50% OFF"
    start: 0
    end: 2.5
    position: top
    size: 64
    box: true
captions:
  file: captions.srt
audio:
  - file: music.m4a
    volume: 0.3
    fade_out: 1
    duck: true
cover:
  at: 1.0
publish:
  type: reel
  caption: "Made with impress #demo"
  first_comment: "Rendered and published from a terminal"
`
