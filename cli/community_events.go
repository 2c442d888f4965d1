package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/inert"
	"github.com/spf13/cobra"
)

func newEventsCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{Use: "events", Short: "Webhook events Meta delivered to the public endpoint",
		Example: `  impress events list
  impress events list --since 41 --type comments --json
  impress events list --follow --json      # NDJSON, survives daemon restarts`}, newEventsListCmd(f, nil))
}

// errLimit ends a follow that printed --limit events.
var errLimit = errors.New("limit reached")

// eventsListOptions are `impress events list`'s inputs.
type eventsListOptions struct {
	baseOptions
	Query  api.EventsQuery
	Follow bool
}

func newEventsListCmd(f *Factory, runF func(context.Context, *eventsListOptions) error) *cobra.Command {
	o := &eventsListOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored webhook events, oldest first; --follow waits for new ones",
		Long: `List stored webhook events, oldest first.

Event ids increase strictly and are never reused, also across daemon
restarts: --since ID prints only later events, so a script that remembers
the last id it handled never misses one. --follow keeps printing new events
as Meta delivers them (NDJSON with --json) and, when the daemon restarts,
reconnects and continues after the last id it printed. Types are Meta's
webhook fields: comments, mentions, messages, message_reactions, …`,
		Example: `  impress events list --type messages
  impress events list --since 41 --json
  impress events list --follow --json | jq -c 'select(.type == "comments")'`,
		Args: noArgs,
	}
	cmd.Flags().Uint64Var(&o.Query.Since, "since", 0, "only events after this id")
	cmd.Flags().StringVar(&o.Query.Type, "type", "", "only events of this type (comments, mentions, messages, …)")
	cmd.Flags().BoolVar(&o.Follow, "follow", false, "keep printing new events as they arrive")
	cmd.Flags().IntVar(&o.Query.Limit, "limit", 0, "stop after this many events (0: no limit)")
	return runWith(cmd, o, "print a JSON array (NDJSON, one event per line, with --follow)", runF, runEventsList, func([]string) error {
		if o.Query.Limit < 0 {
			return flagErrorf("--limit must be 0 or more")
		}
		return nil
	})
}

func runEventsList(ctx context.Context, o *eventsListOptions) error {
	if o.Follow {
		return followEvents(ctx, o)
	}
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) ([]api.Event, error) { return nonNil(c.Events(ctx, o.Query)) },
		func(evs []api.Event) error {
			if len(evs) == 0 {
				fmt.Fprintln(o.IO.ErrOut, "no events")
			}
			for _, ev := range evs {
				fmt.Fprintln(o.IO.Out, eventLine(ev))
			}
			return nil
		})
}

// followEvents prints events until ctx ends or the limit is reached. When
// the stream breaks (the daemon stopped), it waits for the daemon to come
// back and resumes after the last id printed: no gap, no repeat.
func followEvents(ctx context.Context, o *eventsListOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	q := o.Query
	printed, limit := 0, q.Limit
	waiting := false
	for {
		if limit > 0 {
			q.Limit = limit - printed
		}
		err := c.FollowEvents(ctx, q, func(ev api.Event) error {
			if waiting {
				waiting = false
				if o.IO.IsStderrTTY() {
					fmt.Fprintln(o.IO.ErrOut, "reconnected")
				}
			}
			if o.JSON {
				b, err := json.Marshal(ev)
				if err != nil {
					return err
				}
				if _, err := fmt.Fprintf(o.IO.Out, "%s\n", b); err != nil {
					return err
				}
			} else if _, err := fmt.Fprintln(o.IO.Out, eventLine(ev)); err != nil {
				return err
			}
			q.Since = ev.ID
			printed++
			if limit > 0 && printed >= limit {
				return errLimit
			}
			return nil
		})
		switch {
		case errors.Is(err, errLimit):
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil && limit > 0 && printed >= limit:
			return nil
		}
		if e, ok := api.AsError(err); ok && e.Code != api.CodeInternal && e.Code != api.CodeRecovery {
			return e // bad flag, not found, …: reconnecting will not help
		}
		// The stream ended or broke: the daemon stopped. Wait for it.
		if !waiting && o.IO.IsStderrTTY() {
			fmt.Fprintln(o.IO.ErrOut, "the daemon stopped; waiting for it to come back (Ctrl-C to quit)")
		}
		waiting = true
		if err := waitForDaemon(ctx, c); err != nil {
			return err
		}
	}
}

// waitForDaemon polls until the daemon answers. It waits a tick first: a
// daemon that is shutting down still answers for a moment.
func waitForDaemon(ctx context.Context, c *api.Client) error {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.Ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
	}
}

// eventLine is one event for people.
func eventLine(ev api.Event) string {
	who := ev.FromUsername
	if who == "" {
		who = ev.FromID
	}
	if who != "" {
		who = "@" + who
	}
	var what string
	switch ev.Type {
	case api.EventComments, api.EventLiveComments:
		kind := "comment"
		if ev.ParentID != "" {
			kind = "reply"
		}
		what = fmt.Sprintf("%s %s on media %s by %s: %s", kind, ev.CommentID, ev.MediaID, who, firstLineCLI(ev.Text))
	case api.EventMentions:
		if ev.CommentID != "" {
			what = fmt.Sprintf("mentioned in comment %s on media %s", ev.CommentID, ev.MediaID)
		} else {
			what = "mentioned in the caption of media " + ev.MediaID
		}
	case api.EventMessages:
		switch {
		case ev.Echo:
			what = "you sent: " + firstLineCLI(ev.Text)
		case ev.Deleted:
			what = who + " deleted message " + ev.MessageID
		default:
			text := firstLineCLI(ev.Text)
			if text == "" && len(ev.Attachments) > 0 {
				text = "[" + strings.Join(ev.Attachments, ", ") + "]"
			}
			what = who + ": " + text
		}
	case api.EventReactions:
		what = fmt.Sprintf("%s reacted %s to %s", who, ev.Reaction, ev.MessageID)
	case api.EventSeen:
		what = who + " read your messages"
	default:
		what = firstLineCLI(string(ev.Raw))
	}
	// Every field came in a webhook payload: one inert line each, so that
	// neither an escape sequence nor a tab or newline gets through.
	return fmt.Sprintf("%d\t%s\t%s\t%s\t%s", ev.ID, localTime(ev.ReceivedAt), inert.Line(ev.Type), inert.Line(ev.Connection), inert.Line(what))
}
