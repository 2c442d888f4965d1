package api

import (
	"context"
	"time"
)

// Ping is the answer of GET /v1/ping.
type Ping struct {
	Version string `json:"version"`
	PID     int    `json:"pid"`
	// State is "ok", or "recovery" when the store failed its consistency
	// check at start (`impress doctor` explains what to do), or
	// "stopping" while a stopping daemon parks its jobs and closes the
	// store (the socket stops answering once the store's lock is free).
	State     string    `json:"state"`
	StartedAt time.Time `json:"started_at"`
	Socket    string    `json:"socket"`
	DataDir   string    `json:"data_dir"`
	StateDir  string    `json:"state_dir"`
	LogFile   string    `json:"log_file"`
}

// Ping asks the daemon for its version and state.
func (c *Client) Ping(ctx context.Context) (*Ping, error) {
	return doJSON[Ping](ctx, c, "GET", "/v1/ping", nil)
}

// Shutdown asks the daemon to stop gracefully (POST /v1/shutdown).
func (c *Client) Shutdown(ctx context.Context) error {
	return c.Do(ctx, "POST", "/v1/shutdown", nil, nil)
}

// Reloaded is the answer of POST /v1/config/reload.
type Reloaded struct {
	Status string `json:"status"`
	// RestartNeeded are the keys whose value in the file differs from the
	// one the running daemon uses and that it reads only when it starts:
	// they apply after `impress daemon stop && impress daemon start`.
	RestartNeeded []string `json:"restart_needed"`
}

// Reload tells the daemon to read its configuration again (POST /v1/config/reload).
func (c *Client) Reload(ctx context.Context) (*Reloaded, error) {
	return doJSON[Reloaded](ctx, c, "POST", "/v1/config/reload", nil)
}

// Account is the workspace's account profile.
type Account struct {
	Email     string    `json:"email"`
	Company   string    `json:"company"`
	Store     string    `json:"store"`
	Contact   string    `json:"contact"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// AccountUpdate changes the fields that are non-nil.
type AccountUpdate struct {
	Email   *string `json:"email,omitempty"`
	Company *string `json:"company,omitempty"`
	Store   *string `json:"store,omitempty"`
	Contact *string `json:"contact,omitempty"`
}

// Account returns the account profile (GET /v1/account).
func (c *Client) Account(ctx context.Context) (*Account, error) {
	return doJSON[Account](ctx, c, "GET", "/v1/account", nil)
}

// UpdateAccount changes the account profile (PATCH /v1/account).
func (c *Client) UpdateAccount(ctx context.Context, u AccountUpdate) (*Account, error) {
	return doJSON[Account](ctx, c, "PATCH", "/v1/account", u)
}

// Health is the daemon's view of itself, for `impress doctor`.
type Health struct {
	Store  Check   `json:"store"`
	Checks []Check `json:"checks"`
	// Settings are the values the running daemon uses, secrets left out:
	// doctor compares them with the config file.
	Settings []Setting `json:"settings,omitempty"`
}

// Setting is one configuration key and its value.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Check is one doctor line.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"` // OK | WARN | FAIL
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
}

// Health returns the daemon's checks (GET /v1/health).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	return doJSON[Health](ctx, c, "GET", "/v1/health", nil)
}
