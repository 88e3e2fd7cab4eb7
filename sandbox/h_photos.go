package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

// readJPEG reads an upload body and checks the JPEG signature.
func readJPEG(c *call) (int, *apiError) {
	data, err := io.ReadAll(io.LimitReader(c.r.Body, 64<<20))
	if err != nil {
		return 0, errRequest("could not read the photo: " + err.Error())
	}
	if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
		return 0, &apiError{400, "invalid_file_type", "Photo must be an image/jpeg file"}
	}
	return len(data), nil
}

// associationQuery reads ?association_value= of the item upload routes.
func associationQuery(c *call) (any, *apiError) {
	switch v := c.q.Get("association_value"); v {
	case "", "true":
		return true, nil
	case "main":
		return "main", nil
	default:
		return nil, errField(`association_value must be "true" or "main", got ` + quoteShort(v))
	}
}

// addPhoto stores a new photo record. The caller holds s.mu.
func (s *Server) addPhoto(j *job, c *call, size int) *photo {
	p := &photo{id: s.ids.next(c.now), elements: map[string]flat{}, anchors: map[string]flat{}, rec: flat{
		"upload_date": json.RawMessage(strconv.FormatInt(c.now.UnixMilli(), 10)),
		"file_size":   json.RawMessage(strconv.Itoa(size)),
		"uploaded_by": appendString(nil, sandboxUser),
	}}
	j.photos[p.id] = p
	j.index[p.id] = ref{kind: kPhoto}
	s.touch(j, c.now, kPhoto, p.id)
	return p
}

func hUploadPhoto(c *call) (any, *apiError) {
	size, e := readJPEG(c)
	if e != nil {
		return nil, e
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		return idData{c.s.addPhoto(j, c, size).id}, nil
	})
}

// readAssociatedUpload reads an item upload: its association query, then
// its photo.
func readAssociatedUpload(c *call) (assoc any, size int, e *apiError) {
	if assoc, e = associationQuery(c); e != nil {
		return nil, 0, e
	}
	size, e = readJPEG(c)
	return assoc, size, e
}

func hUploadNodePhoto(c *call) (any, *apiError) {
	assoc, size, e := readAssociatedUpload(c)
	if e != nil {
		return nil, e
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		n, e := find(j.nodes, "Node", c.arg(1))
		if e != nil {
			return nil, e
		}
		p := c.s.addPhoto(j, c, size)
		c.s.associateNode(j, n, p.id, assoc, c)
		return idData{p.id}, nil
	})
}

func hUploadSectionPhoto(c *call) (any, *apiError) {
	assoc, size, e := readAssociatedUpload(c)
	if e != nil {
		return nil, e
	}
	return updateJob(c, inConn(c, func(j *job, cn *conn) (any, *apiError) {
		sec, e := findSection(cn, c.arg(2))
		if e != nil {
			return nil, e
		}
		p := c.s.addPhoto(j, c, size)
		c.s.associateSection(j, cn, sec, p.id, assoc, c)
		return idData{p.id}, nil
	}))
}

func (s *Server) associateNode(j *job, n *point, pid string, assoc any, c *call) {
	nn := *n
	nn.photos = setAssociation(n.photos, pid, assoc)
	s.putNode(j, &nn, c)
}

func (s *Server) associateSection(j *job, cn *conn, sec *point, pid string, assoc any, c *call) {
	ns := *sec
	ns.photos = setAssociation(sec.photos, pid, assoc)
	s.putSection(j, cn, &ns, c)
}

func hListPhotos(c *call) (any, *apiError) {
	return viewJob(c, func(j *job) (any, *apiError) {
		out := make([]rawJSON, 0, len(j.photos))
		for _, id := range sortedKeys(j.photos) {
			out = append(out, appendFlat(nil, id, j.photos[id].rec))
		}
		return out, nil
	})
}

func hGetPhoto(c *call) (any, *apiError) {
	return viewJob(c, inPhoto(c, func(_ *job, p *photo) (any, *apiError) {
		return rawJSON(appendFlat(nil, p.id, p.rec)), nil
	}))
}

func hPhotoURL(c *call) (any, *apiError) {
	return viewJob(c, inPhoto(c, func(j *job, p *photo) (any, *apiError) {
		// The sandbox keeps no image bytes; the URL names the photo only.
		size, typ := c.q.Get("file_size"), c.q.Get("file_type")
		if size == "" {
			size = "full"
		}
		if typ == "" {
			typ = "webp"
		}
		return map[string]string{"url": "https://sandbox.invalid/photos/" + j.id + "/" + p.id + "_" + size + "." + typ}, nil
	}))
}

func hAssociate(c *call) (any, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	nodeID, hasNode, e := b.str("node_id")
	if e != nil {
		return nil, e
	}
	connID, hasConn, e := b.str("connection_id")
	if e != nil {
		return nil, e
	}
	secID, hasSec, e := b.str("section_id")
	if e != nil {
		return nil, e
	}
	switch {
	case hasNode && (hasConn || hasSec):
		return nil, errRequest("node_id cannot be combined with connection_id/section_id")
	case hasConn != hasSec:
		return nil, errRequest("connection_id and section_id must be sent together")
	case !hasNode && !hasConn:
		return nil, errMissing("node_id (or connection_id and section_id)")
	}
	raw, ok := b["association_value"]
	if !ok {
		return nil, errMissing("association_value")
	}
	var assoc any
	switch string(bytes.TrimSpace(raw)) {
	case "null":
	case "true":
		assoc = true
	case `"main"`:
		assoc = "main"
	default:
		return nil, errField(`association_value must be "main", true or null, got ` + quoteShort(string(raw)))
	}
	return updateJob(c, inPhoto(c, func(j *job, p *photo) (any, *apiError) {
		if hasNode {
			n := j.nodes[nodeID]
			if n == nil {
				return nil, errField("node_id: node " + quoteShort(nodeID) + " does not exist in this job")
			}
			c.s.associateNode(j, n, p.id, assoc, c)
			return struct{}{}, nil
		}
		cn := j.conns[connID]
		if cn == nil {
			return nil, errField("connection_id: connection " + quoteShort(connID) + " does not exist in this job")
		}
		sec := cn.sections[secID]
		if sec == nil {
			return nil, errField("section_id: section " + quoteShort(secID) + " does not exist on connection " + quoteShort(connID))
		}
		c.s.associateSection(j, cn, sec, p.id, assoc, c)
		return struct{}{}, nil
	}))
}
