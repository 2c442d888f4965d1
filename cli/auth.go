package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func authCommands(f *Factory) []*cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Log in to Meta; show, refresh or end connections",
		Long: `A connection is one Instagram professional account that impress may act for.
Logging in uses your own Meta app (meta.app_id, meta.app_secret) and the
redirect URI registered in it, http://localhost:<meta.redirect_port>/callback;
--with-token stores a token you already have (CI, dashboard tokens).

Tokens are encrypted at rest with a per-connection key, itself sealed by a
master key kept in the OS keyring, or in <data>/master.key when no keyring
answers (IMPRESS_KEYRING=file forces the file, for CI). ` + "`impress auth status`" + `
says which.`,
	}
	cmd.AddCommand(newAuthLoginCmd(f, nil), newAuthStatusCmd(f, nil), newAuthLogoutCmd(f, nil), newAuthRefreshCmd(f, nil))
	return []*cobra.Command{cmd}
}

type authLoginOptions struct {
	baseOptions
	Env        func(string) string
	Connection string
	Flavor     string
	Account    string
	NoBrowser  bool
	WithToken  bool
	// OpenBrowser opens a URL; tests replace it.
	OpenBrowser func(url string) error
}

func newAuthLoginCmd(f *Factory, runF func(context.Context, *authLoginOptions) error) *cobra.Command {
	o := &authLoginOptions{baseOptions: f.base(), Env: f.Env}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Connect an Instagram account (browser login, or --with-token)",
		Long: `Log in with your own Meta app and store the long-lived token, encrypted.

The browser opens the login page ($BROWSER, xdg-open or open); the address
is always printed too. Meta sends the browser back to
http://localhost:<meta.redirect_port>/callback, where the daemon listens for
that one redirect. Over SSH, or on Linux without a display, or with
--no-browser, open the address on any machine and paste the address the
browser ends up on (it may show an error page) back here. A $BROWSER you set
is used there too (a text browser, a script that forwards the address),
with the paste prompt still open beside it.

--flavor instagram (the default) is Instagram Login: the account itself logs
in, no Facebook Page needed. --flavor facebook is Facebook Login: a Facebook
user logs in and the Instagram account is found through their Pages; when
there are several, you are asked (on a terminal) or --account picks one.

--with-token reads a token from stdin, finds its account through Meta's /me,
and stores it. It needs no app secret: this is the way for CI, and for
tokens generated in the App Dashboard.`,
		Example: `  impress auth login
  impress auth login --flavor facebook --account 17841400000000001
  impress auth login --connection brand --no-browser
  printenv IG_TOKEN | impress auth login --with-token --connection ci`,
		Args: noArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Connection, "connection", "", "connection name (default: the only connection, else \"default\")")
	fl.StringVar(&o.Flavor, "flavor", "", "instagram (Instagram Login, default) or facebook (Facebook Login)")
	fl.StringVar(&o.Account, "account", "", "Instagram account id (or @username) to use when a Facebook login manages several")
	fl.BoolVar(&o.NoBrowser, "no-browser", false, "do not open a browser: print the address and read the redirect address from stdin")
	fl.BoolVar(&o.WithToken, "with-token", false, "read an access token from stdin instead of logging in with the browser")
	return runWith(cmd, o, "print the connection as JSON", runF, runAuthLogin, func([]string) error {
		if o.Flavor != "" && o.Flavor != api.FlavorInstagram && o.Flavor != api.FlavorFacebook {
			return flagErrorf("--flavor %q: want instagram or facebook", o.Flavor)
		}
		if o.WithToken && o.NoBrowser {
			return flagErrorf("--with-token and --no-browser do not go together: --with-token opens no browser")
		}
		return nil
	})
}

