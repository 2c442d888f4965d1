package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/inert"
	"github.com/impress-dev/impress/internal/safeopen"
	"github.com/spf13/cobra"
)

// publishCommands are the publish feature's nouns: publish, media, demo.
func publishCommands(f *Factory) []*cobra.Command {
	return []*cobra.Command{newPublishCmd(f, nil), newMediaCmd(f), newDemoCmd(f, nil)}
}

// publishOptions are `impress publish`'s inputs.
type publishOptions struct {
	baseOptions
	Targets       []string
	Connection    string
	Type          string
	Caption       string
	CaptionFile   string
	Cover         string
	ThumbOffset   int
	ShareToFeed   bool
	FirstComment  string
	Collaborators []string
	At            string
	Key           string
	Force         bool
	DryRun        bool
	NoWait        bool
	Progress      string

	Manifest    string
	Concurrency int
	Shard       string

	// Which optional flags were given (their zero value means something).
	captionSet, thumbSet, shareSet, commentSet bool
}

func newPublishCmd(f *Factory, runF func(context.Context, *publishOptions) error) *cobra.Command {
	o := &publishOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "publish TARGET… | --manifest FILE",
		Short: "Publish a reel, story, image or carousel, exactly once",
		Long: `publish renders TARGET when needed (a project or a spec; a media file that
breaks a rule is normalised), checks it against Instagram's rules, uploads it,
waits for Meta to process it and publishes it — exactly once. Several media
files make a carousel.

Every publish has an idempotency key: --key, or one derived from the
connection, type, content, caption and options. Publishing again with the
same key returns the earlier job (exit 0, "reused": true) and posts nothing;
--force posts again. A publish that was interrupted resumes where it stopped.

A manifest item, or a publish with --key or from a spec with a publish
block, is first looked for among the account's posts of the last
publish.reconcile_window (30 days): one live post with the same caption and
type means it is already published — by another machine or CI runner, or a
run whose answer was lost — and nothing is posted (exit 0, "found_live":
true). Two or more refuse it (exit 7) with their links. --force, or
reconcile: false on a manifest item, skips the check. Stories cannot be
checked: Meta does not list them with the account's posts.

--dry-run checks everything and prints what would be sent, without creating
anything at Meta. --at schedules (RFC 3339, "2026-12-01 10:00" local time,
or "+2h"); the daemon publishes it then, across restarts.

--manifest publishes a batch from YAML or CSV (see the README), --concurrency
items at a time; --shard I/N takes a deterministic share of the items, so N
CI runners publish each item once. The exit code is the worst item's.

Exit codes: 0 published (or already published), 2 bad input, 4 login
needed, 5 refused (rules, policy, the day's quota with --no-wait), 6
transient (retry later: ` + "`impress jobs retry ID`" + `), 7 unconfirmed: the post may
be live — check ` + "`impress jobs show ID`" + ` and never re-run blindly with --force.`,
		Example: `  impress publish clip.mp4 --caption "Summer sale #sale"
  impress publish summer.yaml --at +2h                   # render the spec, publish in two hours
  impress publish a.jpg b.mp4 c.jpg --caption "Three views"   # a carousel
  impress publish story.mp4 --type story
  impress publish clip.mp4 --dry-run --json               # the calls it would make, nothing sent
  impress publish --manifest posts.yaml --shard 2/4 --json`,
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Connection, "connection", "", "the account to publish to (default: the only connection, else \"default\")")
	fl.StringVar(&o.Type, "type", "", "reel | story | image | carousel (default: from the spec or the files)")
	fl.StringVar(&o.Caption, "caption", "", "the caption (≤ 2,200 characters, ≤ 30 hashtags, ≤ 20 @mentions)")
	fl.StringVar(&o.CaptionFile, "caption-file", "", "read the caption from FILE (- for stdin)")
	fl.StringVar(&o.Cover, "cover", "", "JPEG cover image of a reel")
	fl.IntVar(&o.ThumbOffset, "thumb-offset", 0, "cover frame of a reel, in milliseconds into the video")
	fl.BoolVar(&o.ShareToFeed, "share-to-feed", true, "also show the reel in the feed and grid")
	fl.StringVar(&o.FirstComment, "first-comment", "", "post this comment under the media once it is live")
	fl.StringArrayVar(&o.Collaborators, "collaborator", nil, "invite a collaborator (username; repeatable, at most 3)")
	fl.StringVar(&o.At, "at", "", "publish at TIME: RFC 3339, \"YYYY-MM-DD HH:MM\" (local) or +DURATION")
	fl.StringVar(&o.Key, "key", "", "idempotency key (default: derived from the content and options)")
	fl.BoolVar(&o.Force, "force", false, "publish even if the key was used or the post is live (posts again)")
	fl.BoolVar(&o.DryRun, "dry-run", false, "check and print what would be sent; create nothing at Meta")
	fl.BoolVar(&o.NoWait, "no-wait", false, "fail (exit 5) instead of waiting when the day's publishing quota is used")
	addProgressFlag(cmd, &o.Progress, "progress on stderr: auto (a bar on a TTY) | json (NDJSON) | none")
	fl.StringVar(&o.Manifest, "manifest", "", "publish the items of a YAML or CSV manifest")
	fl.IntVar(&o.Concurrency, "concurrency", 0, "manifest items in flight at once (default: the manifest's, else 4)")
	fl.StringVar(&o.Shard, "shard", "", "take share I of N of the manifest's items (I/N, 1-based)")
	return runWith(cmd, o, "print the final job (an array of item results with --manifest) as JSON", runF, runPublish, func(args []string) error {
		o.Targets = args
		o.captionSet, o.thumbSet = fl.Changed("caption"), fl.Changed("thumb-offset")
		o.shareSet, o.commentSet = fl.Changed("share-to-feed"), fl.Changed("first-comment")
		return o.check()
	})
}

