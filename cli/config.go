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
	cmd.AddCommand(newConfigGetCmd(f, nil), newConfigSetCmd(f, nil), newConfigListCmd(f, nil), newConfigUnsetCmd(f, nil))
	return cmd
}

// configOptions are the inputs of the config commands: the file's paths
// and the loaded settings, and the KEY and VALUE arguments.
type configOptions struct {
	baseOptions
	Paths    func() (config.Paths, error)
	Settings func() (*config.Settings, error)
	Key      string
	Value    string
}

func (f *Factory) configOptions() *configOptions {
	return &configOptions{baseOptions: f.base(), Paths: f.Paths, Settings: f.Settings}
}

func newConfigGetCmd(f *Factory, runF func(context.Context, *configOptions) error) *cobra.Command {
	o := f.configOptions()
	cmd := &cobra.Command{Use: "get KEY", Short: "Print a key's effective value (secrets masked)", Args: exactArgs(1)}
	return runWith(cmd, o, "print key, value and source as JSON", runF, runConfigGet, firstArg(&o.Key))
}

func runConfigGet(ctx context.Context, o *configOptions) error {
	k, ok := config.LookupKey(o.Key)
	if !ok {
		return exitf(ExitUsage, "unknown config key %q; `impress config list` shows the keys", o.Key)
	}
	s, err := o.Settings()
	if err != nil {
		return err
	}
	v := s.Value(k)
	if k.Secret && v != "" {
		v = config.Masked
	}
	return o.printResult(config.Entry{Key: k.Name, Value: v, Source: s.Source(k.Name), Secret: k.Secret}, v)
}

func newConfigSetCmd(f *Factory, runF func(context.Context, *configOptions) error) *cobra.Command {
	o := f.configOptions()
	cmd := &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Write a key to the config file (secrets: VALUE must be - and come on stdin)",
		Example: `  impress config set render.concurrency 2
  printf '%s' "$APP_SECRET" | impress config set meta.app_secret -`,
		Args: exactArgs(2),
	}
	return runWith(cmd, o, "", runF, runConfigSet, func(args []string) error {
		o.Key, o.Value = args[0], args[1]
		return nil
	})
}

func runConfigSet(ctx context.Context, o *configOptions) error {
	key, value := o.Key, o.Value
	k, ok := config.LookupKey(key)
	if !ok {
		return exitf(ExitUsage, "unknown config key %q; `impress config list` shows the keys", key)
	}
	if k.Secret {
		if value != "-" {
			return exitf(ExitUsage, "%s is a secret: arguments show in `ps`, so pass - and the value on stdin (or set %s)", key, k.Env())
		}
		line, err := bufio.NewReader(o.IO.In).ReadString('\n')
		if err != nil && line == "" {
			return exitf(ExitUsage, "%s: no value on stdin", key)
		}
		value = strings.TrimRight(line, "\r\n")
	}
	return o.changeFile(ctx, func(file string) error { return config.SetInFile(file, key, value) })
}

func newConfigUnsetCmd(f *Factory, runF func(context.Context, *configOptions) error) *cobra.Command {
	o := f.configOptions()
	cmd := &cobra.Command{Use: "unset KEY", Short: "Remove a key from the config file", Args: exactArgs(1)}
	return runWith(cmd, o, "", runF, runConfigUnset, firstArg(&o.Key))
}

func runConfigUnset(ctx context.Context, o *configOptions) error {
	return o.changeFile(ctx, func(file string) error { return config.UnsetInFile(file, o.Key) })
}

// changeFile applies change to the config file, then tells a running
// daemon to re-read it.
func (o *configOptions) changeFile(ctx context.Context, change func(file string) error) error {
	p, err := o.Paths()
	if err != nil {
		return err
	}
	if err := change(p.ConfigFile); err != nil {
		// An unknown key and a file that will not parse are both usage errors.
		return &ExitError{Code: ExitUsage, Err: err}
	}
	// A daemon that is not running reads the file when it starts, so that
	// is not an error.
	if err := api.NewClient(p.Socket).Reload(ctx); err != nil && !errors.Is(err, api.ErrDaemonNotRunning) {
		fmt.Fprintf(o.IO.ErrOut, "warning: the daemon did not reload its config: %v\n", err)
	}
	return nil
}

func newConfigListCmd(f *Factory, runF func(context.Context, *configOptions) error) *cobra.Command {
	o := f.configOptions()
	cmd := &cobra.Command{Use: "list", Short: "List every key with its value and source (secrets masked)", Args: noArgs}
	return runWith(cmd, o, "print as a JSON array", runF, runConfigList, nil)
}

func runConfigList(ctx context.Context, o *configOptions) error {
	s, err := o.Settings()
	if err != nil {
		return err
	}
	entries := s.List()
	if o.JSON {
		return writeJSON(o.IO.Out, entries)
	}
	rows := make([][]string, 0, len(entries))
	for _, e := range entries {
		v := e.Value
		if v == "" {
			v = "-"
		}
		rows = append(rows, []string{e.Key, v, e.Source})
	}
	if err := table(o.IO.Out, []string{"KEY", "VALUE", "SOURCE"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.Out, "\nfile: %s\n", s.File())
	return nil
}
