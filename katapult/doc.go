// Package katapult is a typed Go client for the Katapult Pro REST API v3:
// jobs, nodes, connections (with embedded sections), sections, photos
// (upload, associate, download URL), photo elements, calibration anchors,
// traces, users and the welcome route.
//
// Create a client with New(baseURL, apiKey, options…). Every method takes a
// context first and passes through a throttle.Throttle, which paces calls
// under the API's two limits (one call per 50 ms; a token bucket mirrored
// from each response's meta). The client retries what is safe:
//
//   - 429 token_rate_limit_exceeded: waits (in the throttle) until the
//     bucket's refill at last_refill_time + refill period, then retries.
//   - 429 GENERAL RATE LIMIT EXCEEDED: backs off briefly and retries.
//   - 5xx, connection resets, timeouts, unreadable bodies: bounded
//     exponential backoff with jitter, for idempotent calls only.
//   - other 4xx: never retried.
//
// GETs, DELETEs and upserts at a caller-chosen id (UpsertNode,
// UpsertConnection, UpsertSection, UpsertTrace, UpsertCalibrationAnchor,
// UpdateJob, SetJobStatus, AssociatePhoto) are idempotent, so a retry after
// a failure that may have been applied is harmless. Plain creates
// (CreateJob, CreateNode, …), photo uploads and UpdatePhotoElement without
// OnlyIfExists (the API creates a missing element at a random id) are not:
// they are retried only when the request provably never reached a route
// handler (a 429, a refused connection, a middleware error); otherwise the
// error is a *MaybeAppliedError and the caller must look before resending.
//
// Errors: a non-2xx response is an *APIError carrying the HTTP status, the
// type, the message and the meta when present; the short middleware shape
// {"error": "..."} has Middleware set, Type empty and Message the error text.
// A call without a usable response is a *RequestError. IsNotFound, IsAuth,
// IsPermanent, IsTokenLimited and IsMaybeApplied classify them.
//
// Lists: EachNode and EachConnection decode the reply's data list one
// element at a time from the response body and hand each to a callback, so
// a large job's list is never held whole (ListNodes and ListConnections
// gather the same stream into a slice). A failure before the first element
// is retried as for any GET; once an element was delivered the call is not
// retried, so the callback never sees an element twice (stream.go).
//
// The API key travels as the api_key query parameter, as the API requires.
// It is redacted from every URL, error, log line and formatted value: errors
// name the method and the path only, and net/http's *url.Error (which embeds
// the full URL) never escapes the package.
//
// The wire types keep what they do not name in Extra, so a round trip loses
// nothing, and tolerate real-data quirks: numbers sent as strings, a
// pixel_selection that is an array or an object, Firebase arrays where an
// attribute's instances were expected.
package katapult