// check validates flag combinations (exit 2, nothing sent).
func (o *publishOptions) check() error {
	if err := checkProgress(o.Progress); err != nil {
		return err
	}
	if o.Manifest != "" {
		if len(o.Targets) > 0 {
			return flagErrorf("give either TARGET… or --manifest, not both")
		}
		if o.Caption != "" || o.CaptionFile != "" || o.Key != "" || o.At != "" || o.Cover != "" || o.thumbSet {
			return flagErrorf("--caption, --caption-file, --key, --at, --cover and --thumb-offset are per item: put them in the manifest")
		}
	} else {
		if len(o.Targets) == 0 {
			return flagErrorf("publish needs a TARGET (a project, a spec file or media files) or --manifest FILE")
		}
		if o.Concurrency != 0 || o.Shard != "" {
			return flagErrorf("--concurrency and --shard go with --manifest")
		}
	}
	if o.Caption != "" && o.CaptionFile != "" {
		return flagErrorf("give --caption or --caption-file, not both")
	}
	if o.Cover != "" && o.thumbSet {
		return flagErrorf("give --cover or --thumb-offset, not both")
	}
	if o.thumbSet && o.ThumbOffset < 0 {
		return flagErrorf("--thumb-offset is milliseconds, 0 or more")
	}
	if o.Concurrency < 0 {
		return flagErrorf("--concurrency must be 1 or more")
	}
	if _, ok := api.LookupPublishType(o.Type); o.Type != "" && !ok {
		return flagErrorf("--type must be %s, not %q", api.PublishTypeList(), o.Type)
	}
	return nil
}

// request builds the wire request from TARGET… and flags.
func (o *publishOptions) request(now time.Time) (api.PublishRequest, error) {
	req := api.PublishRequest{Connection: o.Connection, Type: o.Type, Collaborators: o.Collaborators, Key: o.Key,
		Force: o.Force, DryRun: o.DryRun, NoWait: o.NoWait, Display: strings.Join(o.Targets, " ")}
	for _, arg := range o.Targets {
		t, err := resolveTarget(arg)
		if err != nil {
			return req, err
		}
		req.Targets = append(req.Targets, t.project+t.spec+t.media)
	}
	switch {
	case o.CaptionFile != "":
		c, err := readCaptionFile(o.CaptionFile)
		if err != nil {
			return req, err
		}
		req.Caption = &c
	case o.captionSet:
		c := o.Caption
		req.Caption = &c
	}
	if o.Cover != "" {
		abs, err := filepath.Abs(o.Cover)
		if err != nil {
			return req, exitf(ExitUsage, "--cover %s: %v", o.Cover, err)
		}
		if err := checkInputFile("--cover "+o.Cover, abs); err != nil {
			return req, err
		}
		req.Cover = abs
	}
	if o.thumbSet {
		v := o.ThumbOffset
		req.ThumbOffsetMS = &v
	}
	if o.shareSet {
		v := o.ShareToFeed
		req.ShareToFeed = &v
	}
	if o.commentSet {
		v := o.FirstComment
		req.FirstComment = &v
	}
	at, err := parseAt(o.At, now)
	if err != nil {
		return req, exitf(ExitUsage, "--at %v", err)
	}
	req.At = at
	return req, nil
}

