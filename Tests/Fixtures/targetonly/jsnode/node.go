//go:build js

// Package jsnode exists only for js and works under node.
package jsnode

import "syscall/js"

// Sum adds two numbers in JavaScript.
func Sum(a, b int) int {
	return js.Global().Get("Math").Call("max", a+b, 0).Int()
}
