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
// Writer copies what it is given, except the segments given to AppendRef,
// which it references: those stay the caller's, who must keep them valid
// and unchanged until the next Flush (or Reset) returns, and may release
// them then. What Writer.Bytes returns aliases its buffer.
package resp