func readCaptionFile(name string) (string, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	} else {
		data, err = safeopen.ReadFile(name, 1<<20)
	}
	if err != nil {
		return "", exitf(ExitUsage, "--caption-file %v", err)
	}
	return strings.TrimRight(string(data), "\r\n"), nil
}

// publishOutput is what --json prints: the final job and whether it was an
// earlier one.
type publishOutput struct {
	api.Job
	Reused  bool `json:"reused"`
	Resumed bool `json:"resumed,omitempty"`
	// Rescheduled: the earlier job had not started and takes this
	// request's time (an edited --at or at:).
	Rescheduled bool `json:"rescheduled,omitempty"`
	// FoundLive: the account already had the item (another machine, or a
	// run whose answer was lost); nothing was published.
	FoundLive bool `json:"found_live"`
}

// runPublish publishes TARGET…, or the items of --manifest (runManifest).
func runPublish(ctx context.Context, o *publishOptions) error {
	if o.Manifest != "" {
		return runManifest(ctx, o)
	}
	req, err := o.request(time.Now())
	if err != nil {
		return err
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	res, err := pastAtLive(ctx, c, req, time.Now())
	if err == nil && res == nil {
		if err := checkPastAt(ctx, c, req, "--at", time.Now()); err != nil {
			return err
		}
		// A daemon that is restarting is brought back; without --force the
		// request may go again, its key finds the job it made.
		res, err = submitAgain(ctx, &o.baseOptions, !req.Force, func() (*api.PublishResult, error) { return c.Publish(ctx, req) })
	}
	if err != nil {
		if res != nil && res.LiveRefusal != nil && o.JSON {
			// Refused after looking at the live media: the candidates
			// are the data a person needs to decide.
			if werr := writeJSON(o.IO.Out, res.LiveRefusal); werr != nil {
				return werr
			}
			return silentAfterJSON(err)
		}
		return err
	}
	if res.Plan != nil {
		if o.JSON {
			return writeJSON(o.IO.Out, res.Plan)
		}
		printPlan(o.IO, res.Plan)
		return nil
	}
	if n := captionNotice(res); n != "" {
		fmt.Fprintln(o.IO.ErrOut, "note: "+n)
	}
	j, err := followPublish(ctx, &o.baseOptions, c, res, o.Progress)
	if j != nil {
		out := publishOutput{Job: *j, Reused: res.Reused, Resumed: res.Resumed, Rescheduled: res.Rescheduled, FoundLive: res.FoundLive}
		if o.JSON {
			if werr := writeJSON(o.IO.Out, out); werr != nil {
				return werr
			}
		} else {
			printPublished(o.IO, out)
		}
	}
	if o.JSON && j != nil {
		return silentAfterJSON(err)
	}
	return err
}

// followPublish waits for a submitted publish, unless it is scheduled or
// already over. A daemon that restarts meanwhile (a crash, an upgrade) is
// brought back and the watch goes on: the job resumes there (followJob).
func followPublish(ctx context.Context, o *baseOptions, c *api.Client, res *api.PublishResult, progress string) (*api.Job, error) {
	j := res.Job
	if j == nil {
		return nil, errors.New("publish: the daemon answered no job")
	}
	if d := api.PublishDetailOf(j); d != nil && d.At != nil && time.Now().Before(*d.At) && !j.Terminal() {
		return j, nil // scheduled: `impress jobs wait ID` follows it
	}
	if j.Terminal() {
		if j.Error != nil {
			return j, j.Error
		}
		return j, nil
	}
	fj, err := followJob(ctx, o, c, j.ID, progress)
	if errors.Is(err, errLostWatch) {
		// The daemon died mid-publish and did not come back: the post
		// may have gone live before it died. Exit 7, never 1 or 6, so
		// that nobody re-runs it blindly.
		return fj, exitf(ExitUnconfirmed, "publish job %s: the daemon stopped while it ran and could not be reached again, so the post may be live: run `impress jobs show %s` (and once the daemon runs, `impress jobs wait %s`); do not publish it again with --force before you know", j.ID, j.ID, j.ID)
	}
	return fj, err
}

// captionNotice is the one line said about a new reel with no caption: it
// is allowed, and seldom meant (the spec's publish: caption and --caption
// were both left out). Nothing is said of a publish found again.
func captionNotice(res *api.PublishResult) string {
	if res == nil || res.Reused || res.FoundLive || res.Job == nil {
		return ""
	}
	d := api.PublishDetailOf(res.Job)
	if d == nil || d.Type != api.PublishReel || strings.TrimSpace(d.Caption) != "" {
		return ""
	}
	return "this reel has no caption; --caption (or caption: under publish: in a spec) gives it one"
}

func printPlan(ios *IOStreams, p *api.PublishPlan) {
	out := ios.Out
	fmt.Fprintf(out, "dry run: a %s to %s, key %s, bytes by %s\n", p.Type, p.Connection, p.Key, hostingName(p.Hosting))
	for _, it := range p.Items {
		what := it.Target
		if it.Render {
			what += " (rendered first)"
		}
		fmt.Fprintf(out, "  item %s %s\n", what, humanBytes(it.Size))
	}
	fmt.Fprintln(out, "would call:")
	for _, c := range p.Calls {
		fmt.Fprintf(out, "  %s %s", c.Method, c.Path)
		keys := make([]string, 0, len(c.Params))
		for k := range c.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(out, " %s=%q", k, c.Params[k])
		}
		fmt.Fprintln(out)
	}
	if p.Existing != nil {
		fmt.Fprintf(out, "note: job %s holds this key already (%s); a real run would return it and post nothing\n", p.Existing.ID, p.Existing.State)
	}
	fmt.Fprintln(ios.ErrOut, "nothing was sent to Meta (--dry-run)")
}

