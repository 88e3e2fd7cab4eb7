package katapult_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/katapult"
)

// jpeg is the smallest body the sandbox accepts as a JPEG.
var jpeg = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 0xFF, 0xD9}

func id(s string) string { return strings.ReplaceAll(fmt.Sprintf("%-24s", s+"-test-id"), " ", "x") } // pads to ≥ 20 chars

// must(f())(t) returns f's value, failing the test on its error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestJobsRoundTrip(t *testing.T) {
	_, c := startSandbox(t, fastOptions())
	ctx := testContext(t)

	msg := must(c.Welcome(ctx))(t)
	if !strings.Contains(msg, "Welcome") {
		t.Errorf("welcome message = %q", msg)
	}
	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "Round trip", Model: "acme", Metadata: map[string]any{"client": "ACME"}}))(t)
	if job.ID == "" {
		t.Fatal("created job has no id")
	}
	got := must(c.GetJob(ctx, job.ID, "name", "metadata", "job_creator"))(t)
	if got.JobCreator != "acme" || got.Name != "Round trip" || got.Metadata["client"] != "ACME" {
		t.Errorf("GetJob = %+v", got)
	}
	must(c.UpdateJob(ctx, job.ID, katapult.JobWrite{Metadata: map[string]any{"client": "Other", "city": "Buffalo"}}))(t)
	got = must(c.GetJob(ctx, job.ID, "name", "metadata"))(t)
	if got.Metadata["client"] != "Other" || got.Metadata["city"] != "Buffalo" {
		t.Errorf("after UpdateJob metadata = %v", got.Metadata)
	}
	other := must(c.CreateJob(ctx, katapult.JobWrite{Name: "Other", Model: "acme"}))(t)

	list := must(c.ListJobs(ctx, katapult.ListJobsOptions{MetadataFilter: "city:Buffalo"}))(t)
	if len(list) != 1 || list[0].ID != job.ID {
		t.Errorf("filtered list = %+v, want only %s", list, job.ID)
	}
	if st := must(c.GetJobStatus(ctx, other.ID))(t); st != "active" {
		t.Errorf("status = %q", st)
	}
	if err := c.SetJobStatus(ctx, other.ID, "archived"); err != nil {
		t.Fatal(err)
	}
	active := must(c.ListJobs(ctx, katapult.ListJobsOptions{}))(t)
	all := must(c.ListJobs(ctx, katapult.ListJobsOptions{IncludeArchived: true}))(t)
	if len(active) != 1 || len(all) != 2 {
		t.Errorf("active=%d all=%d, want 1 and 2", len(active), len(all))
	}
	limited := must(c.ListJobs(ctx, katapult.ListJobsOptions{IncludeArchived: true, Limit: 1}))(t)
	if len(limited) != 1 {
		t.Errorf("limit 1 gave %d jobs", len(limited))
	}

	who := must(c.WhoAmI(ctx))(t)
	if who.UID == "" || who.UserGroup == "" {
		t.Errorf("whoami = %+v", who)
	}
	users := must(c.ListUsers(ctx))(t)
	if len(users) == 0 || users[0].UID != who.UID {
		t.Errorf("users = %+v", users)
	}
	if u := must(c.GetUser(ctx, who.UID))(t); u.UID != who.UID {
		t.Errorf("GetUser = %+v", u)
	}
}

