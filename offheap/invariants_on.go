//go:build invariants

package offheap

// Invariants reports whether the package was built with the invariants tag:
// poisoned, quarantined frees and generation checks (see the package doc).
const Invariants = true
