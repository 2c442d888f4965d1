package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

// communityCommands are `impress comments`, `impress messages` and
// `impress events`.
func communityCommands(f *Factory) []*cobra.Command {
	return []*cobra.Command{newCommentsCmd(f), newMessagesCmd(f), newEventsCmd(f)}
}

// textArg reads a TEXT argument; "-" reads it from stdin (scripts).
func textArg(f *Factory, arg string) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(f.IO.In, 64<<10))
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
	}
	addConnFlag(cmd, &conn)
	cmd.AddCommand(newCommentsListCmd(f, &conn), newCommentsReplyCmd(f, &conn),
		newCommentsHideCmd(f, &conn, "hide", true), newCommentsHideCmd(f, &conn, "unhide", false),
		newCommentsDeleteCmd(f, &conn), newCommentsMentionsCmd(f, &conn), newCommentsReplyMentionCmd(f, &conn))
	return cmd
}

func newCommentsListCmd(f *Factory, conn *string) *cobra.Command {
	var all, offline, asJSON bool
	cmd := &cobra.Command{
		Use:   "list MEDIA",
		Short: "List a media's comments with their replies",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			list, err := c.Comments(cmd.Context(), api.CommentsQuery{Connection: *conn, Media: args[0], All: all, Offline: offline})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(f.IO.Out, list.Comments)
			}
			printComments(f, list)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "follow every page (Meta serves 50 comments a page)")
	cmd.Flags().BoolVar(&offline, "offline", false, "read the stored copy; do not call Meta")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the comments as a JSON array (replies nested)")
	return cmd
}

func printComments(f *Factory, l *api.CommentList) {
	st := style{on: f.IO.ColorEnabled()}
	out := f.IO.Out
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
	fmt.Fprintf(f.IO.ErrOut, "%d comments, %d replies on media %s (%s, connection %s)\n", len(l.Comments), replies, l.MediaID, src, l.Connection)
	if l.More {
		fmt.Fprintln(f.IO.ErrOut, "more comments on Instagram: add --all to read every page")
	}
}

func printComment(w io.Writer, st style, c api.Comment, indent string) {
	who := "@" + c.Username
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
	fmt.Fprintf(w, "%s%s  %s  %s%s\n", indent, st.bold(who), localTime(c.Timestamp), c.ID, flags)
	pad := strings.Repeat(" ", len([]rune(indent))+4)
	for _, line := range strings.Split(c.Text, "\n") {
		fmt.Fprintf(w, "%s%s\n", pad, line)
	}
}

func newCommentsReplyCmd(f *Factory, conn *string) *cobra.Command {
	return sendTextCmd(f, "reply ID TEXT", "Reply publicly to a top-level comment (TEXT - reads stdin)",
		func(ctx context.Context, c *api.Client, id, text string) (*api.CommentResult, error) {
			return c.ReplyComment(ctx, *conn, id, text)
		},
		func(_ string, r *api.CommentResult) string { return "replied to " + r.ID + ": reply " + r.ReplyID })
}

func newCommentsHideCmd(f *Factory, conn *string, verb string, hide bool) *cobra.Command {
	short, state := "Hide a comment on your media (others no longer see it)", "hidden"
	if !hide {
		short, state = "Show a hidden comment again", "visible"
	}
	return idActionCmd(f, verb+" ID", short, "print the result as JSON",
		func(ctx context.Context, c *api.Client, id string) (*api.CommentResult, error) {
			return c.HideComment(ctx, *conn, id, hide)
		},
		func(r *api.CommentResult) string { return "comment " + r.ID + ": " + state })
}

func newCommentsDeleteCmd(f *Factory, conn *string) *cobra.Command {
	return idActionCmd(f, "delete ID", "Delete a comment on your media", "print the result as JSON",
		func(ctx context.Context, c *api.Client, id string) (*api.CommentResult, error) {
			return c.DeleteComment(ctx, *conn, id)
		},
		func(r *api.CommentResult) string { return "comment " + r.ID + ": deleted" })
}

func newCommentsMentionsCmd(f *Factory, conn *string) *cobra.Command {
	var offline bool
	cmd := readCmd(f, &cobra.Command{
		Use:   "mentions",
		Short: "List comments and captions that @mention you (received by webhook)",
		Long: `List comments and captions of other accounts that @mention you.

Meta offers no list of mentions: they arrive as "mentions" webhooks (see
the public endpoint in the README). Online, each mention's text is read
from Meta; --offline shows what the webhooks said.`,
		Args: noArgs,
	}, "print as a JSON array",
		func(ctx context.Context, c *api.Client, _ []string) ([]api.Mention, error) {
			return c.Mentions(ctx, *conn, offline)
		},
		func(ms []api.Mention) error {
			if len(ms) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "no mentions received (they arrive by webhook: `impress doctor` checks the public endpoint)")
				return nil
			}
			rows := make([][]string, 0, len(ms))
			for _, m := range ms {
				who := "-"
				if m.Username != "" {
					who = "@" + m.Username
				}
				cid := m.CommentID
				if cid == "" {
					cid = "(caption)"
				}
				rows = append(rows, []string{localTime(m.ReceivedAt), m.MediaID, cid, who, firstLineCLI(m.Text)})
			}
			return table(f.IO.Out, []string{"RECEIVED", "MEDIA", "COMMENT", "BY", "TEXT"}, rows)
		})
	cmd.Flags().BoolVar(&offline, "offline", false, "do not read the mentions' text from Meta")
	return cmd
}

