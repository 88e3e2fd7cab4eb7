package sandbox

import "strings"

// Token costs from openapi.yaml's x-token-cost.
const (
	costWelcome = 0
	costGet     = 1
	costWrite   = 10
)

func r(method, pattern string, cost int64, h handler) route {
	return route{method: method, pattern: strings.Split(pattern, "/"), cost: cost, h: h}
}

// routes is the API surface. A nil handler is a reserved endpoint
// (501 NOT IMPLEMENTED). Earlier entries win, so literal segments come
// before parameters in the same position.
var routes []route

func init() {
	routes = []route{
		{method: "GET", pattern: nil, cost: costWelcome, h: hWelcome},

		r("GET", "jobs", costGet, hListJobs),
		r("POST", "jobs", costWrite, hCreateJob),
		r("GET", "jobs/:job", costGet, hGetJob),
		r("POST", "jobs/:job", costWrite, hUpdateJob),
		r("POST", "jobs/:job/raw", costWrite, hRestricted),
		r("GET", "jobs/:job/status", costGet, hGetJobStatus),
		r("POST", "jobs/:job/status", costWrite, hSetJobStatus),

		r("GET", "jobs/:job/nodes", costGet, hListNodes),
		r("POST", "jobs/:job/nodes", costWrite, hCreateNode),
		r("GET", "jobs/:job/nodes/:node", costGet, hGetNode),
		r("POST", "jobs/:job/nodes/:node", costWrite, hUpsertNode),
		r("DELETE", "jobs/:job/nodes/:node", costWrite, hDeleteNode),
		r("POST", "jobs/:job/nodes/:node/photos", costWrite, hUploadNodePhoto),

		r("GET", "jobs/:job/connections", costGet, hListConns),
		r("POST", "jobs/:job/connections", costWrite, hCreateConn),
		r("GET", "jobs/:job/connections/:conn", costGet, hGetConn),
		r("POST", "jobs/:job/connections/:conn", costWrite, hUpsertConn),
		r("DELETE", "jobs/:job/connections/:conn", costWrite, hDeleteConn),

		r("GET", "jobs/:job/connections/:conn/sections", costGet, hListSections),
		r("POST", "jobs/:job/connections/:conn/sections", costWrite, hCreateSection),
		r("GET", "jobs/:job/connections/:conn/sections/:sec", costGet, hGetSection),
		r("POST", "jobs/:job/connections/:conn/sections/:sec", costWrite, hUpsertSection),
		r("DELETE", "jobs/:job/connections/:conn/sections/:sec", costWrite, hDeleteSection),
		r("POST", "jobs/:job/connections/:conn/sections/:sec/photos", costWrite, hUploadSectionPhoto),

		r("GET", "jobs/:job/photos", costGet, hListPhotos),
		r("POST", "jobs/:job/photos", costWrite, hUploadPhoto),
		r("GET", "jobs/:job/photos/:photo", costGet, hGetPhoto),
		r("GET", "jobs/:job/photos/:photo/url", costGet, hPhotoURL),
		r("POST", "jobs/:job/photos/:photo/associate", costWrite, hAssociate),

		r("GET", "jobs/:job/photos/:photo/photo_elements", costGet, hListElements),
		r("POST", "jobs/:job/photos/:photo/photo_elements", costWrite, hCreateElement),
		r("GET", "jobs/:job/photos/:photo/photo_elements/:el", costGet, hGetElement),
		r("POST", "jobs/:job/photos/:photo/photo_elements/:el", costWrite, hUpsertElement),
		r("DELETE", "jobs/:job/photos/:photo/photo_elements/:el", costWrite, hDeleteElement),

		r("GET", "jobs/:job/photos/:photo/calibration_anchors", costGet, hListAnchors),
		r("POST", "jobs/:job/photos/:photo/calibration_anchors", costWrite, hCreateAnchor),
		r("GET", "jobs/:job/photos/:photo/calibration_anchors/:an", costGet, hGetAnchor),
		r("POST", "jobs/:job/photos/:photo/calibration_anchors/:an", costWrite, hUpsertAnchor),
		r("DELETE", "jobs/:job/photos/:photo/calibration_anchors/:an", costWrite, hDeleteAnchor),

		r("GET", "jobs/:job/traces", costGet, hListTraces),
		r("POST", "jobs/:job/traces", costWrite, hCreateTrace),
		r("GET", "jobs/:job/traces/:trace", costGet, hGetTrace),
		r("POST", "jobs/:job/traces/:trace", costWrite, hUpsertTrace),
		r("DELETE", "jobs/:job/traces/:trace", costWrite, hDeleteTrace),

		r("GET", "users", costGet, hListUsers),
		r("GET", "users/whoami", costGet, hWhoAmI),
		r("GET", "users/:user", costGet, hGetUser),
		r("GET", "users/:user/active_state", costGet, hRestricted),
		r("POST", "users/:user/active_state", costWrite, hRestricted),

		// Models and company data are outside what kpbulk uses.
		r("GET", "models", 100, nil),
		r("GET", "models/:model", 1000, nil),
		r("GET", "companies/:company/tracked_actions", costGet, nil),
		r("GET", "companies/:company/action_models", costGet, nil),
	}
}

func hRestricted(*call) (any, *apiError) {
	return nil, &apiError{403, "extended_access_required", "This endpoint requires extended API access, which the sandbox does not grant"}
}
