module example.com/cgocalc

go 1.21
