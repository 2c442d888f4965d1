package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/inert"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/spf13/cobra"
)

// The clients of a running sandbox: `impress sandbox comment|mention|dm|
// post|live|deliver`. They are what only other people do on Instagram (a
// fan comments, a brand mentions you, someone writes a DM, a post is made
// in the app), made through the sandbox's /_sandbox/ admin API, found
// through IMPRESS_META_ENDPOINT (meta.endpoint). The events ones point the
// sandbox's webhooks at the configured public endpoint first and wait for
// their delivery, so that `impress events list` shows them on return.

// sandboxClientOptions are what every sandbox client command shares.
type sandboxClientOptions struct {
	baseOptions
	Settings func() (*config.Settings, error)
	// Endpoint is --endpoint, else meta.endpoint.
	Endpoint string
	// HTTP reaches the sandbox (tests may replace it).
	HTTP *http.Client
}

func (f *Factory) sandboxClientOptions() sandboxClientOptions {
	return sandboxClientOptions{baseOptions: f.base(), Settings: f.Settings}
}

// addEndpointFlag declares --endpoint.
func addEndpointFlag(cmd *cobra.Command, o *sandboxClientOptions) {
	cmd.Flags().StringVar(&o.Endpoint, "endpoint", "", "the sandbox's base URL (default IMPRESS_META_ENDPOINT, meta.endpoint)")
}

// sandboxAPI is a client of one running sandbox's admin API.
type sandboxAPI struct {
	base   string
	http   *http.Client
	public string // the configured public endpoint's base URL, or ""
}

// api resolves the sandbox to talk to.
func (o *sandboxClientOptions) api() (*sandboxAPI, error) {
	st, err := o.Settings()
	if err != nil {
		return nil, err
	}
	base := o.Endpoint
	if base == "" {
		base = st.String(config.MetaEndpoint)
	}
	if base == "" {
		return nil, exitf(ExitUsage, "no sandbox to talk to: IMPRESS_META_ENDPOINT is not set; start one with `impress sandbox` and export the lines it prints (or give --endpoint URL)")
	}
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &sandboxAPI{base: strings.TrimRight(base, "/"), http: hc, public: strings.TrimRight(st.String(config.DaemonPublicURL), "/")}, nil
}

// call sends one admin request and decodes its answer into out.
func (a *sandboxAPI) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+"/_sandbox"+path, body)
	if err != nil {
		return exitf(ExitUsage, "sandbox endpoint %q: %v", a.base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return exitf(ExitFailure, "no sandbox answers at %s (%v); start one with `impress sandbox`, and export IMPRESS_META_ENDPOINT as it prints", a.base, rootCause(err))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode >= 300 {
		var env struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &env) != nil || env.Error.Message == "" {
			return exitf(ExitFailure, "%s is not an impress sandbox (%s on %s %s)", a.base, resp.Status, method, "/_sandbox"+path)
		}
		code := ExitUsage // the sandbox refuses what it was given: an unknown media, an empty text
		if resp.StatusCode >= 500 {
			code = ExitFailure
		}
		return exitf(code, "sandbox: %s", strings.TrimPrefix(env.Error.Message, "sandbox: "))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return exitf(ExitFailure, "%s answered %s %s with something else than JSON: %v", a.base, method, path, err)
	}
	return nil
}

// webhookTarget points the sandbox's webhooks at the configured public
// endpoint (when one is) and returns where they go now ("": nowhere).
func (a *sandboxAPI) webhookTarget(ctx context.Context) (string, error) {
	var k sandbox.Knobs
	if a.public != "" {
		want := a.public + "/webhooks/meta"
		if err := a.call(ctx, "POST", "/knobs", map[string]string{"webhook_url": want}, &k); err != nil {
			return "", err
		}
		return k.WebhookURL, nil
	}
	if err := a.call(ctx, "GET", "/knobs", nil, &k); err != nil {
		return "", err
	}
	return k.WebhookURL, nil
}

// flush waits until every webhook the sandbox queued has been delivered
// (or given up) and returns them all.
func (a *sandboxAPI) flush(ctx context.Context) ([]sandbox.Delivery, error) {
	var ds []sandbox.Delivery
	err := a.call(ctx, "POST", "/flush-webhooks", map[string]string{"timeout": "20s"}, &ds)
	return ds, err
}

// sandboxEvent is what the event commands print under --json: what was
// made, and the webhooks it sent.
type sandboxEvent struct {
	Made     any                `json:"made"`
	Webhook  string             `json:"webhook_url,omitempty"`
	Webhooks []sandbox.Delivery `json:"webhooks"`
}

