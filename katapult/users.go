package katapult

import "context"

// User is a user of the caller's company.
type User struct {
	UID          string         `json:"uid"`
	Email        *string        `json:"email"`
	Name         map[string]any `json:"name"` // first, last
	LastActive   *int64         `json:"last_active"`
	CreationDate *int64         `json:"creation_date"`
	Metadata     map[string]any `json:"metadata,omitempty"` // GetUser only
}

// WhoAmI is the identity behind the API key.
type WhoAmI struct {
	UID         string  `json:"uid"`
	Email       *string `json:"email"`
	UserGroup   string  `json:"user_group"`
	RootCompany *string `json:"root_company"`
}

// ListUsers lists the users of the caller's company (company admins only;
// 1 token).
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	return call[[]User](ctx, c, c.get("/users", nil))
}

// GetUser returns a user with their metadata (1 token).
func (c *Client) GetUser(ctx context.Context, userID string) (User, error) {
	return call[User](ctx, c, c.get("/users/"+seg(userID), nil))
}

// WhoAmI returns the identity behind the API key (1 token).
func (c *Client) WhoAmI(ctx context.Context) (WhoAmI, error) {
	return call[WhoAmI](ctx, c, c.get("/users/whoami", nil))
}
