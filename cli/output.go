package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

// writeJSON writes exactly one JSON document (product.md: nothing else goes
// to stdout under --json).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printResult prints a command's result: v as JSON under --json, else the
// one line that says what happened.
func printResult(f *Factory, asJSON bool, v any, line string) error {
	if asJSON {
		return writeJSON(f.IO.Out, v)
	}
	fmt.Fprintln(f.IO.Out, line)
	return nil
}

// readCmd fills in cmd for the commands that read something from the
// daemon and show it: get asks (with the command's args), then the answer
// goes out as JSON under --json (described by jsonHelp), else through show.
func readCmd[R any](f *Factory, cmd *cobra.Command, jsonHelp string, get func(ctx context.Context, c *api.Client, args []string) (R, error), show func(R) error) *cobra.Command {
	var asJSON bool
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := f.Client(cmd.Context())
		if err != nil {
			return err
		}
		r, err := get(cmd.Context(), c, args)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(f.IO.Out, r)
		}
		return show(r)
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, jsonHelp)
	return cmd
}

// table writes aligned columns. tabwriter writes each cell and each run of
// padding separately: straight to stdout that was two write(2) calls per
// cell (12,000 for a 1,000-project list), so it goes through a buffer.
func table(w io.Writer, header []string, rows [][]string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// ago renders a time for people: "3m ago", or the date when older.
func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	default:
		return localTime(t)
	}
}

// localTime is t in local time to the minute, "-" when unset.
func localTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// detailTime is the layout of the times that show commands print (to
// the second).
const detailTime = "2006-01-02 15:04:05"

// style colours text when the stream allows it.
type style struct{ on bool }

func (s style) wrap(code, text string) string {
	if !s.on {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}
func (s style) green(t string) string  { return s.wrap("32", t) }
func (s style) yellow(t string) string { return s.wrap("33", t) }
func (s style) red(t string) string    { return s.wrap("31", t) }
func (s style) bold(t string) string   { return s.wrap("1", t) }