// makeEvent makes something happen in the sandbox through make, with
// the webhooks pointed at the public endpoint and delivered before it
// returns; line is the human summary of what was made.
func makeEvent[T any](ctx context.Context, o *sandboxClientOptions, make func(context.Context, *sandboxAPI) (T, error), line func(T) string) error {
	a, err := o.api()
	if err != nil {
		return err
	}
	target, err := a.webhookTarget(ctx)
	if err != nil {
		return err
	}
	before, err := a.flush(ctx)
	if err != nil {
		return err
	}
	made, err := make(ctx, a)
	if err != nil {
		return err
	}
	ev := sandboxEvent{Made: made, Webhook: target, Webhooks: []sandbox.Delivery{}}
	if target != "" {
		all, err := a.flush(ctx)
		if err != nil {
			return err
		}
		if len(all) > len(before) {
			ev.Webhooks = all[len(before):]
		}
	}
	if o.JSON {
		return writeJSON(o.IO.Out, ev)
	}
	fmt.Fprintln(o.IO.Out, inertLine(line(made)))
	return reportDeliveries(o.IO, target, ev.Webhooks)
}

// inertLine keeps a summary holding someone's text to one inert line.
func inertLine(s string) string { return inert.Line(s) }

// reportDeliveries says where the webhooks went, on stderr; a delivery
// the endpoint refused is an error (exit 1) with what to check.
func reportDeliveries(ios *IOStreams, target string, ds []sandbox.Delivery) error {
	if target == "" {
		fmt.Fprintln(ios.ErrOut, "no webhook sent: no public endpoint is configured (daemon.public_url); "+
			"`impress sandbox --addr 127.0.0.1:0` prints one to export, and `impress comments list` reads from the sandbox anyway")
		return nil
	}
	var failed []string
	for _, d := range ds {
		if d.Delivered {
			fmt.Fprintf(ios.ErrOut, "webhook %s → %s: delivered (%d)\n", d.Field, target, d.Status)
			continue
		}
		why := d.Error
		if why == "" {
			why = fmt.Sprintf("answered %d", d.Status)
		}
		failed = append(failed, fmt.Sprintf("%s: %s after %d attempt(s)", d.Field, why, d.Attempts))
	}
	if len(failed) > 0 {
		return exitf(ExitFailure, "webhooks to %s were not delivered:\n  %s\nis the daemon running with that public endpoint? `impress doctor` checks it",
			target, strings.Join(failed, "\n  "))
	}
	return nil
}

// --- comment, mention, dm ---------------------------------------------

// sandboxCommentOptions are `impress sandbox comment` and `mention`'s inputs.
type sandboxCommentOptions struct {
	sandboxClientOptions
	Media   string
	From    string
	ReplyTo string
	// Of is mention's account to mention.
	Of   string
	Text string
}

func newSandboxCommentCmd(f *Factory, runF func(context.Context, *sandboxCommentOptions) error) *cobra.Command {
	o := &sandboxCommentOptions{sandboxClientOptions: f.sandboxClientOptions()}
	cmd := &cobra.Command{
		Use:   "comment TEXT",
		Short: "A fan comments on a media in the running sandbox (webhook delivered)",
		Long: `A fan comments on a media in the running sandbox, as if in the Instagram
app; the comments webhook goes to the public endpoint before this returns.
Without --media the comment goes on the newest post of @` + sandbox.IGCreatorUsername + `
(what you published last). TEXT - reads the text from stdin.`,
		Example: `  impress sandbox comment "love this!"
  impress sandbox comment --media 18000000000000001 --from night_owl_fan "when is the next one?"
  impress sandbox comment --reply-to 17850000000000001 "me too"`,
		Args: exactArgs(1),
	}
	addEndpointFlag(cmd, &o.sandboxClientOptions)
	cmd.Flags().StringVar(&o.Media, "media", "", "the media to comment on (default: the newest post of @"+sandbox.IGCreatorUsername+")")
	cmd.Flags().StringVar(&o.From, "from", sandbox.FanUsername, "who comments: a fan's username or id")
	cmd.Flags().StringVar(&o.ReplyTo, "reply-to", "", "reply to this comment instead")
	return runWith(cmd, o, "print what was made and the webhooks sent as JSON", runF, runSandboxComment, firstArg(&o.Text))
}

