package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/spf13/cobra"
)

func newConfigCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Read and write the config file",
		Long: `Every key a.b_c can also be set as IMPRESS_A_B_C in the environment.
Precedence: flag > environment > config file > default. Secrets
(meta.app_secret, meta.webhook_verify_token) come from the environment or the
file only, never from a flag, and are never printed.`,
	}
	cmd.AddCommand(newConfigGetCmd(f), newConfigSetCmd(f), newConfigListCmd(f), newConfigUnsetCmd(f))
	return cmd
}

func newConfigGetCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "get KEY",
		Short: "Print a key's effective value (secrets masked)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, ok := config.LookupKey(args[0])
			if !ok {
				return exitf(ExitUsage, "unknown config key %q; `impress config list` shows the keys", args[0])
			}
			s, err := f.Settings()
			if err != nil {
				return err
			}
			v := s.String(k.Name)
			if k.Secret && v != "" {
				v = config.Masked
			}
			if asJSON {
				return writeJSON(f.IO.Out, config.Entry{Key: k.Name, Value: v, Source: s.Source(k.Name), Secret: k.Secret})
			}
			fmt.Fprintln(f.IO.Out, v)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print key, value and source as JSON")
	return cmd
}

func newConfigSetCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Write a key to the config file (secrets: VALUE must be - and come on stdin)",
		Example: `  impress config set render.concurrency 2
  printf '%s' "$APP_SECRET" | impress config set meta.app_secret -`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, value := args[0], args[1]
			k, ok := config.LookupKey(key)
			if !ok {
				return exitf(ExitUsage, "unknown config key %q; `impress config list` shows the keys", key)
			}
			if k.Secret {
				if value != "-" {
					return exitf(ExitUsage, "%s is a secret: arguments show in `ps`, so pass - and the value on stdin (or set %s)", key, k.Env())
				}
				line, err := bufio.NewReader(f.IO.In).ReadString('\n')
				if err != nil && line == "" {
					return exitf(ExitUsage, "%s: no value on stdin", key)
				}
				value = strings.TrimRight(line, "\r\n")
			}
			p, err := f.Paths()
			if err != nil {
				return err
			}
			if err := config.SetInFile(p.ConfigFile, key, value); err != nil {
				// An unknown key and a file that will not parse are both usage errors.
				return &ExitError{Code: ExitUsage, Err: err}
			}
			reloadDaemon(cmd.Context(), f)
			return nil
		},
	}
	return cmd
}

func newConfigUnsetCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "unset KEY",
		Short: "Remove a key from the config file",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.Paths()
			if err != nil {
				return err
			}
			if err := config.UnsetInFile(p.ConfigFile, args[0]); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			reloadDaemon(cmd.Context(), f)
			return nil
		},
	}
}

// reloadDaemon tells a running daemon to re-read its config; a daemon that
// is not running reads it when it starts, so that is not an error.
func reloadDaemon(ctx context.Context, f *Factory) {
	p, err := f.Paths()
	if err != nil {
		return
	}
	c := api.NewClient(p.Socket)
	if err := c.Reload(ctx); err != nil && !errors.Is(err, api.ErrDaemonNotRunning) {
		fmt.Fprintf(f.IO.ErrOut, "warning: the daemon did not reload its config: %v\n", err)
	}
}

func newConfigListCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every key with its value and source (secrets masked)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Settings()
			if err != nil {
				return err
			}
			entries := s.List()
			if asJSON {
				return writeJSON(f.IO.Out, entries)
			}
			rows := make([][]string, 0, len(entries))
			for _, e := range entries {
				v := e.Value
				if v == "" {
					v = "-"
				}
				rows = append(rows, []string{e.Key, v, e.Source})
			}
			if err := table(f.IO.Out, []string{"KEY", "VALUE", "SOURCE"}, rows); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "\nfile: %s\n", s.File())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as a JSON array")
	return cmd
}
