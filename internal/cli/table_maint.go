package cli

import "github.com/spf13/cobra"

// tableMaintCmds returns the table subcommands for maintenance commands.
func (a *app) tableMaintCmds() []*cobra.Command {
	return nil
}
