package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// adminRoutes is the /_sandbox/ API: "METHOD /path" → handler. Bodies are
// JSON objects; durations are Go duration strings ("150ms", "25h").
var adminRoutes = map[string]adminHandler{
	"GET /state": func(_ context.Context, s *Server, _ func(any) error) (any, int, error) {
		return s.State(), 0, nil
	},
	"GET /published": func(_ context.Context, s *Server, _ func(any) error) (any, int, error) {
		p := s.Published()
		if p == nil {
			p = []Media{}
		}
		return map[string]any{"count": len(p), "media": p}, 0, nil
	},
	"GET /live": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			Account string `json:"account"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		live, err := s.Live(in.Account)
		if err != nil {
			return nil, 0, err
		}
		return map[string]any{"count": len(live), "media": live}, 0, nil
	},
	"POST /media": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in ElsewherePost
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		m, err := s.AddMedia(in)
		return m, http.StatusCreated * boolInt(err == nil), err
	},
	"GET /knobs": func(_ context.Context, s *Server, _ func(any) error) (any, int, error) {
		return s.Knobs(), 0, nil
	},
	"POST /knobs": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			Latency             *Duration `json:"latency"`
			FailRate            *float64  `json:"fail_rate"`
			ProcessingTime      *Duration `json:"processing_time"`
			PublishQuota        *int      `json:"publish_quota"`
			UsagePct            *int      `json:"usage_pct"`
			IGResumable         *bool     `json:"ig_resumable"`
			CheckVideo          *bool     `json:"check_video"`
			WebhookURL          *string   `json:"webhook_url"`
			WebhookFlat         *bool     `json:"webhook_flat"`
			RequireSubscription *bool     `json:"require_subscription"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if in.FailRate != nil && (*in.FailRate < 0 || *in.FailRate > 1) {
			return nil, 0, fmt.Errorf("%w: fail_rate must be within 0..1", ErrBadKnob)
		}
		s.set(func(k *knobs) {
			if in.Latency != nil {
				k.Latency = max(0, time.Duration(*in.Latency))
			}
			if in.FailRate != nil {
				k.FailRate = *in.FailRate
			}
			if in.ProcessingTime != nil {
				k.ProcessingTime = max(0, time.Duration(*in.ProcessingTime))
			}
			if in.PublishQuota != nil {
				k.PublishQuota = max(0, *in.PublishQuota)
			}
			if in.UsagePct != nil {
				k.UsagePct = min(100, max(-1, *in.UsagePct))
			}
			if in.IGResumable != nil {
				k.IGResumable = *in.IGResumable
			}
			if in.CheckVideo != nil {
				k.CheckVideo = *in.CheckVideo
			}
			if in.WebhookURL != nil {
				k.WebhookURL = *in.WebhookURL
			}
			if in.WebhookFlat != nil {
				k.WebhookFlat = *in.WebhookFlat
			}
			if in.RequireSubscription != nil {
				k.RequireSubscription = *in.RequireSubscription
			}
		})
		return s.Knobs(), 0, nil
	},
	"POST /rate-limit": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		in := struct {
			Calls         int `json:"calls"`
			Code          int `json:"code"`
			UsagePct      int `json:"usage_pct"`
			RegainMinutes int `json:"regain_minutes"`
		}{Calls: 1, Code: 4, UsagePct: 100, RegainMinutes: 1}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if err := s.RateLimitNext(in.Calls, in.Code, in.UsagePct, in.RegainMinutes); err != nil {
			return nil, 0, err
		}
		return s.Knobs(), 0, nil
	},
	"POST /fail-containers": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		in := struct {
			Count   int    `json:"count"`
			Status  string `json:"status"`
			Code    int    `json:"code"`
			Subcode int    `json:"subcode"`
		}{Count: 1}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		s.FailNextContainers(in.Count, in.Status, in.Code, in.Subcode)
		return s.Knobs(), 0, nil
	},
	"POST /expire-tokens": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		in := struct {
			Token   string `json:"token"`
			Subcode int    `json:"subcode"`
		}{Subcode: 463}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if !slices.Contains([]int{458, 459, 460, 463, 464, 467, 492}, in.Subcode) {
			return nil, 0, fmt.Errorf("%w: subcode %d", ErrBadKnob, in.Subcode)
		}
		n := 0
		if in.Token != "" {
			if s.InvalidateToken(in.Token, in.Subcode) {
				n = 1
			}
		} else {
			n = s.InvalidateTokens(in.Subcode)
		}
		return map[string]int{"invalidated": n}, 0, nil
	},
	"POST /drop-publish": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		in := struct {
			Count int `json:"count"`
		}{Count: 1}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		s.DropNextPublishResponses(in.Count)
		return s.Knobs(), 0, nil
	},
	"POST /drop-upload": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			AfterBytes int64 `json:"after_bytes"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		s.DropNextUpload(in.AfterBytes)
		return s.Knobs(), 0, nil
	},
	"POST /deny-login": func(_ context.Context, s *Server, _ func(any) error) (any, int, error) {
		s.DenyNextLogin()
		return s.Knobs(), 0, nil
	},
	"POST /login-as": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			IGAccount string `json:"ig_account"`
			FBUser    string `json:"fb_user"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if err := s.LoginAs(in.IGAccount, in.FBUser); err != nil {
			return nil, 0, err
		}
		return s.Knobs(), 0, nil
	},
	"POST /clock": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			Advance Duration `json:"advance"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if in.Advance < 0 {
			return nil, 0, fmt.Errorf("%w: the clock only moves forward", ErrBadKnob)
		}
		s.Advance(time.Duration(in.Advance))
		return map[string]time.Time{"now": s.Now()}, 0, nil
	},
	"POST /comments": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			MediaID  string `json:"media_id"`
			ParentID string `json:"parent_id"`
			From     string `json:"from"`
			Text     string `json:"text"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if in.From == "" {
			in.From = FanID
		}
		if in.ParentID != "" {
			c, err := s.AddReply(in.ParentID, in.From, in.Text)
			return c, http.StatusCreated * boolInt(err == nil), err
		}
		c, err := s.AddComment(in.MediaID, in.From, in.Text)
		return c, http.StatusCreated * boolInt(err == nil), err
	},
	"POST /messages": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			Account string `json:"account"`
			From    string `json:"from"`
			Text    string `json:"text"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if in.Account == "" {
			in.Account = IGCreatorID
		}
		if in.From == "" {
			in.From = FanID
		}
		m, err := s.AddMessage(in.Account, in.From, in.Text)
		return m, 0, err
	},
	"POST /tokens": func(_ context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in TokenRequest
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		tok, err := s.IssueToken(in)
		if err != nil {
			return nil, 0, err
		}
		return map[string]string{"access_token": tok, "sha256": TokenSHA256(tok)}, 0, nil
	},
	"POST /signed-request": func(ctx context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			URL    string `json:"url"`
			UserID string `json:"user_id"`
			Revoke bool   `json:"revoke"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if in.UserID == "" {
			return nil, 0, fmt.Errorf("%w: user_id is required", ErrBadKnob)
		}
		out := map[string]any{}
		if in.Revoke {
			out["revoked"] = s.RevokeUser(in.UserID)
		}
		if in.URL == "" {
			out["signed_request"] = s.SignedRequest(in.UserID)
			return out, 0, nil
		}
		rec, err := s.SendSignedRequest(ctx, in.URL, in.UserID)
		out["response"] = rec
		return out, http.StatusBadGateway * boolInt(err != nil), err
	},
	"POST /verify-webhook": func(ctx context.Context, s *Server, dec func(any) error) (any, int, error) {
		var in struct {
			URL string `json:"url"`
		}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		if in.URL == "" {
			in.URL = s.Knobs().WebhookURL
		}
		if err := s.VerifyWebhook(ctx, in.URL); err != nil {
			return nil, http.StatusBadGateway, err
		}
		return map[string]bool{"ok": true}, 0, nil
	},
	"POST /flush-webhooks": func(ctx context.Context, s *Server, dec func(any) error) (any, int, error) {
		in := struct {
			Timeout Duration `json:"timeout"`
		}{Timeout: Duration(10 * time.Second)}
		if err := dec(&in); err != nil {
			return nil, 0, err
		}
		ctx, cancel := context.WithTimeout(ctx, time.Duration(in.Timeout))
		defer cancel()
		if err := s.FlushWebhooks(ctx); err != nil {
			return nil, http.StatusGatewayTimeout, err
		}
		return s.Deliveries(), 0, nil
	},
	"POST /reset": func(_ context.Context, s *Server, _ func(any) error) (any, int, error) {
		s.Reset()
		return map[string]bool{"ok": true}, 0, nil
	},
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
