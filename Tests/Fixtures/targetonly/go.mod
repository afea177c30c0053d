module example.com/targetonly

go 1.22
