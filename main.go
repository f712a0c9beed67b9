// Command numkv is an in-memory array store that speaks the Redis protocol.
//
// main only parses the command line: the flags, named after the Redis
// directives they mirror and built from package commands' settings table
// (commands.Flags), and, as redis-server's first argument, the path of a
// configuration file, which package commands reads (commands.LoadConfigFile);
// everything else lives in package commands.
package main

import (
	"errors"
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
	flags := commands.Flags(&cfg)
	for _, f := range flags {
		fs.VarPF(f, f.Name(), "", f.Usage()).NoOptDefVal = f.NoOptDefVal()
	}
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "numkv %s: an in-memory array store that speaks the Redis protocol\n\nUsage:\n  numkv [numkv.conf] [flags]\n  numkv check FILE\n\nFlags:\n%s", commands.Version, fs.FlagUsages())
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == pflag.ErrHelp {
			os.Exit(0)
		}
		// A value a setting refuses stops start-up as Redis's does: exit
		// code 1. A malformed command line is a usage error: 2.
		var bad *commands.SettingError
		if errors.As(err, &bad) {
			fmt.Fprintf(os.Stderr, "numkv: %v\n", bad)
			os.Exit(1)
		}
		os.Exit(2)
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(os.Stderr, "numkv: unexpected argument %q\n", fs.Arg(1))
		os.Exit(2)
	}
	if fs.NArg() == 1 {
		var err error
		if cfg, err = commands.LoadConfigFile(fs.Arg(0), flags); err != nil {
			// As a refused flag, or Redis's report of a bad file: exit 1.
			var bad *commands.ConfigFileError
			if errors.As(err, &bad) {
				fmt.Fprint(os.Stderr, bad.Report())
			} else {
				fmt.Fprintf(os.Stderr, "numkv: %v\n", err)
			}
			os.Exit(1)
		}
	}
	os.Exit(commands.Run(cfg))
}
