package plan

import (
	"context"

	"github.com/flare-lakehouse/flare/internal/depot"
)

// checkStorage contacts a depot on object storage once per compile, so that
// flare validate reports an unreachable server, refused credentials or a
// missing bucket before anything runs: a lakehouse depot is opened (its
// bucket checked, its catalog opened), a file depot's bucket is checked.
// Local depots need nothing.
func (c *compiler) checkStorage(ctx context.Context, d *depot.Depot) error {
	if !d.OnObjectStorage() {
		return nil
	}
	if err, ok := c.storage[d.Name]; ok {
		return err
	}
	var err error
	if d.Type == depot.Lakehouse {
		_, _, err = c.env.Lakehouses.Get(ctx, d.Name)
	} else {
		err = d.CheckStorage(ctx)
	}
	if c.storage == nil {
		c.storage = map[string]error{}
	}
	c.storage[d.Name] = err
	return err
}
