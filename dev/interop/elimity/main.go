// A SCIM server built on github.com/elimity-com/scim, a Go SCIM server library,
// the way its README tells users to: the library routes, validates resources and
// PATCH operations against the RFC 7643 schemas and shapes ListResponses; the
// application supplies a ResourceHandler per resource type (here, maps in memory,
// with filtering by the library's validator and index paging over creation
// order). Users carry the enterprise extension. For the interop suite
// (tests/runner/interop/), started by dev/interop/servers.ts:
//
//	elimity-scim-server -listen 127.0.0.1:0 -token TOKEN
//
// prints `ready <SCIM base URL>` once listening.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

type stored struct {
	attrs    scim.ResourceAttributes
	created  time.Time
	modified time.Time
}

// memory is one resource type's storage, in creation order.
type memory struct {
	mu    sync.Mutex
	order []string
	byID  map[string]*stored
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (m *memory) resource(id string, s *stored) scim.Resource {
	c, l := s.created, s.modified
	return scim.Resource{ID: id, Attributes: copyMap(s.attrs), Meta: scim.Meta{Created: &c, LastModified: &l}}
}

func (m *memory) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, now := newID(), time.Now().UTC()
	s := &stored{attrs: attrs, created: now, modified: now}
	m.byID[id] = s
	m.order = append(m.order, id)
	return m.resource(id, s), nil
}

func (m *memory) Get(_ *http.Request, id string) (scim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byID[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return m.resource(id, s), nil
}

// GetAll filters with the library's validator (meta included, at full precision)
// and pages over creation order: past the end, an empty page.
func (m *memory) GetAll(_ *http.Request, p scim.ListRequestParams) (scim.Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var matched []scim.Resource
	for _, id := range m.order {
		s := m.byID[id]
		if p.FilterValidator != nil {
			view := copyMap(s.attrs)
			view["id"] = id
			view["meta"] = map[string]interface{}{
				"created":      s.created.Format(time.RFC3339Nano),
				"lastModified": s.modified.Format(time.RFC3339Nano),
			}
			if p.FilterValidator.PassesFilter(view) != nil {
				continue
			}
		}
		matched = append(matched, m.resource(id, s))
	}
	from := p.StartIndex - 1
	if from > len(matched) {
		from = len(matched)
	}
	to := from + p.Count
	if to > len(matched) {
		to = len(matched)
	}
	return scim.Page{TotalResults: len(matched), Resources: matched[from:to]}, nil
}

func (m *memory) Replace(_ *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byID[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	s.attrs, s.modified = attrs, time.Now().UTC()
	return m.resource(id, s), nil
}

func (m *memory) Delete(_ *http.Request, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[id]; !ok {
		return scimerrors.ScimErrorResourceNotFound(id)
	}
	delete(m.byID, id)
	for i, o := range m.order {
		if o == id {
			m.order = append(m.order[:i], m.order[i+1:]...)
			break
		}
	}
	return nil
}

// Patch applies add, replace and remove on an attribute, a sub-attribute, or an
// extension's attribute (`urn:…:User:department`); the library has validated them.
func (m *memory) Patch(_ *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byID[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	for _, op := range ops {
		if op.Path == nil {
			if values, ok := op.Value.(map[string]interface{}); ok {
				for k, v := range values {
					s.attrs[k] = v
				}
			}
			continue
		}
		target := map[string]interface{}(s.attrs)
		ap := op.Path.AttributePath
		if uri := ap.URI(); uri != "" && !strings.HasSuffix(uri, ":core:2.0:User") && !strings.HasSuffix(uri, ":core:2.0:Group") {
			ext, _ := target[uri].(map[string]interface{})
			if ext == nil {
				ext = map[string]interface{}{}
				target[uri] = ext
			}
			target = ext
		}
		key := ap.AttributeName
		if sub := ap.SubAttributeName(); sub != "" {
			inner, _ := target[key].(map[string]interface{})
			if inner == nil {
				inner = map[string]interface{}{}
				target[key] = inner
			}
			target, key = inner, sub
		}
		if strings.EqualFold(op.Op, "remove") {
			delete(target, key)
		} else {
			target[key] = op.Value
		}
	}
	s.modified = time.Now().UTC()
	return m.resource(id, s), nil
}

func copyMap(in map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	token := flag.String("token", "", "the bearer token to accept")
	flag.Parse()
	if *token == "" {
		log.Fatal("-token is required")
	}
	enterprise := schema.ExtensionEnterpriseUser()
	server, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{
			DocumentationURI: optional.NewString("https://github.com/elimity-com/scim"),
			MaxResults:       200,
			SupportFiltering: true,
			SupportPatch:     true,
		},
		ResourceTypes: []scim.ResourceType{
			{
				ID:               optional.NewString("User"),
				Name:             "User",
				Endpoint:         "/Users",
				Description:      optional.NewString("User Account"),
				Schema:           schema.CoreUserSchema(),
				SchemaExtensions: []scim.SchemaExtension{{Schema: enterprise}},
				Handler:          &memory{byID: map[string]*stored{}},
			},
			{
				ID:          optional.NewString("Group"),
				Name:        "Group",
				Endpoint:    "/Groups",
				Description: optional.NewString("Group"),
				Schema:      schema.CoreGroupSchema(),
				Handler:     &memory{byID: map[string]*stored{}},
			},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	auth := http.StripPrefix("/scim/v2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+*token {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"invalid token"}`))
			return
		}
		server.ServeHTTP(w, r)
	}))
	fmt.Printf("ready http://%s/scim/v2\n", ln.Addr())
	log.Fatal(http.Serve(ln, auth))
}