func runAuthLogin(ctx context.Context, o *authLoginOptions) error {
	if o.WithToken {
		return runLoginWithToken(ctx, o)
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	manual := o.NoBrowser || remoteSession(o.Env)
	// An explicit $BROWSER is the user's own way to open an address (a
	// text browser, a script that forwards it elsewhere): it is used even
	// over SSH or without a display, and the paste prompt stays there too,
	// for a browser that cannot reach this machine's loopback redirect.
	useBrowser := !o.NoBrowser && (!manual || strings.TrimSpace(o.Env("BROWSER")) != "")
	open := o.OpenBrowser
	if open == nil {
		open = func(u string) error { return openBrowser(u, o.Env) }
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lines := newLineReader(o.IO.In)
	errOut := o.IO.ErrOut
	var done *api.AuthConnection
	err = c.Login(ctx, api.LoginRequest{Connection: o.Connection, Flavor: o.Flavor, Account: o.Account,
		Manual: manual, Interactive: o.IO.CanPrompt()}, func(ev api.LoginEvent) error {
		switch ev.Stage {
		case api.LoginAuthorize:
			fmt.Fprintf(errOut, "Open this address in a browser to log in:\n\n    %s\n\n", ev.AuthURL)
			if useBrowser {
				if err := open(ev.AuthURL); err != nil {
					fmt.Fprintf(errOut, "(could not open a browser: %v; open the address above yourself)\n", err)
				} else if manual {
					fmt.Fprintln(errOut, "Opened with $BROWSER.")
				}
			}
			if !manual {
				fmt.Fprintf(errOut, "Waiting for the browser to come back to %s (until %s; Ctrl-C stops)…\n",
					ev.RedirectURI, ev.ExpiresAt.Local().Format("15:04"))
				return nil
			}
			fmt.Fprintf(errOut, "After you approve, the browser goes to %s?code=… — that page may not load on this machine.\n"+
				"Copy the whole address from the browser's address bar and paste it here:\n", ev.RedirectURI)
			go pasteRedirect(ctx, cancel, c, ev, lines, errOut)
		case api.LoginExchanging:
			fmt.Fprintln(errOut, "Redirect received; exchanging the code for a long-lived token…")
		case api.LoginChooseAccount:
			return chooseAccount(ctx, c, ev, lines, errOut)
		case api.LoginDone:
			done = ev.Connection
		}
		return nil
	})
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, errNoPaste) {
			return &ExitError{Code: ExitCancelled, Err: cause}
		}
		return err
	}
	if done == nil {
		return errors.New("the daemon ended the login without a result; see `impress daemon status` and its log")
	}
	return printLoggedIn(o, done)
}

var errNoPaste = errors.New("stdin ended before a redirect address was pasted; run `impress auth login --no-browser` on a terminal, or use --with-token")