func TestNodesConnectionsSectionsRoundTrip(t *testing.T) {
	_, c := startSandbox(t, fastOptions())
	ctx := testContext(t)
	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "Entities", Model: "acme"}))(t)

	attrs := katapult.AttributePatch{}
	attrs.Set("node_type", "kp-i1", "pole")
	attrs.Set("pole_tag", "kp-i2", "410620")
	n1 := must(c.UpsertNode(ctx, job.ID, id("n1"), katapult.NodeWrite{Latitude: ptr(29.29), Longitude: ptr(-98.41), Attributes: attrs}, katapult.UpsertOptions{}))(t)
	if n1.ID != id("n1") || n1.Attributes["pole_tag"]["kp-i2"] != "410620" {
		t.Fatalf("UpsertNode = %+v", n1)
	}
	// Upsert again: same id, attribute instance updated, nothing added.
	attrs2 := katapult.AttributePatch{}
	attrs2.Set("pole_tag", "kp-i2", "410621")
	must(c.UpsertNode(ctx, job.ID, id("n1"), katapult.NodeWrite{Attributes: attrs2}, katapult.UpsertOptions{}))(t)
	n2 := must(c.CreateNode(ctx, job.ID, katapult.NodeWrite{Latitude: ptr(29.30), Longitude: ptr(-98.42), AddAttributes: map[string]any{"node_type": "pole"}}))(t)
	if n2.ID == "" {
		t.Fatal("CreateNode returned no id")
	}
	got := must(c.GetNode(ctx, job.ID, id("n1")))(t)
	if got.Attributes["pole_tag"]["kp-i2"] != "410621" || got.Latitude != 29.29 || len(got.Attributes["pole_tag"]) != 1 {
		t.Errorf("GetNode = %+v", got)
	}
	_, err := c.UpsertNode(ctx, job.ID, id("missing"), katapult.NodeWrite{Latitude: ptr(1.0)}, katapult.UpsertOptions{OnlyIfExists: true})
	if !katapult.IsNotFound(err) {
		t.Errorf("OnlyIfExists on a missing node: err = %v, want not found", err)
	}
	nodes := must(c.ListNodes(ctx, job.ID, katapult.ListNodesOptions{}))(t)
	if len(nodes) != 2 {
		t.Errorf("ListNodes = %d nodes, want 2", len(nodes))
	}
	if one := must(c.ListNodes(ctx, job.ID, katapult.ListNodesOptions{Limit: 1}))(t); len(one) != 1 {
		t.Errorf("ListNodes limit 1 = %d nodes", len(one))
	}

	conn := must(c.UpsertConnection(ctx, job.ID, id("c1"), katapult.ConnectionWrite{NodeID1: id("n1"), NodeID2: n2.ID, AddAttributes: map[string]any{"connection_type": "aerial cable"}}, katapult.UpsertOptions{}))(t)
	if conn.NodeID1 != id("n1") || conn.NodeID2 != n2.ID {
		t.Fatalf("UpsertConnection = %+v", conn)
	}
	sec := must(c.UpsertSection(ctx, job.ID, id("c1"), id("s1"), katapult.SectionWrite{Latitude: ptr(29.295), Longitude: ptr(-98.415)}, katapult.UpsertOptions{}))(t)
	if sec.ID != id("s1") {
		t.Fatalf("UpsertSection = %+v", sec)
	}
	sec2 := must(c.CreateSection(ctx, job.ID, id("c1"), katapult.SectionWrite{Latitude: ptr(29.296), Longitude: ptr(-98.416)}))(t)
	conns := must(c.ListConnections(ctx, job.ID))(t)
	if len(conns) != 1 || len(conns[0].Sections) != 2 || conns[0].Sections[id("s1")].Latitude != 29.295 {
		t.Fatalf("ListConnections = %+v", conns)
	}
	if s := conns[0].Sections[sec2.ID]; s.ID != sec2.ID {
		t.Errorf("embedded section id = %q, want the map key %q", s.ID, sec2.ID)
	}
	if secs := must(c.ListSections(ctx, job.ID, id("c1")))(t); len(secs) != 2 {
		t.Errorf("ListSections = %d", len(secs))
	}
	if s := must(c.GetSection(ctx, job.ID, id("c1"), id("s1")))(t); s.Longitude != -98.415 {
		t.Errorf("GetSection = %+v", s)
	}
	if gc := must(c.GetConnection(ctx, job.ID, id("c1")))(t); gc.Attributes["connection_type"] == nil {
		t.Errorf("GetConnection = %+v", gc)
	}
	c2 := must(c.CreateConnection(ctx, job.ID, katapult.ConnectionWrite{NodeID1: id("n1"), NodeID2: n2.ID}))(t)

	if err := c.DeleteSection(ctx, job.ID, id("c1"), id("s1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSection(ctx, job.ID, id("c1"), id("s1")); !katapult.IsNotFound(err) {
		t.Errorf("deleted section: err = %v", err)
	}
	if err := c.DeleteConnection(ctx, job.ID, c2.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNode(ctx, job.ID, n2.ID); err != nil {
		t.Fatal(err)
	}
	if left := must(c.ListConnections(ctx, job.ID))(t); len(left) != 0 {
		t.Errorf("deleting a node left %d connections", len(left))
	}
}

func TestPhotosElementsAnchorsTracesRoundTrip(t *testing.T) {
	_, c := startSandbox(t, fastOptions())
	ctx := testContext(t)
	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "Photos", Model: "acme"}))(t)
	must(c.UpsertNode(ctx, job.ID, id("n1"), katapult.NodeWrite{Latitude: ptr(1.0), Longitude: ptr(2.0)}, katapult.UpsertOptions{}))(t)
	must(c.UpsertNode(ctx, job.ID, id("n2"), katapult.NodeWrite{Latitude: ptr(1.1), Longitude: ptr(2.1)}, katapult.UpsertOptions{}))(t)
	must(c.UpsertConnection(ctx, job.ID, id("c1"), katapult.ConnectionWrite{NodeID1: id("n1"), NodeID2: id("n2")}, katapult.UpsertOptions{}))(t)
	must(c.UpsertSection(ctx, job.ID, id("c1"), id("s1"), katapult.SectionWrite{Latitude: ptr(1.05), Longitude: ptr(2.05)}, katapult.UpsertOptions{}))(t)

	mainPhoto := must(c.UploadNodePhoto(ctx, job.ID, id("n1"), bytes.NewReader(jpeg), katapult.AssociationMain))(t)
	secPhoto := must(c.UploadSectionPhoto(ctx, job.ID, id("c1"), id("s1"), bytes.NewReader(jpeg), katapult.AssociationTrue))(t)
	loose := must(c.UploadPhoto(ctx, job.ID, bytes.NewReader(jpeg)))(t)
	if _, err := c.UploadPhoto(ctx, job.ID, strings.NewReader("not a jpeg")); err == nil {
		t.Error("uploading a non-JPEG succeeded")
	} else if var_ := new(katapult.APIError); !errors.As(err, &var_) || var_.Type != "invalid_file_type" {
		t.Errorf("non-JPEG upload err = %v", err)
	}
	n := must(c.GetNode(ctx, job.ID, id("n1")))(t)
	if _, ok := n.Photos[mainPhoto]; !ok {
		t.Errorf("node photos = %v, want %s", n.Photos, mainPhoto)
	}
	if err := c.AssociatePhoto(ctx, job.ID, loose, katapult.PhotoTarget{NodeID: id("n2")}, katapult.AssociationTrue); err != nil {
		t.Fatal(err)
	}
	if n2 := must(c.GetNode(ctx, job.ID, id("n2")))(t); n2.Photos[loose] == nil {
		t.Errorf("associated photo missing: %v", n2.Photos)
	}
	if err := c.AssociatePhoto(ctx, job.ID, loose, katapult.PhotoTarget{NodeID: id("n2")}, ""); err != nil {
		t.Fatal(err)
	}
	if n2 := must(c.GetNode(ctx, job.ID, id("n2")))(t); n2.Photos[loose] != nil {
		t.Errorf("unassociated photo still there: %v", n2.Photos)
	}
	if err := c.AssociatePhoto(ctx, job.ID, secPhoto, katapult.PhotoTarget{ConnectionID: id("c1"), SectionID: id("s1")}, katapult.AssociationMain); err != nil {
		t.Fatal(err)
	}
	photos := must(c.ListPhotos(ctx, job.ID))(t)
	if len(photos) != 3 {
		t.Errorf("ListPhotos = %d", len(photos))
	}
	if p := must(c.GetPhoto(ctx, job.ID, mainPhoto))(t); p.ID != mainPhoto || len(p.Extra) == 0 {
		t.Errorf("GetPhoto = %+v (want the record's fields in Extra)", p)
	}
	if u := must(c.GetPhotoURL(ctx, job.ID, mainPhoto, "", ""))(t); !strings.HasPrefix(u, "http") {
		t.Errorf("photo URL = %q", u)
	}

	tr := must(c.UpsertTrace(ctx, job.ID, id("t1"), katapult.TraceWrite{TraceType: "cable", Attributes: map[string]any{"company": "AT&T"}}, katapult.UpsertOptions{}))(t)
	if tr.TraceType != "cable" {
		t.Errorf("UpsertTrace = %+v", tr)
	}
	tr2 := must(c.CreateTrace(ctx, job.ID, katapult.TraceWrite{TraceType: "down_guy"}))(t)
	if got := must(c.GetTrace(ctx, job.ID, id("t1")))(t); extraString(got.Extra, "company") != "AT&T" {
		t.Errorf("GetTrace = %+v", got)
	}
	if ts := must(c.ListTraces(ctx, job.ID))(t); len(ts) != 2 {
		t.Errorf("ListTraces = %d", len(ts))
	}

	el := must(c.CreatePhotoElement(ctx, job.ID, mainPhoto, katapult.PhotoElementWrite{ElementType: "wire", PixelSelection: &katapult.PixelSelection{PercentX: 0.4, PercentY: 0.2}, ManualHeight: "25-6", TraceID: id("t1"), Attributes: map[string]any{"diameter": "0.5"}}))(t)
	if el.ID == "" || el.ManualHeight != "25-6" || len(el.PixelSelection) != 1 || el.PixelSelection[0].PercentX != 0.4 {
		t.Fatalf("CreatePhotoElement = %+v", el)
	}
	child := must(c.UpdatePhotoElement(ctx, job.ID, mainPhoto, id("e1"), katapult.PhotoElementWrite{ElementType: "insulator", ParentID: el.ID}, katapult.UpsertOptions{}))(t)
	if child.ParentID != el.ID {
		t.Errorf("nested element = %+v", child)
	}
	child = must(c.UpdatePhotoElement(ctx, job.ID, mainPhoto, id("e1"), katapult.PhotoElementWrite{Unnest: true}, katapult.UpsertOptions{OnlyIfExists: true}))(t)
	if child.ParentID != "" {
		t.Errorf("unnested element still has parent %q", child.ParentID)
	}
	if els := must(c.ListPhotoElements(ctx, job.ID, mainPhoto))(t); len(els) != 2 {
		t.Errorf("ListPhotoElements = %d", len(els))
	}
	if got := must(c.GetPhotoElement(ctx, job.ID, mainPhoto, el.ID))(t); got.TraceID != id("t1") || extraString(got.Extra, "diameter") != "0.5" {
		t.Errorf("GetPhotoElement = %+v", got)
	}
	if err := c.DeletePhotoElement(ctx, job.ID, mainPhoto, id("e1")); err != nil {
		t.Fatal(err)
	}

	an := must(c.UpsertCalibrationAnchor(ctx, job.ID, mainPhoto, id("a1"), katapult.CalibrationAnchorWrite{PixelSelection: &katapult.PixelSelection{PercentX: 0.5, PercentY: 0.3}, Height: ptr(16.5)}, katapult.UpsertOptions{}))(t)
	if an.Height != 16.5 {
		t.Errorf("UpsertCalibrationAnchor = %+v", an)
	}
	must(c.CreateCalibrationAnchor(ctx, job.ID, mainPhoto, katapult.CalibrationAnchorWrite{PixelSelection: &katapult.PixelSelection{PercentX: 0.5, PercentY: 0.6}, Height: ptr(6.5)}))(t)
	if as := must(c.ListCalibrationAnchors(ctx, job.ID, mainPhoto))(t); len(as) != 2 {
		t.Errorf("ListCalibrationAnchors = %d", len(as))
	}
	if got := must(c.GetCalibrationAnchor(ctx, job.ID, mainPhoto, id("a1")))(t); len(got.PixelSelection) != 1 || got.PixelSelection[0].PercentY != 0.3 {
		t.Errorf("GetCalibrationAnchor = %+v", got)
	}
	if err := c.DeleteCalibrationAnchor(ctx, job.ID, mainPhoto, id("a1")); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTrace(ctx, job.ID, tr2.ID); err != nil {
		t.Fatal(err)
	}
}

func extraString(extra map[string]json.RawMessage, k string) string {
	var s string
	if err := json.Unmarshal(extra[k], &s); err != nil {
		return fmt.Sprintf("<%s: %v>", extra[k], err)
	}
	return s
}
