package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/spf13/cobra"
)

func newConfigCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{
		Use:   "config",
		Short: "Read and write the config file",
		Long: `Every key a.b_c can also be set as IMPRESS_A_B_C in the environment.
Precedence: flag > environment > config file > default. Secrets
(meta.app_secret, meta.webhook_verify_token) come from the environment or the
file only, never from a flag, and are never printed (but for the token
` + "`config set meta.webhook_verify_token --generate`" + ` makes, shown once to
enter in Meta's dashboard). A changed key applies in the running daemon at
once, except those it reads only at start, which config set names.`,
	}, newConfigGetCmd(f, nil), newConfigSetCmd(f, nil), newConfigListCmd(f, nil), newConfigUnsetCmd(f, nil))
}

// configOptions are the inputs of the config commands: the file's paths
// and the loaded settings, and the KEY and VALUE arguments.
type configOptions struct {
	baseOptions
	Paths    func() (config.Paths, error)
	Settings func() (*config.Settings, error)
	Key      string
	Value    string
	// Generate makes VALUE a new random token (config set --generate).
	Generate bool
}

// generatedKeys are the secrets impress may make up itself: a verify
// token is any string both sides know, while an app secret comes from Meta.
var generatedKeys = map[string]bool{"meta.webhook_verify_token": true}

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
		Use:   "set KEY VALUE | set KEY --generate",
		Short: "Write a key to the config file (secrets: VALUE must be - and come on stdin)",
		Long: `set writes KEY to the config file and tells a running daemon to reload it.
A secret's VALUE is - and the value comes on stdin (arguments show in ps).
--generate makes up meta.webhook_verify_token: a random token, written to the
file and printed once, to enter in your app's webhook settings.`,
		Example: `  impress config set render.concurrency 2
  printf '%s' "$APP_SECRET" | impress config set meta.app_secret -
  impress config set meta.webhook_verify_token --generate`,
		Args: cobra.RangeArgs(1, 2),
	}
	cmd.Flags().BoolVar(&o.Generate, "generate", false, "write a new random value (meta.webhook_verify_token) and print it once")
	return runWith(cmd, o, "print the key and its value as JSON (a secret masked, unless generated)", runF, runConfigSet, func(args []string) error {
		switch {
		case o.Generate && len(args) == 2:
			return flagErrorf("config set --generate takes KEY only, not a VALUE")
		case !o.Generate && len(args) == 1:
			return flagErrorf("config set needs KEY and VALUE (or KEY --generate); see `impress config set --help`")
		}
		o.Key = args[0]
		if len(args) == 2 {
			o.Value = args[1]
		}
		return nil
	})
}

func runConfigSet(ctx context.Context, o *configOptions) error {
	key, value := o.Key, o.Value
	k, ok := config.LookupKey(key)
	if !ok {
		return exitf(ExitUsage, "unknown config key %q; `impress config list` shows the keys", key)
	}
	if o.Generate {
		return o.generate(ctx, k)
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
	if err := o.changeFile(ctx, func(file string) error { return config.SetInFile(file, key, value) }); err != nil {
		return err
	}
	if o.JSON {
		if k.Secret {
			value = config.Masked
		}
		return writeJSON(o.IO.Out, config.Entry{Key: k.Name, Value: value, Source: "file", Secret: k.Secret})
	}
	return nil
}

// generate writes a new random value for k and prints it: the one time
// the user can see it, to enter it on Meta's side.
func (o *configOptions) generate(ctx context.Context, k config.Key) error {
	if !generatedKeys[k.Name] {
		how := "`impress config set " + k.Name + " VALUE`"
		if k.Secret {
			how = "its value on stdin: `printf '%s' \"$VALUE\" | impress config set " + k.Name + " -`"
		}
		return exitf(ExitUsage, "%s cannot be generated (only %s can); set it with %s",
			k.Name, strings.Join(slices.Sorted(maps.Keys(generatedKeys)), ", "), how)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	value := hex.EncodeToString(b)
	if err := o.changeFile(ctx, func(file string) error { return config.SetInFile(file, k.Name, value) }); err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(o.IO.Out, config.Entry{Key: k.Name, Value: value, Source: "file", Secret: k.Secret})
	}
	fmt.Fprintf(o.IO.Out, "%s\n", value)
	fmt.Fprintf(o.IO.ErrOut, "wrote a new %s; enter it (above) as the Verify Token in your app's webhook settings. "+
		"It is not shown again: `impress config get` masks it, and running this again makes a new one.\n", k.Name)
	return nil
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
	res, err := api.NewClient(p.Socket).Reload(ctx)
	switch {
	case errors.Is(err, api.ErrDaemonNotRunning):
	case err != nil:
		fmt.Fprintf(o.IO.ErrOut, "warning: the daemon did not reload its config: %v\n", err)
	case len(res.RestartNeeded) > 0:
		// Written to the file, yet not in use: say so rather than let the
		// old value go on silently.
		fmt.Fprintf(o.IO.ErrOut, "note: the running daemon reads %s only when it starts; "+
			"`impress daemon stop && impress daemon start` applies it (running jobs are parked and resume)\n",
			strings.Join(res.RestartNeeded, ", "))
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
