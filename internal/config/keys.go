package config

import (
	"strings"
	"time"
)

// Kind is the type of a key's value.
type Kind int

const (
	KindString   Kind = iota
	KindInt           // must parse as an integer (checked by Load and SetInFile)
	KindDuration      // a Go duration ("5s", "15m"); one that does not parse reads as the default
	KindList          // a YAML list in the file, or comma-separated text (environment, flag, `config set`)
)

// Key describes one configuration key (README "Configuration" lists them).
// Code reads a key through its typed handle below (MetaAppID, …), never by
// its name: a name typed wrong would read "" without a word.
type Key struct {
	Name    string // dotted, as in the file: "meta.app_id"
	Default string
	Kind    Kind
	Secret  bool // never from a flag, never printed
	// StartOnly: the daemon reads the key when it starts; a reload
	// (`config set`) does not apply it until the daemon restarts.
	StartOnly bool
	Help      string // one line for `config list` and docs
}

// Env is the environment variable for the key: a.b_c → IMPRESS_A_B_C.
func (k Key) Env() string {
	return "IMPRESS_" + strings.ToUpper(strings.ReplaceAll(k.Name, ".", "_"))
}

// Keys is the table of every key impress knows, in declaration order.
// Unknown keys in the file are kept but warned about; `config set` refuses
// them. It is filled by the declarations below, and nothing else.
var Keys []Key

// StringKey, IntKey and DurationKey are typed handles on a declared key:
// the only way to read a value ([Settings.String], [Settings.Int],
// [Settings.Duration]). Their field is unexported, so a handle exists only
// for a key declared here.
type (
	StringKey   struct{ name string }
	IntKey      struct{ name string }
	DurationKey struct{ name string }
	ListKey     struct{ name string }
)

// Name is the key's dotted name.
func (k StringKey) Name() string   { return k.name }
func (k IntKey) Name() string      { return k.name }
func (k DurationKey) Name() string { return k.name }
func (k ListKey) Name() string     { return k.name }

func declare(k Key) string {
	if _, dup := LookupKey(k.Name); dup || k.Name == "" {
		panic("config: key " + k.Name + " declared twice or without a name")
	}
	if k.Kind == KindDuration {
		if d, err := time.ParseDuration(k.Default); err != nil || d <= 0 {
			panic("config: duration key " + k.Name + " needs a positive default")
		}
	}
	Keys = append(Keys, k)
	return k.Name
}

func stringKey(k Key) StringKey { k.Kind = KindString; return StringKey{declare(k)} }
func intKey(k Key) IntKey       { k.Kind = KindInt; return IntKey{declare(k)} }
func listKey(k Key) ListKey     { k.Kind = KindList; return ListKey{declare(k)} }
func durationKey(k Key) DurationKey {
	k.Kind = KindDuration
	return DurationKey{declare(k)}
}

// Every key, declared once. The order is the order of `config list`.
var (
	MetaAppID         = stringKey(Key{Name: "meta.app_id", Help: "your Meta app's id"})
	MetaAppSecret     = stringKey(Key{Name: "meta.app_secret", Secret: true, Help: "your Meta app's secret (environment or file only)"})
	MetaRedirectPort  = intKey(Key{Name: "meta.redirect_port", Default: "8788", Help: "loopback OAuth redirect port, http://localhost:<port>/callback"})
	MetaAPIVersion    = stringKey(Key{Name: "meta.api_version", Default: "v25.0", Help: "Graph API version"})
	MetaEndpoint      = stringKey(Key{Name: "meta.endpoint", Help: "one base URL for every Meta host (the sandbox)"})
	MetaWebhookVerify = stringKey(Key{Name: "meta.webhook_verify_token", Secret: true, Help: "token echoed in Meta's webhook subscription handshake"})
	// A reload moves the listener to a new address (community's Reload).
	DaemonPublicListen   = stringKey(Key{Name: "daemon.public_listen", Help: "address of the public endpoint listener, e.g. 127.0.0.1:8787"})
	DaemonPublicURL      = stringKey(Key{Name: "daemon.public_url", Help: "HTTPS address your tunnel or proxy gives the public listener"})
	DaemonTrustedProxies = listKey(Key{Name: "daemon.trusted_proxies", Help: "comma-separated addresses or CIDRs of the tunnel or proxy in front of the public listener, e.g. 127.0.0.1/32,::1/128; only their X-Forwarded-For and CF-Connecting-IP are believed"})
	PrivacyPolicyURL     = stringKey(Key{Name: "privacy.policy_url", Help: "your privacy policy's address, linked from the deletion status page"})
	// A kind's job slots are made when its first job runs.
	RenderConcurrency   = intKey(Key{Name: "render.concurrency", Default: "1", StartOnly: true, Help: "renders at once"})
	PublishConcurrency  = intKey(Key{Name: "publish.concurrency", Default: "4", StartOnly: true, Help: "publishes at once"})
	PublishPollInterval = durationKey(Key{Name: "publish.poll_interval", Default: "5s", Help: "first wait between container status polls (doubles up to publish.poll_max)"})
	PublishPollMax      = durationKey(Key{Name: "publish.poll_max", Default: "30s", Help: "longest wait between container status polls"})
	PublishPollTimeout  = durationKey(Key{Name: "publish.poll_timeout", Default: "15m", Help: "how long a container may stay IN_PROGRESS before the publish fails"})
	PublishRetryDelay   = durationKey(Key{Name: "publish.retry_delay", Default: "2s", Help: "first backoff after a transient Meta failure (doubles per attempt)"})
	PublishQuotaRecheck = durationKey(Key{Name: "publish.quota_recheck", Default: "10m", Help: "how often a publish waiting for the daily quota reads it again"})
	// Days are allowed ("30d"), so it is read as text: see publish's reconcileWindow.
	PublishReconcileWindow = stringKey(Key{Name: "publish.reconcile_window", Default: "30d", Help: "how far back a post live on the account counts as an item already published (e.g. 30d, 72h)"})
	PublishSlowdown        = durationKey(Key{Name: "publish.slowdown", Default: "30s", Help: "pause between Meta calls while usage headers report 80 % or more"})
	FFmpegPath             = stringKey(Key{Name: "ffmpeg.path", Help: "ffmpeg binary (default: from PATH)"})
	FFprobePath            = stringKey(Key{Name: "ffprobe.path", Help: "ffprobe binary (default: from PATH)"})
)

// concurrency is the key bounding the jobs of each kind; a kind without
// one runs one job at a time.
var concurrency = map[string]IntKey{"render": RenderConcurrency, "publish": PublishConcurrency}

// Concurrency is the key that bounds the jobs of kind, if there is one.
func Concurrency(kind string) (IntKey, bool) {
	k, ok := concurrency[kind]
	return k, ok
}

// LookupKey finds a key by its dotted name.
func LookupKey(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}
