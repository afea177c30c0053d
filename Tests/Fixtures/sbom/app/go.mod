module example.com/sbomapp

go 1.21

require (
	example.com/fake v0.3.0
	example.com/greet v1.0.0
	example.com/old v1.0.0
)

// A directory replacement: the binary records no version and no go.sum hash for it.
replace example.com/fake => ../fake

// A module replacement: the code of example.com/fork v1.1.0 is compiled in place of example.com/old.
replace example.com/old => example.com/fork v1.1.0
