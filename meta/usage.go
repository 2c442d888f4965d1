package meta

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// HighUsage is the percentage at or above which callers should slow down
// (docs/META.md §9: back off at ≥ 80 %).
const HighUsage = 80

// Usage is Meta's rate-limit accounting from the response headers of the
// last call. Every value is a percentage of the allowance.
type Usage struct {
	// App is X-App-Usage (nil when absent).
	App *AppUsage
	// BusinessUseCase is X-Business-Use-Case-Usage, one entry per
	// (business object id, type), e.g. the IG account and "instagram".
	BusinessUseCase []BusinessUseCaseUsage
	// AdAccount is X-Ad-Account-Usage (ads only; nil when absent).
	AdAccount *AdAccountUsage
	// AdsInsights is x-fb-ads-insights-throttle (ads only; nil when absent).
	AdsInsights *AdsInsightsThrottle
	// At is when the headers were received.
	At time.Time
}

// AppUsage is X-App-Usage.
type AppUsage struct {
	CallCount    float64 `json:"call_count"`
	TotalTime    float64 `json:"total_time"`
	TotalCPUTime float64 `json:"total_cputime"`
}

// BusinessUseCaseUsage is one entry of X-Business-Use-Case-Usage.
type BusinessUseCaseUsage struct {
	ID           string  `json:"-"` // the business object id the entry is keyed by
	Type         string  `json:"type"`
	CallCount    float64 `json:"call_count"`
	TotalTime    float64 `json:"total_time"`
	TotalCPUTime float64 `json:"total_cputime"`
	// EstimatedTimeToRegainAccess is in minutes, as Meta sends it.
	EstimatedTimeToRegainAccess float64 `json:"estimated_time_to_regain_access"`
}

// AdAccountUsage is X-Ad-Account-Usage.
type AdAccountUsage struct {
	AccIDUtilPct      float64 `json:"acc_id_util_pct"`
	ResetTimeDuration float64 `json:"reset_time_duration"`
	AccessTier        string  `json:"ads_api_access_tier"`
}

// AdsInsightsThrottle is x-fb-ads-insights-throttle.
type AdsInsightsThrottle struct {
	AppIDUtilPct float64 `json:"app_id_util_pct"`
	AccIDUtilPct float64 `json:"acc_id_util_pct"`
	AccessTier   string  `json:"ads_api_access_tier"`
}

// IsZero reports whether no usage header was seen.
func (u Usage) IsZero() bool {
	return u.App == nil && len(u.BusinessUseCase) == 0 && u.AdAccount == nil && u.AdsInsights == nil
}

// Max is the highest percentage in any header.
func (u Usage) Max() float64 {
	var m float64
	up := func(v float64) {
		if v > m {
			m = v
		}
	}
	if u.App != nil {
		up(u.App.CallCount)
		up(u.App.TotalTime)
		up(u.App.TotalCPUTime)
	}
	for _, b := range u.BusinessUseCase {
		up(b.CallCount)
		up(b.TotalTime)
		up(b.TotalCPUTime)
	}
	if u.AdAccount != nil {
		up(u.AdAccount.AccIDUtilPct)
	}
	if u.AdsInsights != nil {
		up(u.AdsInsights.AppIDUtilPct)
		up(u.AdsInsights.AccIDUtilPct)
	}
	return m
}

// High reports whether any percentage is at or above [HighUsage].
func (u Usage) High() bool { return u.Max() >= HighUsage }

// RegainAccess is the longest estimated_time_to_regain_access across the
// business-use-case entries: how long Meta says to stay away.
func (u Usage) RegainAccess() time.Duration {
	var m float64
	for _, b := range u.BusinessUseCase {
		if b.EstimatedTimeToRegainAccess > m {
			m = b.EstimatedTimeToRegainAccess
		}
	}
	return time.Duration(m * float64(time.Minute))
}

// parseUsage reads the usage headers. Malformed headers are ignored: they
// are advisory and must never fail a call that succeeded.
func parseUsage(h http.Header, now time.Time) Usage {
	u := Usage{At: now}
	if v := h.Get("X-App-Usage"); v != "" {
		var a AppUsage
		if json.Unmarshal([]byte(v), &a) == nil {
			u.App = &a
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var m map[string][]BusinessUseCaseUsage
		if json.Unmarshal([]byte(v), &m) == nil {
			for id, entries := range m {
				for _, e := range entries {
					e.ID = id
					u.BusinessUseCase = append(u.BusinessUseCase, e)
				}
			}
			slices.SortFunc(u.BusinessUseCase, func(a, b BusinessUseCaseUsage) int {
				return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Type, b.Type))
			})
		}
	}
	if v := h.Get("X-Ad-Account-Usage"); v != "" {
		var a AdAccountUsage
		if json.Unmarshal([]byte(v), &a) == nil {
			u.AdAccount = &a
		}
	}
	if v := h.Get("X-Fb-Ads-Insights-Throttle"); v != "" {
		var a AdsInsightsThrottle
		if json.Unmarshal([]byte(v), &a) == nil {
			u.AdsInsights = &a
		}
	}
	return u
}
