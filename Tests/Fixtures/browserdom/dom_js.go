//go:build js && wasm

package dom

import (
	"errors"
	"syscall/js"
)

// MakeElement adds <p id="crossgo">made by Go</p> to the page's body and reads it back.
func MakeElement() (string, error) {
	doc := js.Global().Get("document")
	if doc.IsUndefined() {
		return "", errors.New("no document: this needs a browser")
	}
	p := doc.Call("createElement", "p")
	p.Set("id", "crossgo")
	p.Set("textContent", "made by Go")
	doc.Get("body").Call("appendChild", p)
	return doc.Call("getElementById", "crossgo").Get("textContent").String(), nil
}