func runSandboxComment(ctx context.Context, o *sandboxCommentOptions) error {
	text, err := textArg(o.IO.In, o.Text)
	if err != nil {
		return err
	}
	o.Text = text
	return makeEvent(ctx, &o.sandboxClientOptions, func(ctx context.Context, a *sandboxAPI) (sandbox.Comment, error) {
		in := map[string]string{"from": o.From, "text": o.Text}
		if o.ReplyTo != "" {
			in["parent_id"] = o.ReplyTo
		} else {
			media, err := a.mediaOr(ctx, o.Media, sandbox.IGCreatorUsername)
			if err != nil {
				return sandbox.Comment{}, err
			}
			in["media_id"] = media
		}
		var c sandbox.Comment
		return c, a.call(ctx, "POST", "/comments", in, &c)
	}, func(c sandbox.Comment) string {
		return fmt.Sprintf("@%s commented on media %s: %s (comment %s)", c.FromUsername, c.MediaID, c.Text, c.ID)
	})
}

// mediaOr is media, or else the newest live post of account.
func (a *sandboxAPI) mediaOr(ctx context.Context, media, account string) (string, error) {
	if media != "" {
		return media, nil
	}
	live, err := a.live(ctx, account)
	if err != nil {
		return "", err
	}
	if len(live) == 0 {
		return "", exitf(ExitUsage, "@%s has no post to comment on; give --media ID", account)
	}
	return live[len(live)-1].ID, nil
}

func (a *sandboxAPI) live(ctx context.Context, account string) ([]sandbox.Media, error) {
	var out struct {
		Media []sandbox.Media `json:"media"`
	}
	path := "/live"
	if account != "" {
		path += "?account=" + url.QueryEscape(account)
	}
	if err := a.call(ctx, "GET", path, nil, &out); err != nil {
		return nil, err
	}
	return nonNil(out.Media, nil)
}

func newSandboxMentionCmd(f *Factory, runF func(context.Context, *sandboxCommentOptions) error) *cobra.Command {
	o := &sandboxCommentOptions{sandboxClientOptions: f.sandboxClientOptions()}
	cmd := &cobra.Command{
		Use:   "mention TEXT",
		Short: "Someone mentions you in a comment on another account's post (webhook delivered)",
		Long: `Someone @mentions an account in a comment on another account's post: the
mentions webhook goes to the public endpoint, and ` + "`impress comments mentions`" + `
lists it. TEXT gets "@` + sandbox.IGCreatorUsername + `" in front unless it mentions
--of already.`,
		Example: `  impress sandbox mention "look what @sandbox_creator made"
  impress sandbox mention --from curious_cat_fan "you should see this"`,
		Args: exactArgs(1),
	}
	addEndpointFlag(cmd, &o.sandboxClientOptions)
	cmd.Flags().StringVar(&o.Media, "media", sandbox.SeedBrandReelID, "the post the comment is on (default: a reel of @"+sandbox.IGBrandUsername+")")
	cmd.Flags().StringVar(&o.From, "from", sandbox.FanUsername, "who writes it: a fan's or an account's username or id")
	cmd.Flags().StringVar(&o.Of, "of", sandbox.IGCreatorUsername, "the account mentioned (a username)")
	return runWith(cmd, o, "print what was made and the webhooks sent as JSON", runF, runSandboxMention, func(args []string) error {
		o.Text = args[0]
		if !strings.Contains(strings.ToLower(o.Text), "@"+strings.ToLower(o.Of)) {
			o.Text = "@" + o.Of + " " + o.Text
		}
		return nil
	})
}

func runSandboxMention(ctx context.Context, o *sandboxCommentOptions) error {
	return makeEvent(ctx, &o.sandboxClientOptions, func(ctx context.Context, a *sandboxAPI) (sandbox.Comment, error) {
		var c sandbox.Comment
		return c, a.call(ctx, "POST", "/comments", map[string]string{"media_id": o.Media, "from": o.From, "text": o.Text}, &c)
	}, func(c sandbox.Comment) string {
		return fmt.Sprintf("@%s mentioned @%s on media %s: %s (comment %s)", c.FromUsername, o.Of, c.MediaID, c.Text, c.ID)
	})
}

// sandboxDMOptions are `impress sandbox dm`'s inputs.
type sandboxDMOptions struct {
	sandboxClientOptions
	From string
	To   string
	Text string
}

