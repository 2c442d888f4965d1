package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Knobs are the run-time settings shown in [State] and changed through
// POST /_sandbox/knobs or the setter methods.
type Knobs struct {
	Latency             Duration `json:"latency"`
	FailRate            float64  `json:"fail_rate"`
	ProcessingTime      Duration `json:"processing_time"`
	PublishQuota        int      `json:"publish_quota"`
	UsagePct            int      `json:"usage_pct"` // -1: computed from calls
	RateLimitCalls      int      `json:"rate_limit_calls"`
	RateLimitCode       int      `json:"rate_limit_code,omitempty"`
	FailContainers      int      `json:"fail_containers"`
	DropPublish         int      `json:"drop_publish"`
	DropUploadAfter     int64    `json:"drop_upload_after"` // -1: off
	DenyLogins          int      `json:"deny_logins"`
	LoginIG             string   `json:"login_ig"`
	LoginFB             string   `json:"login_fb"`
	IGResumable         bool     `json:"ig_resumable"`
	CheckVideo          bool     `json:"check_video"`
	WebhookURL          string   `json:"webhook_url"`
	WebhookFlat         bool     `json:"webhook_flat"`
	RequireSubscription bool     `json:"require_subscription"`
}

// Duration is a time.Duration that reads and writes JSON as Go duration
// text ("150ms", "2s").
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("sandbox: duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

func (s *Server) knobsLocked() Knobs {
	k := s.knobs
	return Knobs{Latency: Duration(k.Latency), FailRate: k.FailRate, ProcessingTime: Duration(k.ProcessingTime),
		PublishQuota: k.PublishQuota, UsagePct: k.UsagePct, RateLimitCalls: k.RateLimitCalls,
		RateLimitCode: k.RateLimitCode, FailContainers: k.FailContainers, DropPublish: k.DropPublish,
		DropUploadAfter: k.DropUploadAfter, DenyLogins: k.DenyLogins, LoginIG: k.LoginIG, LoginFB: k.LoginFB,
		IGResumable: k.IGResumable, CheckVideo: k.CheckVideo, WebhookURL: k.WebhookURL, WebhookFlat: k.WebhookFlat,
		RequireSubscription: k.RequireSubscription}
}

// Knobs returns the current run-time settings.
func (s *Server) Knobs() Knobs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.knobsLocked()
}

func (s *Server) set(fn func(k *knobs)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.knobs)
}

// SetLatency sets the delay added to every Meta call.
func (s *Server) SetLatency(d time.Duration) { s.set(func(k *knobs) { k.Latency = max(0, d) }) }

// SetFailRate sets the probability (0..1) of a transient failure.
func (s *Server) SetFailRate(f float64) { s.set(func(k *knobs) { k.FailRate = min(1, max(0, f)) }) }

// SetProcessingTime sets how long containers stay IN_PROGRESS (0: at once).
func (s *Server) SetProcessingTime(d time.Duration) {
	s.set(func(k *knobs) { k.ProcessingTime = max(0, d) })
}

// SetPublishQuota sets content_publishing_limit's quota_total.
func (s *Server) SetPublishQuota(n int) { s.set(func(k *knobs) { k.PublishQuota = max(0, n) }) }

// SetUsage forces the usage percentage reported in X-App-Usage and
// X-Business-Use-Case-Usage; -1 returns to computed values.
func (s *Server) SetUsage(pct int) { s.set(func(k *knobs) { k.UsagePct = min(100, max(-1, pct)) }) }

// ErrBadKnob reports an invalid knob value.
var ErrBadKnob = errors.New("sandbox: invalid knob value")

// RateLimitCodes are the codes [Server.RateLimitNext] accepts.
var RateLimitCodes = []int{4, 17, 32, 613, 80002}

// RateLimitNext makes the next n Graph calls fail with rate-limit code
// (4, 17, 32, 613 or 80002), reporting pct in the usage headers and
// regainMinutes as estimated_time_to_regain_access.
func (s *Server) RateLimitNext(n, code, pct, regainMinutes int) error {
	if !slices.Contains(RateLimitCodes, code) || n < 0 || pct < 0 || pct > 100 {
		return fmt.Errorf("%w: rate limit code %d, calls %d, pct %d", ErrBadKnob, code, n, pct)
	}
	s.set(func(k *knobs) {
		k.RateLimitCalls, k.RateLimitCode, k.RateLimitPct, k.RateLimitRegain = n, code, pct, max(0, regainMinutes)
	})
	return nil
}

