package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/inert"
	"github.com/spf13/cobra"
)

// communityCommands are `impress comments`, `impress messages` and
// `impress events`.
func communityCommands(f *Factory) []*cobra.Command {
	return []*cobra.Command{newCommentsCmd(f), newMessagesCmd(f), newEventsCmd(f)}
}

// textArg reads a TEXT argument; "-" reads it from stdin (scripts).
func textArg(in io.Reader, arg string) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(in, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read text from stdin: %w", err)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

func addConnFlag(cmd *cobra.Command, conn *string) {
	cmd.PersistentFlags().StringVar(conn, "connection", "", "connection to use (default: the only one, else the one named default)")
}

// --- comments ---------------------------------------------------------

func newCommentsCmd(f *Factory) *cobra.Command {
	var conn string
	cmd := &cobra.Command{
		Use:   "comments",
		Short: "Read and answer comments on your media",
		Long: `Read and answer comments on your media.

MEDIA is an Instagram media id, the id of an impress publish job, or "latest"
(the newest media impress published). Listing stores a copy of the comments
(sealed, kept 90 days by default) that --offline reads without Meta.`,
		Example: `  impress comments list latest
  impress comments list 17900000000000001 --all --json
  impress comments reply 17850000000000001 "Thank you!"
  impress comments hide 17850000000000002
  impress comments mentions`,
	}
	addConnFlag(cmd, &conn)
	cmd.AddCommand(newCommentsListCmd(f, &conn, nil), newCommentsReplyCmd(f, &conn, nil),
		newCommentsHideCmd(f, &conn, nil), newCommentsUnhideCmd(f, &conn, nil),
		newCommentsDeleteCmd(f, &conn, nil), newCommentsMentionsCmd(f, &conn, nil), newCommentsReplyMentionCmd(f, &conn, nil))
	return cmd
}

// commentsListOptions are `impress comments list`'s inputs.
type commentsListOptions struct {
	baseOptions
	Connection string
	Media      string
	All        bool
	Offline    bool
}

func newCommentsListCmd(f *Factory, conn *string, runF func(context.Context, *commentsListOptions) error) *cobra.Command {
	o := &commentsListOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "list MEDIA", Short: "List a media's comments with their replies", Args: exactArgs(1)}
	cmd.Flags().BoolVar(&o.All, "all", false, "follow every page (Meta serves 50 comments a page)")
	cmd.Flags().BoolVar(&o.Offline, "offline", false, "read the stored copy; do not call Meta")
	return runWith(cmd, o, "print the comments as a JSON array (replies nested)", runF, runCommentsList, func(args []string) error {
		o.Connection, o.Media = *conn, args[0]
		return nil
	})
}

func runCommentsList(ctx context.Context, o *commentsListOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	list, err := c.Comments(ctx, api.CommentsQuery{Connection: o.Connection, Media: o.Media, All: o.All, Offline: o.Offline})
	if err != nil {
		return err
	}
	if o.JSON {
		comments, _ := nonNil(list.Comments, nil)
		return writeJSON(o.IO.Out, comments)
	}
	printComments(o.IO, list)
	return nil
}

func printComments(ios *IOStreams, l *api.CommentList) {
	st := style{on: ios.ColorEnabled()}
	out := ios.Out
	replies := 0
	for _, c := range l.Comments {
		printComment(out, st, c, "")
		for _, r := range c.Replies {
			printComment(out, st, r, "  ↳ ")
			replies++
		}
	}
	src := "from Meta"
	if l.Offline {
		src = "stored copy"
	}
	fmt.Fprintf(ios.ErrOut, "%d comments, %d replies on media %s (%s, connection %s)\n", len(l.Comments), replies, l.MediaID, src, l.Connection)
	if l.More {
		fmt.Fprintln(ios.ErrOut, "more comments on Instagram: add --all to read every page")
	}
}

// printComment prints one comment: its author, time, id and flags, then
// its text on its own lines. The username and the text are the
// commenter's: they are printed inert (internal/inert).
func printComment(w io.Writer, st style, c api.Comment, indent string) {
	who := "@" + inert.Line(c.Username)
	if c.Username == "" {
		who = "(unknown)"
	}
	flags := ""
	if c.Hidden {
		flags += " " + st.yellow("[hidden]")
	}
	if c.PrivateReplied {
		flags += " [private reply sent]"
	}
	if c.LikeCount > 0 {
		flags += fmt.Sprintf(" ♥%d", c.LikeCount)
	}
	fmt.Fprintf(w, "%s%s  %s  %s%s\n", indent, st.bold(who), localTime(c.Timestamp), inert.Line(c.ID), flags)
	pad := strings.Repeat(" ", len([]rune(indent))+4)
	for _, line := range strings.Split(c.Text, "\n") {
		fmt.Fprintf(w, "%s%s\n", pad, inert.Line(line))
	}
}