// pasteRedirect reads pasted addresses until one is accepted. A refused
// one (wrong state, not a redirect) is explained and another is read.
func pasteRedirect(ctx context.Context, cancel context.CancelCauseFunc, c *api.Client, ev api.LoginEvent, lines *lineReader, errOut io.Writer) {
	for {
		line, ok := lines.next(ctx)
		if !ok {
			// Without the loopback listener a paste was the only way in.
			if ctx.Err() == nil && !ev.Listening {
				cancel(errNoPaste)
			}
			return
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		err := c.LoginRedirect(ctx, ev.LoginID, line)
		switch {
		case err == nil:
			return
		case api.HasCode(err, api.CodeInvalid):
			fmt.Fprintf(errOut, "%v\nPaste it again:\n", err)
		default:
			return // the login ended (or the redirect already came through the listener)
		}
	}
}

// chooseAccount asks which Instagram account a Facebook login should use.
// The daemon asks only when the CLI said it can prompt.
func chooseAccount(ctx context.Context, c *api.Client, ev api.LoginEvent, lines *lineReader, errOut io.Writer) error {
	fmt.Fprintln(errOut, "This Facebook login manages several Instagram accounts:")
	for i, a := range ev.Accounts {
		desc := a.ID
		if a.Username != "" {
			desc += "  @" + a.Username
		}
		if a.PageName != "" {
			desc += "  (Page " + a.PageName + ")"
		}
		fmt.Fprintf(errOut, "  %d) %s\n", i+1, desc)
	}
	for {
		fmt.Fprintf(errOut, "Which one? [1-%d, or an account id]: ", len(ev.Accounts))
		line, ok := lines.next(ctx)
		if !ok {
			return exitf(ExitUsage, "no account chosen; pick one with --account IGID")
		}
		pick := strings.TrimSpace(line)
		if n, err := strconv.Atoi(pick); err == nil && n >= 1 && n <= len(ev.Accounts) {
			pick = ev.Accounts[n-1].ID
		}
		if pick == "" {
			continue
		}
		err := c.LoginAccount(ctx, ev.LoginID, pick)
		if err == nil {
			return nil
		}
		if !api.HasCode(err, api.CodeInvalid) {
			return err
		}
		fmt.Fprintf(errOut, "%q is not one of them.\n", pick)
	}
}

func runLoginWithToken(ctx context.Context, o *authLoginOptions) error {
	var tok string
	if f, ok := o.IO.In.(*os.File); ok && o.IO.stdinTTY && o.IO.stderrTTY {
		fmt.Fprint(o.IO.ErrOut, "Paste the access token (it is not shown): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(o.IO.ErrOut)
		if err != nil {
			return fmt.Errorf("read the token: %w", err)
		}
		tok = string(b)
	} else {
		b, err := io.ReadAll(io.LimitReader(o.IO.In, 64<<10))
		if err != nil {
			return fmt.Errorf("read the token from stdin: %w", err)
		}
		tok = string(b)
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return flagErrorf("--with-token reads the token from stdin, which was empty: e.g. `impress auth login --with-token < token.txt`")
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	ac, err := c.LoginWithToken(ctx, api.TokenLogin{Connection: o.Connection, Flavor: o.Flavor, Account: o.Account, Token: tok})
	if err != nil {
		return err
	}
	return printLoggedIn(o, ac)
}

func printLoggedIn(o *authLoginOptions, ac *api.AuthConnection) error {
	if o.JSON {
		return writeJSON(o.IO.Out, ac)
	}
	who := ac.AccountID
	if ac.Username != "" {
		who = "@" + ac.Username + " (" + ac.AccountID + ")"
	}
	fmt.Fprintf(o.IO.Out, "Logged in: connection %s is %s, %s.\n", ac.Connection, who, flavorText(ac.Flavor))
	if !ac.ExpiresAt.IsZero() {
		fmt.Fprintf(o.IO.Out, "The token expires %s%s.\n", whenText(ac.ExpiresAt), refreshNote(ac.Flavor))
	}
	return nil
}

func flavorText(f string) string {
	switch f {
	case api.FlavorInstagram:
		return "Instagram Login"
	case api.FlavorFacebook:
		return "Facebook Login"
	}
	return f
}

func refreshNote(flavor string) string {
	if flavor == api.FlavorInstagram {
		return "; the daemon refreshes it before then"
	}
	return "; log in again before then (Facebook Login tokens cannot be refreshed)"
}

// whenText is an RFC 3339 time with a rough distance from now.
func whenText(t time.Time) string {
	d := time.Until(t)
	rel := ""
	switch {
	case d < 0:
		rel = "ago"
		d = -d
	default:
		rel = "from now"
	}
	var amount string
	switch {
	case d >= 48*time.Hour:
		amount = fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		amount = fmt.Sprintf("%d hours", int(d.Hours()))
	default:
		amount = fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return t.UTC().Format(time.RFC3339) + " (" + amount + " " + rel + ")"
}

// authStatusOptions are `impress auth status`'s inputs.
type authStatusOptions struct{ baseOptions }

func newAuthStatusCmd(f *Factory, runF func(context.Context, *authStatusOptions) error) *cobra.Command {
	o := &authStatusOptions{f.base()}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show connections, their tokens' state, and where the master key is kept",
		Long: `Show every connection: flavour, Instagram account, profile, scopes, token
expiry and state (ok, refresh_due, login_needed, disconnected) with the
command that fixes it, and where the master key that encrypts the tokens is
kept. Exits 4 when there is no usable connection or the default one needs a
login.`,
		Args: noArgs,
	}
	return runWith(cmd, o, "print as JSON", runF, runAuthStatus, nil)
}

func runAuthStatus(ctx context.Context, o *authStatusOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	st, err := c.AuthStatus(ctx)
	if err != nil {
		return err
	}
	if err := o.show(st, func() { printAuthStatus(o.IO.Out, st) }); err != nil {
		return err
	}
	if !statusUsable(st) {
		if !o.JSON && len(st.Connections) == 0 && len(st.Removed) == 0 {
			fmt.Fprintln(o.IO.ErrOut, "No Meta connection yet: log in with `impress auth login` (or `impress auth login --with-token`).")
		}
		return errSilent{code: ExitLogin}
	}
	return nil
}

func usable(state string) bool { return state == api.ConnOK || state == api.ConnRefreshDue }

// statusUsable: some connection works, and the default one (if any) does.
func statusUsable(st *api.AuthStatus) bool {
	some := false
	for _, c := range st.Connections {
		if c.Default && !usable(c.State) {
			return false
		}
		some = some || usable(c.State)
	}
	return some
}

func printAuthStatus(w io.Writer, st *api.AuthStatus) {
	ks := st.KeyStorage
	switch ks.Backend {
	case "keyring":
		fmt.Fprintf(w, "Master key: OS keyring (%s)\n", strings.TrimPrefix(ks.Location, "OS keyring, "))
	case "file":
		fmt.Fprintf(w, "Master key: key file %s", ks.Location)
		if ks.Note != "" {
			fmt.Fprintf(w, " (%s)", ks.Note)
		}
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "Master key: none yet (%s)\n", ks.Note)
	}
	for _, c := range st.Connections {
		fmt.Fprintln(w)
		title := c.Connection
		if c.Default {
			title += " (default)"
		}
		fmt.Fprintln(w, title)
		account := c.AccountID
		if c.Username != "" {
			account += "  @" + c.Username
		}
		if c.Name != "" {
			account += "  " + strconv.Quote(c.Name)
		}
		if c.AccountType != "" {
			account += "  " + c.AccountType
		}
		rows := [][]string{
			{"  flavor", c.Flavor + " (" + flavorText(c.Flavor) + ")"},
			{"  account", account},
		}
		if c.PageID != "" {
			rows = append(rows, []string{"  page", c.PageID})
		}
		if c.ProfilePictureURL != "" {
			rows = append(rows, []string{"  picture", c.ProfilePictureURL})
		}
		scopes := strings.Join(c.Scopes, ", ")
		if scopes == "" {
			scopes = "-"
		}
		rows = append(rows, []string{"  scopes", scopes})
		exp := "unknown"
		if !c.ExpiresAt.IsZero() {
			exp = whenText(c.ExpiresAt)
		}
		rows = append(rows, []string{"  expires", exp})
		state := strings.ReplaceAll(c.State, "_", " ")
		if c.StateReason != "" {
			state += ": " + c.StateReason
		}
		rows = append(rows, []string{"  state", state})
		if c.Removal != nil && c.Removal.Code != "" {
			rows = append(rows, []string{"  code", c.Removal.Code})
		}
		if c.Fix != "" {
			rows = append(rows, []string{"  fix", c.Fix})
		}
		table(w, nil, rows)
	}
	// Connections a purge or Meta removed: when, why, the code, and how
	// to connect again (rather than a silent "no connection").
	for _, r := range st.Removed {
		fmt.Fprintln(w)
		fmt.Fprintln(w, r.Connection+" (removed)")
		rows := [][]string{{"  state", r.Message}}
		if r.Code != "" {
			rows = append(rows, []string{"  code", r.Code})
		}
		rows = append(rows, []string{"  fix", r.Fix})
		table(w, nil, rows)
	}
}

// authLogoutOptions are `impress auth logout`'s inputs.
type authLogoutOptions struct {
	baseOptions
	Request api.LogoutRequest
}

func newAuthLogoutCmd(f *Factory, runF func(context.Context, *authLogoutOptions) error) *cobra.Command {
	o := &authLogoutOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Delete a connection's token (--revoke also asks Meta to drop the app's permissions)",
		Long: `Delete the connection's stored token; the connection is kept, as
"disconnected", with what impress stored for it, until
` + "`impress privacy purge --connection N`" + `. --revoke first asks Meta to remove the
app's permissions (Facebook Login; Instagram Login has no revoke endpoint —
remove the app in Instagram's settings). Revoking is best effort: the local
token is deleted whatever Meta answers.`,
		Args: noArgs,
	}
	cmd.Flags().StringVar(&o.Request.Connection, "connection", "", "connection to log out (default: the only one, else \"default\")")
	cmd.Flags().BoolVar(&o.Request.Revoke, "revoke", false, "also ask Meta to remove the app's permissions (best effort)")
	return runWith(cmd, o, "print the result as JSON", runF, runAuthLogout, nil)
}

