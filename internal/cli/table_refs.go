package cli

import "github.com/spf13/cobra"

// tableRefCmds returns the table subcommands for branches, tags and publishing.
func (a *app) tableRefCmds() []*cobra.Command {
	return nil
}
