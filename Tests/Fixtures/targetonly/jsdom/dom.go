//go:build js

// Package jsdom exists only for js: it reads the page's document.
package jsdom

import "syscall/js"

// Title is the page's title; it panics where there is no document (node).
func Title() string { return js.Global().Get("document").Get("title").String() }
