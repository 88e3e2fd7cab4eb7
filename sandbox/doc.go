// Package sandbox is a local emulator of the Katapult Pro API v3: the same
// paths under /api/v3, envelopes, error types, api_key auth, attribute
// semantics, id rules, token costs, general limit and token bucket, with
// configurable limits and injected faults. It runs in-process (Handler,
// Start) for tests and behind `kpbulk sandbox` for users.
package sandbox
