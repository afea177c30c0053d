module example.com/tm

go 1.21