func runAuthLogout(ctx context.Context, o *authLogoutOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.LogoutResult, error) { return c.Logout(ctx, o.Request) },
		func(res *api.LogoutResult) error {
			out := o.IO.Out
			fmt.Fprintf(out, "Logged out: connection %s's token is deleted.\n", res.Connection)
			switch {
			case res.Revoked:
				fmt.Fprintln(out, "Meta revoked the app's permissions.")
			case o.Request.Revoke:
				fmt.Fprintf(out, "Not revoked at Meta: %s\n", res.RevokeError)
			}
			fmt.Fprintf(out, "What impress stored for it stays until `impress privacy purge --connection %s`.\n", res.Connection)
			return nil
		})
}

// authRefreshOptions are `impress auth refresh`'s inputs.
type authRefreshOptions struct {
	baseOptions
	Request api.RefreshRequest
}

func newAuthRefreshCmd(f *Factory, runF func(context.Context, *authRefreshOptions) error) *cobra.Command {
	o := &authRefreshOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "refresh", Short: "Refresh an Instagram Login token now (the daemon also does it on its own)", Args: noArgs}
	cmd.Flags().StringVar(&o.Request.Connection, "connection", "", "connection to refresh (default: the only one, else \"default\")")
	return runWith(cmd, o, "print the connection as JSON", runF, runAuthRefresh, nil)
}

func runAuthRefresh(ctx context.Context, o *authRefreshOptions) error {
	return callAndSay(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.AuthConnection, error) {
			return c.RefreshAuth(ctx, o.Request)
		},
		func(ac *api.AuthConnection) string {
			return fmt.Sprintf("Refreshed: connection %s's token expires %s.", ac.Connection, whenText(ac.ExpiresAt))
		})
}
