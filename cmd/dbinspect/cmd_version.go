package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/report"
)

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print dbinspect's version and the formats it reads",
		usage:   "",
		help:    "Prints the version of dbinspect, of the JSON schema it writes, and of the bbolt and etcd formats it knows.",
		run: func(c *cmdEnv, args []string) error {
			if len(args) > 0 {
				return usageError{"version takes no arguments"}
			}
			fmt.Fprintln(c.stdout, report.VersionLine())
			return nil
		},
	}
}
