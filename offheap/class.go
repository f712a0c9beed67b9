package offheap

import "math/bits"

// Size classes. Classes 1..8 step by 16 bytes up to 128; from there to
// 128 KiB (the largest array chunk) each power of two is split in eight, so
// a class's size exceeds any request it serves by less than an eighth; then
// 256 KiB, 512 KiB and 1 MiB, powers of two for hash tables, which are
// powers of two themselves. Every span is one page, so a class also wastes
// the tail of the page that its blocks do not fill: at most 3.6% (104 KiB
// blocks), under 2% for every other class. These sizes are not part of any
// file format; they only set how much a block may waste.
const (
	minAlign  = 16
	maxSmall  = 1 << 20 // the largest class; bigger requests take whole pages
	nClasses  = 8 + 10*8 + 3
	pageShift = 21
	// PageSize is the unit of address space the allocator takes from the
	// system and gives back: 2 MiB, a transparent huge page on x86-64.
	PageSize = 1 << pageShift
)

// classSize[k] is the block size of class k (classSize[0] is unused).
var classSize [nClasses + 1]int32

// classBlocks[k] is how many blocks of class k one page holds.
var classBlocks [nClasses + 1]uint32

func init() {
	for k := 1; k <= nClasses; k++ {
		switch {
		case k <= 8:
			classSize[k] = int32(16 * k)
		case k > 88:
			classSize[k] = int32(128 << 10 << (k - 88))
		default:
			d := (k - 9) / 8 // doubling above 128
			j := (k-9)%8 + 1
			lo := 128 << d
			classSize[k] = int32(lo + j*(lo/8))
		}
		classBlocks[k] = uint32(PageSize / int(classSize[k]))
	}
}

// sizeClass returns the class serving a request of n bytes, 0 < n <= maxSmall.
func sizeClass(n int) int {
	if n <= 128 {
		return (n + 15) >> 4
	}
	k := bits.Len(uint(n - 1)) // 2^(k-1) < n <= 2^k, k >= 8
	if k > 17 {
		return 88 + k - 17
	}
	step := 1 << (k - 4)
	j := (n - 1<<(k-1) + step - 1) / step
	return 8 + (k-8)*8 + j
}

// SizeOf returns the capacity Alloc gives a request of n bytes: the size
// of its class, or whole pages above the largest class. It is 0 for n <= 0.
func SizeOf(n int) int {
	switch {
	case n <= 0:
		return 0
	case n > maxSmall:
		return (n + PageSize - 1) &^ (PageSize - 1)
	}
	return int(classSize[sizeClass(n)])
}
