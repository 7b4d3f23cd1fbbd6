package main

import (
	"fmt"
	"runtime/debug"
)

type versionCmd struct{}

func (versionCmd) Run(g *Globals) error {
	version, revision, modified := "(devel)", "unknown", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (modified)"
				}
			}
		}
		fmt.Fprintf(g.stdout, "viva %s\nrevision %s%s\n%s\n", version, revision, modified, info.GoVersion)
		return nil
	}
	fmt.Fprintf(g.stdout, "viva %s\n", version)
	return nil
}
