package resp

// Protocol error texts: Redis 7.0's exact wording (without the leading
// '-'), replied before the connection is closed. msgProtoExpectedBulk is a
// format string.
const (
	msgProtoInvalidMBulk  = "ERR Protocol error: invalid multibulk length"
	msgProtoInvalidBulk   = "ERR Protocol error: invalid bulk length"
	msgProtoExpectedBulk  = "ERR Protocol error: expected '$', got '%c'"
	msgProtoUnbalanced    = "ERR Protocol error: unbalanced quotes in request"
	msgProtoBigInline     = "ERR Protocol error: too big inline request"
	msgProtoBigMBulkCount = "ERR Protocol error: too big mbulk count string"
	msgProtoBigBulkCount  = "ERR Protocol error: too big bulk count string"
	msgProtoUnauthMBulk   = "ERR Protocol error: unauthenticated multibulk length"
	msgProtoUnauthBulk    = "ERR Protocol error: unauthenticated bulk length"
)
