package cli

import "github.com/spf13/cobra"

// tableMetaCmds returns the table subcommands for partition evolution and column tags.
func (a *app) tableMetaCmds() []*cobra.Command {
	return nil
}