func hostingName(h string) string {
	if h == "url" {
		return "a signed URL on the public endpoint"
	}
	return "resumable upload"
}

// printPublished is the human summary of a publish.
func printPublished(ios *IOStreams, o publishOutput) {
	d := api.PublishDetailOf(&o.Job)
	st := style{on: ios.ColorEnabled()}
	out := ios.Out
	if d == nil {
		fmt.Fprintf(out, "job %s: %s\n", o.ID, o.State)
		return
	}
	prefix := ""
	if o.Reused {
		prefix = "already done: "
		if o.Resumed {
			prefix = "resumed: "
		}
		if o.Rescheduled {
			prefix = "rescheduled: "
		}
	}
	if o.FoundLive {
		prefix = "already live on the account, nothing published: "
	}
	switch {
	case o.State == api.JobDone:
		link := d.Permalink
		if link == "" {
			link = "(no permalink yet)"
		}
		fmt.Fprintf(out, "%s%s %s → %s: %s\n", prefix, st.green("published"), d.Type, d.Connection, link)
		fmt.Fprintf(out, "  media %s, job %s\n", orNone(d.MediaID), o.ID)
	case d.At != nil && !o.Terminal():
		fmt.Fprintf(out, "%s%s %s → %s for %s (job %s)\n", prefix, st.bold("scheduled"), d.Type, d.Connection, d.At.Local().Format("2006-01-02 15:04 MST"), o.ID)
		fmt.Fprintf(out, "  `impress jobs list` shows it; `impress jobs cancel %s` drops it\n", o.ID)
	case d.State == api.PubUnconfirmed:
		fmt.Fprintf(out, "%s%s %s → %s (job %s, container %s)\n", prefix, st.yellow("unconfirmed"), d.Type, d.Connection, o.ID, d.ContainerID)
	default:
		fmt.Fprintf(out, "%s%s %s → %s (job %s, stopped at %s)\n", prefix, st.red(o.State), d.Type, d.Connection, o.ID, orNone(d.Step))
	}
	for _, n := range d.Notes {
		// A note may quote Meta (a first comment that failed, …).
		fmt.Fprintf(ios.ErrOut, "note: %s\n", inert.Line(n))
	}
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
