// Command server is a small JSON API: a larger program than hello, for benchmarks and tests.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
)

type store struct {
	mu    sync.Mutex
	items map[string]string
}

func (s *store) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.TrimPrefix(r.URL.Path, "/items/")
	switch r.Method {
	case http.MethodPut:
		var body struct{ Value string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.items[key] = body.Value
	case http.MethodGet:
		if key == "" {
			keys := make([]string, 0, len(s.items))
			for k := range s.items {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			json.NewEncoder(w).Encode(keys)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{key: s.items[key]})
	}
}

func main() {
	addr := flag.String("addr", "", "listen address (empty: print platform and exit)")
	flag.Parse()
	if *addr == "" {
		fmt.Fprintf(os.Stdout, "server built for %s/%s\n", runtime.GOOS, runtime.GOARCH)
		return
	}
	s := &store{items: map[string]string{}}
	http.HandleFunc("/items/", s.handle)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
