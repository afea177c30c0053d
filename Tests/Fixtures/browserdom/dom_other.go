//go:build !(js && wasm)

package dom

import "errors"

func MakeElement() (string, error) { return "", errors.New("no DOM outside js/wasm") }