func newSandboxDMCmd(f *Factory, runF func(context.Context, *sandboxDMOptions) error) *cobra.Command {
	o := &sandboxDMOptions{sandboxClientOptions: f.sandboxClientOptions()}
	cmd := &cobra.Command{
		Use:   "dm TEXT",
		Short: "A fan sends you a direct message (webhook delivered; opens the 24 h reply window)",
		Long: `A fan sends a direct message to the account, as if in the Instagram app: it
opens the 24 h reply window, and the messages webhook goes to the public
endpoint before this returns. TEXT - reads the text from stdin.`,
		Example: `  impress sandbox dm "is it in stock?"
  impress sandbox dm --from night_owl_fan "hello again"`,
		Args: exactArgs(1),
	}
	addEndpointFlag(cmd, &o.sandboxClientOptions)
	cmd.Flags().StringVar(&o.From, "from", sandbox.FanUsername, "who writes: a fan's username or id")
	cmd.Flags().StringVar(&o.To, "to", sandbox.IGCreatorUsername, "the account written to")
	return runWith(cmd, o, "print what was made and the webhooks sent as JSON", runF, runSandboxDM, firstArg(&o.Text))
}

func runSandboxDM(ctx context.Context, o *sandboxDMOptions) error {
	text, err := textArg(o.IO.In, o.Text)
	if err != nil {
		return err
	}
	o.Text = text
	return makeEvent(ctx, &o.sandboxClientOptions, func(ctx context.Context, a *sandboxAPI) (sandbox.Message, error) {
		var m sandbox.Message
		return m, a.call(ctx, "POST", "/messages", map[string]string{"account": o.To, "from": o.From, "text": o.Text}, &m)
	}, func(m sandbox.Message) string {
		return fmt.Sprintf("@%s wrote to @%s: %s (thread %s)", o.From, o.To, m.Text, m.ConvID)
	})
}

// --- post, live, deliver ----------------------------------------------

// sandboxPostOptions are `impress sandbox post`'s inputs.
type sandboxPostOptions struct {
	sandboxClientOptions
	Post sandbox.ElsewherePost
	Type string
	Ago  time.Duration
}

// postTypes are --type's words (publish's) in the container vocabulary.
var postTypes = map[string]string{api.PublishReel: "REELS", api.PublishImage: "IMAGE", api.PublishCarousel: "CAROUSEL", api.PublishStory: "STORIES"}

func newSandboxPostCmd(f *Factory, runF func(context.Context, *sandboxPostOptions) error) *cobra.Command {
	o := &sandboxPostOptions{sandboxClientOptions: f.sandboxClientOptions()}
	cmd := &cobra.Command{
		Use:   "post",
		Short: "A post made outside impress (in the Instagram app) appears on the account",
		Long: `A post made outside impress — in the Instagram app, on another machine —
appears on the account: listed by Meta like any other post, but never a
publish of impress and not counted in its daily publishing quota.`,
		Example: `  impress sandbox post --caption "posted from my phone"
  impress sandbox post --type carousel --children 3 --ago 2h`,
		Args: noArgs,
	}
	addEndpointFlag(cmd, &o.sandboxClientOptions)
	fl := cmd.Flags()
	fl.StringVar(&o.Type, "type", api.PublishReel, strings.Join(api.SpecPublishTypes, " | "))
	fl.StringVar(&o.Post.Caption, "caption", "", "its caption (stories have none)")
	fl.StringVar(&o.Post.Account, "account", sandbox.IGCreatorUsername, "the account it is posted on")
	fl.IntVar(&o.Post.Children, "children", 0, "items of a carousel, 2 to 10 (default 2)")
	fl.DurationVar(&o.Ago, "ago", 0, "how long ago it was posted")
	return runWith(cmd, o, "print the post as JSON", runF, runSandboxPost, func([]string) error {
		t, ok := postTypes[o.Type]
		if !ok {
			return flagErrorf("--type %q: want one of %s", o.Type, strings.Join(api.SpecPublishTypes, ", "))
		}
		if o.Ago < 0 {
			return flagErrorf("--ago %v: want a duration ≥ 0", o.Ago)
		}
		o.Post.MediaType, o.Post.Ago = t, sandbox.Duration(o.Ago)
		return nil
	})
}

func runSandboxPost(ctx context.Context, o *sandboxPostOptions) error {
	a, err := o.api()
	if err != nil {
		return err
	}
	var m sandbox.Media
	if err := a.call(ctx, "POST", "/media", o.Post, &m); err != nil {
		return err
	}
	return o.printResult(m, inertLine(fmt.Sprintf("posted from elsewhere: %s %s on %s: %s", strings.ToLower(m.MediaType), m.ID, o.Post.Account, orNone(m.Permalink))))
}

