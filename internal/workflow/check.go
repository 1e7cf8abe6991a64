package workflow

import (
	"strings"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

// Check verifies what the manifest alone cannot: that every dataset
// address names a configured depot and stays inside it, and that outputs
// go to depots that can hold them. All problems are returned together, each
// at its place in the manifest.
func Check(wf *manifest.Workflow, cfg *depot.Config) error {
	var errs manifest.ErrorList
	add := func(pos manifest.Pos, msg string) {
		errs = append(errs, &manifest.Error{Pos: pos, Msg: msg})
	}
	for _, job := range wf.Jobs {
		for _, in := range job.Inputs {
			if in.Dataset == "" {
				continue
			}
			if _, err := cfg.Resolve(in.Dataset); err != nil {
				add(in.Pos, "job "+job.Name+", input "+in.Name+": "+err.Error())
			}
		}
		for _, out := range job.Outputs {
			if out.Dataset == "" {
				continue
			}
			loc, err := cfg.Resolve(out.Dataset)
			if err != nil {
				add(out.Pos, "job "+job.Name+", output "+out.Name+": "+err.Error())
				continue
			}
			if loc.Address.ACL == "r" {
				add(out.Pos, "job "+job.Name+", output "+out.Name+": address "+out.Dataset+" is read-only (acl=r)")
			}
			f := strings.ToLower(out.Format)
			if loc.Depot.Type == depot.Lakehouse && f != "" && f != "iceberg" && (out.File == nil || out.File.OutputType == "") {
				add(out.Pos, "job "+job.Name+", output "+out.Name+": depot "+loc.Depot.Name+" holds Iceberg tables; format "+out.Format+" cannot be written there")
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
