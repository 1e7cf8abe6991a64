package cli

import "github.com/spf13/cobra"

// tableOpsCmds returns the table subcommands for row-level operations (delete).
func (a *app) tableOpsCmds() []*cobra.Command {
	return nil
}
