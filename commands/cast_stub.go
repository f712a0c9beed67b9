package commands

// castable reports whether numpy's astype with casting="same_kind" allows from -> to (stub; replaced by cast.go).
func castable(from, to dtype) bool { return from.name == to.name }

// castAppend appends src (whole scalars of from) converted to to.
func castAppend(dst, src []byte, from, to dtype) []byte { return append(dst, src...) }
