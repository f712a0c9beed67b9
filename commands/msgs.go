package commands

// Wire texts. Each is Redis 7.0's exact wording (without the leading '-'),
// so that clients that match on error strings behave as they do against
// Redis. Texts that take arguments are format strings. The protocol error
// texts live with the parser that replies them, in package resp.
const (
	msgWrongArgs         = "ERR wrong number of arguments for '%s' command"
	msgUnknownCommand    = "ERR unknown command '%.128s', with args beginning with: %s"
	msgUnknownSubcommand = "ERR unknown subcommand '%.128s'. Try %s HELP."
	msgSyntax            = "ERR syntax error"
	msgWrongType         = "WRONGTYPE Operation against a key holding the wrong kind of value"
	msgNotInt            = "ERR value is not an integer or out of range"
	msgNotFloat          = "ERR value is not a valid float"
	msgOverflow          = "ERR increment or decrement would overflow"
	msgIncrNaN           = "ERR increment would produce NaN or Infinity"
	msgNoAuth            = "NOAUTH Authentication required."
	msgWrongPass         = "WRONGPASS invalid username-password pair or user is disabled."
	msgAuthNotSet        = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	msgDBIndex           = "ERR DB index is out of range"
	msgInvalidDBIndex    = "ERR invalid DB index"
	msgNoProto           = "NOPROTO unsupported protocol version"
	msgTooManyTypes      = "ERR too many distinct element types in use (65535)"
	msgStringTooLong     = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	msgOffsetRange       = "ERR offset is out of range"
	msgBitOffset         = "ERR bit offset is not an integer or out of range"
	msgBitValue          = "ERR bit is not an integer or out of range"
	msgBitArg            = "ERR The bit argument must be 1 or 0."
	msgBitopNot          = "ERR BITOP NOT must be called with a single source key."
	msgBitfieldType      = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	msgBitfieldOverflow  = "ERR Invalid OVERFLOW type specified"
	msgBitfieldRO        = "ERR BITFIELD_RO only supports the GET subcommand"
	msgInvalidExpire     = "ERR invalid expire time in '%s' command"
	msgNoSuchKey         = "ERR no such key"
	msgSameObject        = "ERR source and destination objects are the same"
	msgLoading           = "LOADING Redis is loading the dataset in memory"
	msgBusyKey           = "BUSYKEY Target key name already exists."
	msgInvalidTTL        = "ERR Invalid TTL value, must be >= 0"
	// Cluster mode, Redis 7.0's texts.
	msgClusterDisabled      = "ERR This instance has cluster support disabled"
	msgCrossSlot            = "CROSSSLOT Keys in request don't hash to the same slot"
	msgClusterDown          = "CLUSTERDOWN The cluster is down"
	msgSlotNotServed        = "CLUSTERDOWN Hash slot not served"
	msgInvalidSlot          = "ERR Invalid or out of range slot"
	msgInvalidSlotShort     = "ERR Invalid slot"
	msgInvalidSlotOrCount   = "ERR Invalid slot or number of keys"
	msgSlotBusy             = "ERR Slot %d is already busy"
	msgSlotUnassigned       = "ERR Slot %d is already unassigned"
	msgSlotTwice            = "ERR Slot %d specified multiple times"
	msgSlotRangeOrder       = "ERR start slot number %d is greater than end slot number %d"
	msgForgetMyself         = "ERR I tried hard but I can't forget myself..."
	msgUnknownNode          = "ERR Unknown node %s"
	msgSelectInCluster      = "ERR SELECT is not allowed in cluster mode"
	msgInvalidPort          = "ERR Invalid base port specified: %s"
	msgTryAgain             = "TRYAGAIN Multiple keys request during rehashing of slot"
	msgSetslotSyntax        = "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"
	msgNotOwner             = "ERR I'm not the owner of hash slot %d"
	msgAlreadyOwner         = "ERR I'm already the owner of hash slot %d"
	msgUnknownNodeSpecified = "ERR I don't know about node %s"
	msgSlotHasKeys          = "ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot."
	msgMigrateKeysOption    = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
	msgMigrateIO            = "IOERR error or timeout %s target instance: %v"
	msgMeetFailed           = "ERR CLUSTER MEET %s: %v"
	msgInvalidEpoch         = "ERR Invalid config epoch specified: %s"
	msgEpochKnowsOthers     = "ERR The user can assign a config epoch only when the node does not know any other node."
	msgEpochNonZero         = "ERR Node config epoch is already non-zero"
	msgInvalidIdletime      = "ERR Invalid IDLETIME value, must be >= 0"
	msgInvalidFreq          = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	msgDumpPayload          = "ERR DUMP payload version or checksum are wrong"
	msgBadDataFormat        = "ERR Bad data format"
	msgOOM                  = "OOM command not allowed when used memory > 'maxmemory'."
	msgMisconf              = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	msgMultiNested          = "ERR MULTI calls can not be nested"
	msgExecNoMulti          = "ERR EXEC without MULTI"
	msgDiscardNoMulti       = "ERR DISCARD without MULTI"
	msgWatchInMulti         = "ERR WATCH inside MULTI is not allowed"
	msgExecAbort            = "EXECABORT Transaction discarded because of previous errors."
	msgBgsaveInProgress     = "ERR Background save already in progress"
	msgShutdownErr          = "ERR Errors trying to SHUTDOWN. Check logs."
	msgClientName           = "ERR Client names cannot contain spaces, newlines or special characters."
	msgClientInfo           = "ERR %s cannot contain spaces, newlines or special characters."
	msgNoSuchClient         = "ERR No such client"
	msgClientIDPositive     = "ERR client-id should be greater than 0"
	msgNoSuchUser           = "ERR No such user '%s'"
	msgTimeoutNeg           = "ERR timeout is negative"
	msgTimeoutNotInt        = "ERR timeout is not an integer or out of range"
	msgPauseMode            = "ERR CLIENT PAUSE mode must be WRITE or ALL"
	msgFunctionFlushOption  = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	msgSubcommandSyntax     = "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
	msgInvalidCursor        = "ERR invalid cursor"
	msgUnsupportedConfig    = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
	msgInternal             = "ERR internal error in '%s': %v"
	msgInt32Range           = "ERR value is out of range, value must between -2147483648 and 2147483647"
	msgDecrOverflow         = "ERR decrement would overflow"
	msgExpireOption         = "ERR Unsupported option %s"
	msgExpireNXConflict     = "ERR NX and XX, GT or LT options at the same time are not compatible"
	msgExpireGTLT           = "ERR GT and LT options at the same time are not compatible"
	msgNotInMulti           = "ERR Command not allowed inside a transaction"
	msgExecAbortBecause     = "EXECABORT Transaction discarded because of: %s"
	msgInvalidFirstDB       = "ERR invalid first DB index"
	msgInvalidSecondDB      = "ERR invalid second DB index"
	msgLRUNotSelected       = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	msgLFUNotSelected       = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	msgConfigSetFailed      = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
	msgConfigNoFile         = "ERR The server is running without a config file"
	msgConfigRewriteFailed  = "ERR Rewriting config file: %s"
	msgLCSLenIdx            = "ERR If you want both the length and indexes, please just use IDX."
	msgLCSTooLong           = "ERR String too long for LCS"
	msgLCSMemory            = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
	msgProtoVersion         = "ERR Protocol version is not an integer or out of range"
	msgHelloOption          = "ERR Syntax error in HELLO option '%s'"
	msgHelloNoAuth          = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	msgUnrecognizedOpt      = "ERR Unrecognized option '%s'"
	msgUnknownClientType    = "ERR Unknown client type '%s'"
	msgInvalidClientID      = "ERR Invalid client ID"
	msgMaxClients           = "ERR max number of clients reached"
	// msgProtectedMode is written to a refused connection before any
	// command, by clientAcceptHandler (networking.c), the typo "a an" included.
	msgProtectedMode = "DENIED Redis is running in protected mode because protected " +
		"mode is enabled and no password is set for the default user. " +
		"In this mode connections are only accepted from the loopback interface. " +
		"If you want to connect from external computers to Redis you " +
		"may adopt one of the following solutions: " +
		"1) Just disable protected mode sending the command " +
		"'CONFIG SET protected-mode no' from the loopback interface " +
		"by connecting to Redis from the same host the server is " +
		"running, however MAKE SURE Redis is not publicly accessible " +
		"from internet if you do so. Use CONFIG REWRITE to make this " +
		"change permanent. " +
		"2) Alternatively you can just disable the protected mode by " +
		"editing the Redis configuration file, and setting the protected " +
		"mode option to 'no', and then restarting the server. " +
		"3) If you started the server manually just for testing, restart " +
		"it with the '--protected-mode no' option. " +
		"4) Setup a an authentication password for the default user. " +
		"NOTE: You only need to do one of the above things in order for " +
		"the server to start accepting connections from the outside."
	msgInvalidCommand   = "ERR Invalid command specified"
	msgGetkeysArity     = "ERR Invalid number of arguments specified for command"
	msgNoKeyArguments   = "ERR The command has no key arguments"
	msgInvalidArguments = "ERR Invalid arguments specified for command"

	// numkv's own texts, from the command contract.
	msgElemMultiple   = "ERR length would not be a multiple of the element size (%d)"
	msgDataMultiple   = "ERR data length is not a multiple of the element size (%d)"
	msgValuesMultiple = "ERR number of values is not a multiple of the element size (%d)"
	msgInvalidSlice   = "ERR invalid slice '%s'"
	msgIndexRange     = "ERR index out of range"
	msgStepZero       = "ERR slice step cannot be zero"
	msgDataSelection  = "ERR data length does not match the selection"
	msgInvalidValue   = "ERR invalid value '%s'"
	msgValueRange     = "ERR value out of range for %s"
	msgValuesOpaque   = "ERR VALUES is not supported for %s"
	msgUnknownDtype   = "ERR unknown dtype '%s'"
	msgCannotCast     = "ERR cannot cast %s to %s"
	msgInvalidShape   = "ERR invalid shape"
	msgGapTooLong     = "ERR index is more than proto-max-bulk-len bytes past the end"
	msgRemoveOneAxis  = "ERR NUM.REMOVE takes one slice or index of axis 0"

	// numpy's own texts for basic indexing, as the contract adopts them.
	msgEllipsis       = "ERR an index can only have a single ellipsis ('...')"
	msgTooManyIndices = "ERR too many indices for array: array is %d-dimensional, but %d were indexed"

	msgUnknownReduce = "ERR unknown reduction '%s'"
	msgCannotReduce  = "ERR cannot reduce %s"
	msgReduceComplex = "ERR %s is not supported for complex dtypes"
	// numpy's texts, for NUM.REDUCE.
	msgAxisBounds     = "ERR axis %d is out of bounds for array of dimension %d"
	msgZeroSizeReduce = "ERR zero-size array to reduction operation %s which has no identity"
)