func newCommentsReplyCmd(f *Factory, conn *string, runF func(context.Context, *sendTextOptions) error) *cobra.Command {
	return newSendTextCmd(&sendTextOptions{baseOptions: f.base()},
		&cobra.Command{Use: "reply ID TEXT", Short: "Reply publicly to a top-level comment (TEXT - reads stdin)"},
		conn, runF, runCommentsReply)
}

func runCommentsReply(ctx context.Context, o *sendTextOptions) error {
	return sendText(ctx, o, func(ctx context.Context, c *api.Client, text string) (*api.CommentResult, error) {
		return c.ReplyComment(ctx, o.Connection, o.ID, text)
	}, func(r *api.CommentResult) string { return "replied to " + r.ID + ": reply " + r.ReplyID })
}

func newCommentsHideCmd(f *Factory, conn *string, runF func(context.Context, *idOptions) error) *cobra.Command {
	return newIDCmd(f, &cobra.Command{Use: "hide ID", Short: "Hide a comment on your media (others no longer see it)"},
		"print the result as JSON", conn, runF, runCommentsHide)
}

func runCommentsHide(ctx context.Context, o *idOptions) error {
	return hideComment(ctx, o, true, "hidden")
}

func newCommentsUnhideCmd(f *Factory, conn *string, runF func(context.Context, *idOptions) error) *cobra.Command {
	return newIDCmd(f, &cobra.Command{Use: "unhide ID", Short: "Show a hidden comment again"},
		"print the result as JSON", conn, runF, runCommentsUnhide)
}

func runCommentsUnhide(ctx context.Context, o *idOptions) error {
	return hideComment(ctx, o, false, "visible")
}

// hideComment hides or shows comment o.ID; state is the word for the result.
func hideComment(ctx context.Context, o *idOptions, hide bool, state string) error {
	return callAndSay(ctx, &o.baseOptions, func(ctx context.Context, c *api.Client) (*api.CommentResult, error) {
		return c.HideComment(ctx, o.Connection, o.ID, hide)
	}, func(r *api.CommentResult) string { return "comment " + r.ID + ": " + state })
}

func newCommentsDeleteCmd(f *Factory, conn *string, runF func(context.Context, *idOptions) error) *cobra.Command {
	return newIDCmd(f, &cobra.Command{Use: "delete ID", Short: "Delete a comment on your media"},
		"print the result as JSON", conn, runF, runCommentsDelete)
}

func runCommentsDelete(ctx context.Context, o *idOptions) error {
	return callAndSay(ctx, &o.baseOptions, func(ctx context.Context, c *api.Client) (*api.CommentResult, error) {
		return c.DeleteComment(ctx, o.Connection, o.ID)
	}, func(r *api.CommentResult) string { return "comment " + r.ID + ": deleted" })
}

// offlineListOptions are the inputs of the lists that can read the stored
// copy instead of Meta (comments mentions, messages list).
type offlineListOptions struct {
	baseOptions
	Connection string
	Offline    bool
}

// newOfflineListCmd builds a command of the offlineListOptions shape.
func newOfflineListCmd(f *Factory, cmd *cobra.Command, conn *string, offlineHelp string, runF, run func(context.Context, *offlineListOptions) error) *cobra.Command {
	o := &offlineListOptions{baseOptions: f.base()}
	cmd.Args = noArgs
	cmd.Flags().BoolVar(&o.Offline, "offline", false, offlineHelp)
	return runWith(cmd, o, "print as a JSON array", runF, run, func([]string) error {
		o.Connection = *conn
		return nil
	})
}

func newCommentsMentionsCmd(f *Factory, conn *string, runF func(context.Context, *offlineListOptions) error) *cobra.Command {
	return newOfflineListCmd(f, &cobra.Command{
		Use:   "mentions",
		Short: "List comments and captions that @mention you (received by webhook)",
		Long: `List comments and captions of other accounts that @mention you.

Meta offers no list of mentions: they arrive as "mentions" webhooks (see
the public endpoint in the README). Online, each mention's text is read
from Meta; --offline shows what the webhooks said.`,
	}, conn, "do not read the mentions' text from Meta", runF, runCommentsMentions)
}

func runCommentsMentions(ctx context.Context, o *offlineListOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) ([]api.Mention, error) {
			return nonNil(c.Mentions(ctx, o.Connection, o.Offline))
		},
		func(ms []api.Mention) error {
			return listTable(o.IO, ms, "no mentions received (they arrive by webhook: `impress doctor` checks the public endpoint)",
				[]string{"RECEIVED", "MEDIA", "COMMENT", "BY", "TEXT"}, func(m api.Mention) []string {
					who := "-"
					if m.Username != "" {
						who = "@" + m.Username
					}
					cid := m.CommentID
					if cid == "" {
						cid = "(caption)"
					}
					return []string{localTime(m.ReceivedAt), m.MediaID, cid, who, firstLineCLI(m.Text)}
				})
		})
}

