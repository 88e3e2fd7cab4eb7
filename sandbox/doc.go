// Package sandbox is a local emulator of the Katapult Pro API v3, faithful
// to ../shared/reference (openapi.yaml, rate-limits.md, concepts/*.md):
// the same paths under /api/v3, envelopes and error types, api_key auth,
// attribute semantics, id rules, onlyIfExists, token costs, the general
// limit and the token bucket with 429s and meta. Its limits and faults are
// configurable (Options). It runs in-process for tests (New + Handler, or
// Start on 127.0.0.1:0), behind `kpbulk sandbox`, and behind --sandbox.
//
// # Checks, limits and costs
//
// A call goes through: auth (400 MISSING API KEY, 401 INVALID API KEY),
// the general limit (429 GENERAL RATE LIMIT EXCEEDED), routing (404
// not_found; reserved endpoints such as /models answer 501 NOT
// IMPLEMENTED), the token check (429 token_rate_limit_exceeded with meta),
// then the handler's own validation. The first two use the short
// {"error": ...} shape without meta; every route-handler answer, success
// or error, carries meta. Auth failures and general-limit rejections never
// touch the bucket and do not restart the general interval; only calls
// that succeed spend tokens (a write that fails validation, a 404 and an
// injected 500 before applying are refunded). Costs follow x-token-cost:
// welcome 0, GET 1, POST/DELETE 10.
//
// The bucket refills lazily: the first call at least Refill after
// last_refill_time resets the balance to the bucket size (with a
// BucketSchedule, to its next size, cycling; the first size is the
// starting balance) and sets last_refill_time to that call's time.
//
// # Choices where the API docs are silent
//
//   - A resource named in the URL that does not exist: 404 not_found. One
//     named in the body (node_id_1/2, associate targets, parent_id,
//     trace_id): 400 invalid_field.
//   - Creating through POST .../{id} needs the plain create's required
//     fields (a node its coordinates, a connection both node ids, an
//     element its element_type, a trace its trace_type, an anchor its
//     pixel_selection and height).
//   - Ids are unique within a job across all resource types; a caller's id
//     already used gives 400 invalid_id. Server ids (and generated
//     attribute instance ids) are 20-character push ids ("-" first).
//   - An attribute left with no instances disappears; null values in
//     add_attributes are skipped; remove_attributes ignores unknown names.
//   - Deleting a node deletes its connections and their sections.
//     make_midpoint on a connection that has a midpoint section replaces it
//     at the same id with its data cleared; the midpoint is the average of
//     the two nodes' coordinates.
//   - Photo associations appear on the node or section as
//     photos: {photo_id: {"association": true | "main"}}; a new main photo
//     demotes the old one to true. The sandbox keeps no image bytes: it
//     checks the JPEG signature (else 400 invalid_file_type) and records
//     upload_date and file_size; /url names the photo at sandbox.invalid.
//   - Deleting a photo element de-nests its children; deleting a trace
//     takes its elements off it. Changing or deleting an anchor removes the
//     photo's stick_align.
//   - A request that fails validation changes nothing.
//   - Nodes carry last_updated (RFC 3339, UTC, milliseconds), set by every
//     write to the node, including photo associations; loaded nodes get
//     the load time. GET nodes sorts by it, most recent first (ties by
//     id); ?last_updated= is exclusive at millisecond precision; bad
//     last_updated or limit values are 400 invalid_request (nodes.md).
//   - Jobs: GET /jobs/{id} without paths returns only the id; an unknown
//     path is 400 invalid_field. metadataFilter compares values as text.
//     The owner company ("sandbox-company") is always in sharing. There is
//     one user, an admin, "sandbox-user-0000000000".
//   - Faults: FailRate answers 500 internal_error to any route-handler
//     call before it runs; FailAfterApplyRate and DropRate hit only writes
//     that were applied (their tokens are spent). One seeded source draws
//     every fault and the latency jitter.
//
// # Loading a job export
//
// LoadJobJSON reads Katapult's raw job JSON (nodes, connections with
// embedded sections, photos, traces with trace_data and trace_items)
// record by record, keeping every id and every field the API does not
// name. Attribute instance keys such as "button_added" or "-Imported" are
// kept as they are; sections' multi_attributes become their attributes; a
// section keyed "midpoint_section" is the connection's midpoint (Katapult
// reuses that key on every connection, so loaded section keys may repeat
// across connections). Photo records keep their photofirst_data as it is;
// the element and anchor endpoints start empty for loaded photos.
//
// # State and durability
//
// The state lives in memory (maps per job behind one RWMutex; nodes,
// connections and photos are copy-on-write so lists encode without the
// lock) and is written behind to SQLite (modernc.org/sqlite, pure Go,
// WAL) in one transaction every 100 ms; Close flushes the rest. A clean
// stop loses nothing; a crash may lose the last 100 ms of acknowledged
// writes. The bucket state is saved too. The file is opened in exclusive
// locking mode: a second sandbox on the same file fails to start.
package sandbox
