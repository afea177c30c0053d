// Package lookup resolves host names with the net package; built with cgo, it uses the C library's resolver
// on Unix (getaddrinfo), so the program links libc.
package lookup

import (
	"context"
	"net"
	"sort"
)

// Addresses returns the sorted addresses of a host name, through the C resolver where there is one.
func Addresses(host string) ([]string, error) {
	r := &net.Resolver{PreferGo: false}
	addrs, err := r.LookupHost(context.Background(), host)
	if err != nil {
		return nil, err
	}
	sort.Strings(addrs)
	return addrs, nil
}