func newCommentsReplyMentionCmd(f *Factory, conn *string, runF func(context.Context, *sendTextOptions) error) *cobra.Command {
	o := &sendTextOptions{baseOptions: f.base()}
	cmd := newSendTextCmd(o, &cobra.Command{Use: "reply-mention MEDIA_ID TEXT",
		Short: "Answer a mention with a comment on that media (--comment for a comment mention)"},
		conn, runF, runCommentsReplyMention)
	cmd.Flags().StringVar(&o.Comment, "comment", "", "the comment that mentions you (omit for a caption mention)")
	return cmd
}

func runCommentsReplyMention(ctx context.Context, o *sendTextOptions) error {
	return sendText(ctx, o, func(ctx context.Context, c *api.Client, text string) (*api.CommentResult, error) {
		return c.ReplyMention(ctx, api.MentionReply{Connection: o.Connection, MediaID: o.ID, CommentID: o.Comment, Text: text})
	}, func(r *api.CommentResult) string { return "answered the mention on " + o.ID + ": comment " + r.ReplyID })
}

// firstLineCLI is the first line of someone's text, at most 60
// characters, inert: it goes into tables and one-line lists.
func firstLineCLI(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return inert.Line(s)
}

// --- messages ---------------------------------------------------------

func newMessagesCmd(f *Factory) *cobra.Command {
	var conn string
	cmd := &cobra.Command{
		Use:   "messages",
		Short: "Direct messages: thread summaries, reading, replying within the 24 h window",
		Long: `Direct messages.

Instagram lets a business answer a DM only within 24 hours of the person's
last message; outside that window send refuses (exit 5) and says when it
closed, without calling Meta. A comment can get one private reply within 7
days of it. Thread summaries are stored (sealed, 90 days by default); full
message bodies only when you ask with show --keep.`,
		Example: `  impress messages list
  impress messages show aWdfZAGQ0000000001 --keep
  impress messages send aWdfZAGQ0000000001 "It ships on Monday"
  impress messages private-reply 17850000000000001 "Sent you the link"`,
	}
	addConnFlag(cmd, &conn)
	cmd.AddCommand(newMessagesListCmd(f, &conn, nil), newMessagesShowCmd(f, &conn, nil), newMessagesSendCmd(f, &conn, nil),
		newPrivateReplyCmd(f, &conn, nil))
	return cmd
}

// threadRow is a thread in `messages list`.
func threadRow(t api.Thread) []string {
	who := "-"
	if t.Participant != "" {
		who = "@" + t.Participant
	}
	last := firstLineCLI(t.LastMessage)
	if t.LastFromMe {
		last = "you: " + last
	}
	count := strconv.Itoa(t.MessageCount)
	if t.CountCapped {
		count += "+"
	}
	unread := "?"
	if t.Unread != nil {
		unread = map[bool]string{true: "yes", false: "no"}[*t.Unread]
	}
	return []string{t.ID, who, last, localTime(t.LastMessageAt), count, unread, windowText(t)}
}

func windowText(t api.Thread) string {
	switch {
	case t.ReplyAllowed:
		return "open until " + localTime(t.ReplyWindowClosesAt)
	case t.ReplyWindowClosesAt.IsZero():
		return "closed (they never wrote)"
	default:
		return "closed " + localTime(t.ReplyWindowClosesAt)
	}
}

func newMessagesListCmd(f *Factory, conn *string, runF func(context.Context, *offlineListOptions) error) *cobra.Command {
	return newOfflineListCmd(f, &cobra.Command{
		Use:   "list",
		Short: "List DM threads, newest first",
	}, conn, "read the stored summaries; do not call Meta", runF, runMessagesList)
}

func runMessagesList(ctx context.Context, o *offlineListOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) ([]api.Thread, error) {
			return nonNil(c.Threads(ctx, o.Connection, o.Offline))
		},
		func(ts []api.Thread) error {
			return listTable(o.IO, ts, "no conversations", []string{"THREAD", "WITH", "LAST MESSAGE", "AT", "MSGS", "UNREAD", "REPLY"}, threadRow)
		})
}

// messagesShowOptions are `impress messages show`'s inputs.
type messagesShowOptions struct {
	baseOptions
	Connection string
	Thread     string
	Offline    bool
	Keep       bool
}

func newMessagesShowCmd(f *Factory, conn *string, runF func(context.Context, *messagesShowOptions) error) *cobra.Command {
	o := &messagesShowOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "show THREAD", Short: "Show a thread's newest messages (Meta serves the newest 20)", Args: exactArgs(1)}
	cmd.Flags().BoolVar(&o.Offline, "offline", false, "read the stored copy; do not call Meta")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "store the message bodies (sealed) so --offline can show them")
	return runWith(cmd, o, "print as JSON", runF, runMessagesShow, func(args []string) error {
		o.Connection, o.Thread = *conn, args[0]
		return nil
	})
}