func newCommentsReplyMentionCmd(f *Factory, conn *string) *cobra.Command {
	var comment string
	cmd := sendTextCmd(f, "reply-mention MEDIA_ID TEXT", "Answer a mention with a comment on that media (--comment for a comment mention)",
		func(ctx context.Context, c *api.Client, id, text string) (*api.CommentResult, error) {
			return c.ReplyMention(ctx, api.MentionReply{Connection: *conn, MediaID: id, CommentID: comment, Text: text})
		},
		func(media string, r *api.CommentResult) string {
			return "answered the mention on " + media + ": comment " + r.ReplyID
		})
	cmd.Flags().StringVar(&comment, "comment", "", "the comment that mentions you (omit for a caption mention)")
	return cmd
}

func firstLineCLI(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
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
	}
	addConnFlag(cmd, &conn)
	cmd.AddCommand(newMessagesListCmd(f, &conn), newMessagesShowCmd(f, &conn), newMessagesSendCmd(f, &conn),
		newPrivateReplyCmd(f, &conn))
	return cmd
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

func newMessagesListCmd(f *Factory, conn *string) *cobra.Command {
	var offline bool
	cmd := readCmd(f, &cobra.Command{
		Use:   "list",
		Short: "List DM threads, newest first",
		Args:  noArgs,
	}, "print as a JSON array",
		func(ctx context.Context, c *api.Client, _ []string) ([]api.Thread, error) {
			return c.Threads(ctx, *conn, offline)
		},
		func(ts []api.Thread) error {
			if len(ts) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "no conversations")
				return nil
			}
			rows := make([][]string, 0, len(ts))
			for _, t := range ts {
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
				rows = append(rows, []string{t.ID, who, last, localTime(t.LastMessageAt), count, unread, windowText(t)})
			}
			return table(f.IO.Out, []string{"THREAD", "WITH", "LAST MESSAGE", "AT", "MSGS", "UNREAD", "REPLY"}, rows)
		})
	cmd.Flags().BoolVar(&offline, "offline", false, "read the stored summaries; do not call Meta")
	return cmd
}

func newMessagesShowCmd(f *Factory, conn *string) *cobra.Command {
	var offline, keep bool
	cmd := readCmd(f, &cobra.Command{
		Use:   "show THREAD",
		Short: "Show a thread's newest messages (Meta serves the newest 20)",
		Args:  exactArgs(1),
	}, "print as JSON",
		func(ctx context.Context, c *api.Client, args []string) (*api.ThreadMessages, error) {
			return c.ThreadMessages(ctx, api.ThreadQuery{Connection: *conn, Thread: args[0], Offline: offline, Keep: keep})
		},
		func(tm *api.ThreadMessages) error {
			t := tm.Thread
			who := "the other person"
			if t.Participant != "" {
				who = "@" + t.Participant
			}
			fmt.Fprintf(f.IO.Out, "thread %s with %s · reply window %s\n", t.ID, who, windowText(t))
			for i := len(tm.Messages) - 1; i >= 0; i-- { // oldest first, like a chat
				m := tm.Messages[i]
				from := "@" + m.From
				if m.FromMe {
					from = "you"
				} else if m.From == "" {
					from = who
				}
				text := m.Text
				if len(m.Attachments) > 0 {
					text = strings.TrimSpace(text + " [" + strings.Join(m.Attachments, ", ") + "]")
				}
				fmt.Fprintf(f.IO.Out, "%s  %s: %s\n", localTime(m.CreatedAt), from, text)
			}
			if tm.Offline && len(tm.Messages) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "message bodies are not stored; run `impress messages show "+t.ID+" --keep` online to keep them")
			}
			return nil
		})
	cmd.Flags().BoolVar(&offline, "offline", false, "read the stored copy; do not call Meta")
	cmd.Flags().BoolVar(&keep, "keep", false, "store the message bodies (sealed) so --offline can show them")
	return cmd
}

func newMessagesSendCmd(f *Factory, conn *string) *cobra.Command {
	return sendTextCmd(f, "send THREAD TEXT", "Reply in a thread (only within 24 h of their last message; TEXT - reads stdin)",
		func(ctx context.Context, c *api.Client, id, text string) (*api.SendResult, error) {
			return c.SendMessage(ctx, *conn, id, text)
		},
		func(_ string, r *api.SendResult) string {
			return fmt.Sprintf("sent in thread %s: message %s", r.ThreadID, r.MessageID)
		})
}

func newPrivateReplyCmd(f *Factory, conn *string) *cobra.Command {
	return sendTextCmd(f, "private-reply COMMENT TEXT", "Answer a comment in the commenter's DMs (once per comment, within 7 days)",
		func(ctx context.Context, c *api.Client, id, text string) (*api.SendResult, error) {
			return c.PrivateReply(ctx, *conn, id, text)
		},
		func(_ string, r *api.SendResult) string {
			return fmt.Sprintf("private reply to comment %s sent: message %s", r.CommentID, r.MessageID)
		})
}

// sendTextCmd is the shape the commands that send TEXT (args[1], - reads
// stdin) about an id (args[0]) share: one daemon call, then the result as
// JSON or as the one line that line makes of the id and the result.
func sendTextCmd[R any](f *Factory, use, short string, send func(ctx context.Context, c *api.Client, id, text string) (R, error), line func(id string, r R) string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := textArg(f, args[1])
			if err != nil {
				return err
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			r, err := send(cmd.Context(), c, args[0], text)
			if err != nil {
				return err
			}
			return printResult(f, asJSON, r, line(args[0], r))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
