// Package resp speaks the Redis protocol (RESP2 and RESP3) on one
// connection: a Reader parses requests, multibulk or inline, with Redis's
// limits and protocol error texts; a Writer encodes replies into an output
// buffer and flushes it to the connection.
//
// Concurrency: a Reader and a Writer belong to the connection's goroutine;
// neither may be used from two goroutines at once. The limits a Reader
// reads (proto-max-bulk-len, client-query-buffer-limit) are atomics that
// other goroutines may change.
//
// Memory: the arguments a Reader returns alias its read buffer and are
// valid until the next call to Next; callers copy what they keep. A
// Writer copies what it is given, and what Bytes returns aliases its
// buffer.
package resp
