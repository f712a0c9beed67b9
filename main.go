// Command numkv is an in-memory array store that speaks the Redis protocol.
//
// main only parses the flags, named after the Redis directives they mirror;
// everything else lives in package commands.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"numkv/commands"
)

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "check" {
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, "usage: numkv check FILE")
			os.Exit(2)
		}
		os.Exit(commands.CheckFile(os.Args[2], os.Stdout))
	}
	cfg := commands.DefaultConfig()
	fs := pflag.NewFlagSet("numkv", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&cfg.Bind, "bind", cfg.Bind, "addresses to listen on, space separated")
	fs.IntVar(&cfg.Port, "port", cfg.Port, "TCP port (0 disables TCP)")
	fs.StringVar(&cfg.UnixSocket, "unixsocket", cfg.UnixSocket, "path of a unix socket to listen on too")
	fs.StringVar(&cfg.Dir, "dir", cfg.Dir, "directory of the snapshot file")
	fs.StringVar(&cfg.DBFilename, "dbfilename", cfg.DBFilename, `snapshot file name ("" runs with no persistence)`)
	fs.StringVar(&cfg.Save, "save", cfg.Save, `save rules, "seconds changes ..." ("" disables periodic saves)`)
	fs.StringVar(&cfg.StopWritesOnBgsaveError, "stop-writes-on-bgsave-error", cfg.StopWritesOnBgsaveError, "yes: after a failed background save, refuse writes (MISCONF) until a save works")
	fs.IntVar(&cfg.Databases, "databases", cfg.Databases, "number of databases")
	fs.StringVar(&cfg.RequirePass, "requirepass", cfg.RequirePass, "password clients must AUTH with")
	fs.StringVar(&cfg.MaxMemory, "maxmemory", cfg.MaxMemory, "refuse writes above this heap size (bytes, kb/mb/gb; 0 = no limit)")
	fs.IntVar(&cfg.MaxClients, "maxclients", cfg.MaxClients, "maximum simultaneous clients")
	fs.IntVar(&cfg.Timeout, "timeout", cfg.Timeout, "close clients idle this many seconds (0 = never)")
	fs.StringVar(&cfg.ProtoMaxBulkLen, "proto-max-bulk-len", cfg.ProtoMaxBulkLen, "largest bulk string a request may carry")
	fs.StringVar(&cfg.ClientQueryBufferLimit, "client-query-buffer-limit", cfg.ClientQueryBufferLimit, "largest pending request per client")
	fs.IntVar(&cfg.TLSPort, "tls-port", cfg.TLSPort, "TLS port (0 disables TLS)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert-file", cfg.TLSCertFile, "TLS certificate (PEM)")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key-file", cfg.TLSKeyFile, "TLS private key (PEM)")
	fs.StringVar(&cfg.LogLevel, "loglevel", cfg.LogLevel, "debug, verbose, notice or warning")
	fs.StringVar(&cfg.LogFile, "logfile", cfg.LogFile, `log file ("" logs to standard error)`)
	fs.StringVar(&cfg.Compression, "snapshot-compression", cfg.Compression, "snapshot block codec: none, s2 or zstd")
	fs.BoolVar(&cfg.HugePages, "hugepages", cfg.HugePages, "ask Linux for transparent huge pages for array memory (--hugepages=false: never)")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "numkv %s: an in-memory array store that speaks the Redis protocol\n\nUsage:\n  numkv [flags]\n  numkv check FILE\n\nFlags:\n%s", commands.Version, fs.FlagUsages())
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == pflag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "numkv: unexpected argument %q\n", fs.Arg(0))
		os.Exit(2)
	}
	os.Exit(commands.Run(cfg))
}