// Persistence.
const (
	msgSaveFailed = "ERR" // all of Redis's reply to a failed SAVE; the log says why
	msgNoShutdown = "ERR No shutdown in progress."

	// Status replies.
	msgBgsaveStarted   = "Background saving started"
	msgBgsaveScheduled = "Background saving scheduled"

	// numkv's own: SAVE and BGSAVE under --dbfilename "".
	msgPersistenceOff = "ERR persistence is off (--dbfilename \"\")"
)

// The configuration file's report on standard error, which stops start-up
// (ConfigFileError.Report): Redis's loadServerConfigFromString's texts,
// with numkv's name and the file's path added.
const (
	msgConfFatal  = "\n*** FATAL CONFIG FILE ERROR (numkv %s) ***\n"
	msgConfAtLine = "Reading the configuration file %s, at line %d\n>>> '%s'\n"
	msgConfOpen   = "Fatal error, can't open config file '%s': %s"

	// The reasons for a line; a setting's own come from its parser.
	msgBadDirective     = "Bad directive or wrong number of arguments"
	msgDirectiveArgs    = "wrong number of arguments"
	msgUnbalancedQuotes = "Unbalanced quotes in configuration line"

	// numkv's own: Redis has no limit.
	msgIncludeDepth = "include nested more than %d deep (does a file include itself?)"
)