func newSandboxLiveCmd(f *Factory, runF func(context.Context, *sandboxPostOptions) error) *cobra.Command {
	o := &sandboxPostOptions{sandboxClientOptions: f.sandboxClientOptions()}
	cmd := &cobra.Command{
		Use:   "live",
		Short: "List what is live on the sandbox's accounts, whoever posted it (media ids to comment on)",
		Args:  noArgs,
	}
	addEndpointFlag(cmd, &o.sandboxClientOptions)
	cmd.Flags().StringVar(&o.Post.Account, "account", "", "only this account (username or id)")
	return runWith(cmd, o, "print as a JSON array", runF, runSandboxLive, nil)
}

func runSandboxLive(ctx context.Context, o *sandboxPostOptions) error {
	a, err := o.api()
	if err != nil {
		return err
	}
	live, err := a.live(ctx, o.Post.Account)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(o.IO.Out, live)
	}
	return listTable(o.IO, live, "nothing live", []string{"MEDIA", "TYPE", "OWNER", "VIA", "POSTED", "CAPTION"}, func(m sandbox.Media) []string {
		via := "elsewhere"
		if m.ViaAPI {
			via = "API"
		}
		return []string{m.ID, m.ProductType, m.Owner, via, localTime(m.Timestamp), firstLineCLI(m.Caption)}
	})
}

// sandboxDeliverOptions are `impress sandbox deliver`'s inputs.
type sandboxDeliverOptions struct {
	sandboxClientOptions
	To string
}

func newSandboxDeliverCmd(f *Factory, runF func(context.Context, *sandboxDeliverOptions) error) *cobra.Command {
	o := &sandboxDeliverOptions{sandboxClientOptions: f.sandboxClientOptions()}
	cmd := &cobra.Command{
		Use:   "deliver",
		Short: "Point the sandbox's webhooks at the public endpoint and deliver what is pending",
		Long: `Point the sandbox's webhooks at the daemon's public endpoint (daemon.public_url,
or --to) and wait until every queued webhook is delivered. The comment,
mention and dm subcommands do this themselves; deliver is for comments and
messages made otherwise (through Meta's API by impress itself, or the
sandbox's admin API).`,
		Example: `  impress sandbox deliver
  impress sandbox deliver --to http://127.0.0.1:8787/webhooks/meta`,
		Args: noArgs,
	}
	addEndpointFlag(cmd, &o.sandboxClientOptions)
	cmd.Flags().StringVar(&o.To, "to", "", "webhook URL (default: daemon.public_url + /webhooks/meta)")
	return runWith(cmd, o, "print every delivery as a JSON array", runF, runSandboxDeliver, nil)
}

func runSandboxDeliver(ctx context.Context, o *sandboxDeliverOptions) error {
	a, err := o.api()
	if err != nil {
		return err
	}
	if o.To != "" {
		a.public = strings.TrimSuffix(strings.TrimRight(o.To, "/"), "/webhooks/meta")
	}
	target, err := a.webhookTarget(ctx)
	if err != nil {
		return err
	}
	if target == "" {
		return exitf(ExitUsage, "no webhook URL: set daemon.public_url (or export the lines of `impress sandbox --addr 127.0.0.1:0`), or give --to URL")
	}
	// What is pending now is what this command delivers; earlier
	// deliveries keep their own outcome.
	var st struct {
		Webhooks []sandbox.Delivery `json:"webhooks"`
	}
	if err := a.call(ctx, "GET", "/state", nil, &st); err != nil {
		return err
	}
	pending := map[int]bool{}
	for _, d := range st.Webhooks {
		if !d.Done {
			pending[d.ID] = true
		}
	}
	all, err := a.flush(ctx)
	if err != nil {
		return err
	}
	ds := []sandbox.Delivery{}
	for _, d := range all {
		if pending[d.ID] {
			ds = append(ds, d)
		}
	}
	if o.JSON {
		if err := writeJSON(o.IO.Out, ds); err != nil {
			return err
		}
		return silentAfterJSON(reportDeliveries(&IOStreams{Out: io.Discard, ErrOut: io.Discard}, target, ds))
	}
	if len(ds) == 0 {
		fmt.Fprintf(o.IO.ErrOut, "nothing pending; new comments and messages send their webhooks to %s\n", target)
		return nil
	}
	return reportDeliveries(o.IO, target, ds)
}