func runMessagesShow(ctx context.Context, o *messagesShowOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.ThreadMessages, error) {
			return c.ThreadMessages(ctx, api.ThreadQuery{Connection: o.Connection, Thread: o.Thread, Offline: o.Offline, Keep: o.Keep})
		},
		func(tm *api.ThreadMessages) error {
			t := tm.Thread
			who := "the other person"
			if t.Participant != "" {
				who = "@" + inert.Line(t.Participant)
			}
			fmt.Fprintf(o.IO.Out, "thread %s with %s · reply window %s\n", inert.Line(t.ID), who, windowText(t))
			for i := len(tm.Messages) - 1; i >= 0; i-- { // oldest first, like a chat
				m := tm.Messages[i]
				from := "@" + inert.Line(m.From)
				if m.FromMe {
					from = "you"
				} else if m.From == "" {
					from = who
				}
				text := m.Text
				if len(m.Attachments) > 0 {
					text = strings.TrimSpace(text + " [" + strings.Join(m.Attachments, ", ") + "]")
				}
				fmt.Fprintf(o.IO.Out, "%s  %s: %s\n", localTime(m.CreatedAt), from, inert.Text(text))
			}
			if tm.Offline && len(tm.Messages) == 0 {
				fmt.Fprintln(o.IO.ErrOut, "message bodies are not stored; run `impress messages show "+t.ID+" --keep` online to keep them")
			}
			return nil
		})
}

func newMessagesSendCmd(f *Factory, conn *string, runF func(context.Context, *sendTextOptions) error) *cobra.Command {
	return newSendTextCmd(&sendTextOptions{baseOptions: f.base()}, &cobra.Command{Use: "send THREAD TEXT",
		Short: "Reply in a thread (only within 24 h of their last message; TEXT - reads stdin)"},
		conn, runF, runMessagesSend)
}

func runMessagesSend(ctx context.Context, o *sendTextOptions) error {
	return sendText(ctx, o, func(ctx context.Context, c *api.Client, text string) (*api.SendResult, error) {
		return c.SendMessage(ctx, o.Connection, o.ID, text)
	}, func(r *api.SendResult) string {
		return fmt.Sprintf("sent in thread %s: message %s", r.ThreadID, r.MessageID)
	})
}

func newPrivateReplyCmd(f *Factory, conn *string, runF func(context.Context, *sendTextOptions) error) *cobra.Command {
	return newSendTextCmd(&sendTextOptions{baseOptions: f.base()}, &cobra.Command{Use: "private-reply COMMENT TEXT",
		Short: "Answer a comment in the commenter's DMs (once per comment, within 7 days)"},
		conn, runF, runPrivateReply)
}

func runPrivateReply(ctx context.Context, o *sendTextOptions) error {
	return sendText(ctx, o, func(ctx context.Context, c *api.Client, text string) (*api.SendResult, error) {
		return c.PrivateReply(ctx, o.Connection, o.ID, text)
	}, func(r *api.SendResult) string {
		return fmt.Sprintf("private reply to comment %s sent: message %s", r.CommentID, r.MessageID)
	})
}

// sendTextOptions are the inputs of the commands that send TEXT about an
// ID: comments reply and reply-mention, messages send and private-reply.
type sendTextOptions struct {
	baseOptions
	Connection string
	ID         string
	// Text is the TEXT argument; "-" reads it from stdin when the command
	// runs.
	Text string
	// Comment is reply-mention's --comment.
	Comment string
}

// newSendTextCmd completes cmd in the sendTextOptions shape: ID and TEXT
// are the two arguments, conn the parent's --connection flag.
func newSendTextCmd(o *sendTextOptions, cmd *cobra.Command, conn *string, runF, run func(context.Context, *sendTextOptions) error) *cobra.Command {
	cmd.Args = exactArgs(2)
	return runWith(cmd, o, "print the result as JSON", runF, run, func(args []string) error {
		o.Connection, o.ID, o.Text = *conn, args[0], args[1]
		return nil
	})
}

// sendText reads TEXT, sends it, and prints the result as JSON or as the
// one line that line makes of it.
func sendText[R any](ctx context.Context, o *sendTextOptions, send func(context.Context, *api.Client, string) (R, error), line func(R) string) error {
	text, err := textArg(o.IO.In, o.Text)
	if err != nil {
		return err
	}
	return callAndSay(ctx, &o.baseOptions, func(ctx context.Context, c *api.Client) (R, error) {
		return send(ctx, c, text)
	}, line)
}