// FailNextContainers makes the next n created containers end in ERROR
// with the given status text (default: Meta's "Media download has
// failed" text), and publish errors code/subcode (default 9004/2207052).
func (s *Server) FailNextContainers(n int, status string, code, subcode int) {
	if status == "" {
		status = defaultFailStatus
	}
	if code == 0 {
		code, subcode = 9004, 2207052
	}
	s.set(func(k *knobs) { k.FailContainers, k.FailStatus, k.FailCode, k.FailSubcode = n, status, code, subcode })
}

// DropNextPublishResponse makes the next successful media_publish publish
// the media and then cut the connection without an answer.
func (s *Server) DropNextPublishResponse() { s.DropNextPublishResponses(1) }

// DropNextPublishResponses does [Server.DropNextPublishResponse] n times.
func (s *Server) DropNextPublishResponses(n int) { s.set(func(k *knobs) { k.DropPublish = max(0, n) }) }

// DropNextUpload makes the next rupload POST keep only its first
// afterBytes bytes and then cut the connection, to exercise resuming.
func (s *Server) DropNextUpload(afterBytes int64) {
	s.set(func(k *knobs) { k.DropUploadAfter = max(0, afterBytes) })
}

// DenyNextLogin makes the next authorize request redirect with
// error=access_denied, as when the user presses Cancel.
func (s *Server) DenyNextLogin() { s.set(func(k *knobs) { k.DenyLogins++ }) }

// LoginAs chooses who the authorize pages log in as: an IG account (id or
// username) for Instagram Login and a Facebook user id for Facebook Login.
// Empty arguments keep the current choice.
func (s *Server) LoginAs(igAccount, fbUser string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if igAccount != "" {
		id, _, ok := s.st.lookupPerson(igAccount)
		if !ok || s.st.accounts[id] == nil {
			return fmt.Errorf("%w: no IG account %q", ErrBadKnob, igAccount)
		}
		s.knobs.LoginIG = id
	}
	if fbUser != "" {
		if s.st.users[fbUser] == nil {
			return fmt.Errorf("%w: no Facebook user %q", ErrBadKnob, fbUser)
		}
		s.knobs.LoginFB = fbUser
	}
	return nil
}

// SetWebhookURL changes where webhooks go ("" stops deliveries).
func (s *Server) SetWebhookURL(u string) { s.set(func(k *knobs) { k.WebhookURL = u }) }

// SetWebhookFlat switches between entry[].changes[] and the flat form.
func (s *Server) SetWebhookFlat(on bool) { s.set(func(k *knobs) { k.WebhookFlat = on }) }

// SetRequireSubscription makes deliveries depend on subscribed_apps.
func (s *Server) SetRequireSubscription(on bool) {
	s.set(func(k *knobs) { k.RequireSubscription = on })
}

// SetCheckVideo turns the MP4 fast-start check on or off.
func (s *Server) SetCheckVideo(on bool) { s.set(func(k *knobs) { k.CheckVideo = on }) }

// SetIGResumable lets Instagram-Login tokens use resumable uploads.
func (s *Server) SetIGResumable(on bool) { s.set(func(k *knobs) { k.IGResumable = on }) }

// ExpireTokens expires every token now (190/463 on next use) and returns
// how many were live.
func (s *Server) ExpireTokens() int { return s.InvalidateTokens(463) }

// InvalidateTokens invalidates every live token with a 190 subcode: 463
// expires them (the error names the expiry time); 458, 459, 460, 464, 467
// or 492 revoke them with Meta's message for that subcode.
func (s *Server) InvalidateTokens(subcode int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invalidateLocked(subcode, func(*token) bool { return true })
}

// InvalidateToken invalidates one token (see [Server.InvalidateTokens]);
// false if it is unknown or already invalid.
func (s *Server) InvalidateToken(tok string, subcode int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invalidateLocked(subcode, func(t *token) bool { return t.Value == tok }) > 0
}

func (s *Server) invalidateLocked(subcode int, match func(*token) bool) int {
	now := s.now()
	if subcode != 463 {
		return s.revokeWhere(subcode, func(t *token) bool {
			return match(t) && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
		})
	}
	n := 0
	for _, v := range s.st.tokenOrder {
		t := s.st.tokens[v]
		if t.Revoked == 0 && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)) && match(t) {
			t.ExpiresAt = now.Add(-time.Second)
			n++
		}
	}
	return n
}

// Reset restores the seeded state and the knobs from [Options]; the clock
// offset is kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs = s.defaultKnobs()
	s.rng, s.fault, s.trace = newRNGs(s.opts.Seed)
	s.st = s.seed(s.now())
}
