package plan_test

import (
	"errors"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func lakehouseName(collection, dataset string) lakehouse.TableName {
	return lakehouse.TableName{Collection: collection, Dataset: dataset}
}
