// Package resp speaks the Redis protocol (RESP2 and RESP3) on one
// connection: a Reader parses requests, multibulk or inline, with Redis's
// limits and protocol error texts.
//
// Concurrency: a Reader belongs to the connection's goroutine; nothing in
// it may be used from two goroutines at once. The limits it reads
// (proto-max-bulk-len, client-query-buffer-limit) are atomics that other
// goroutines may change.
//
// Memory: the arguments a Reader returns alias its read buffer and are
// valid until the next call to Next. Callers copy what they keep.
package resp
