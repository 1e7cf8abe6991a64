package connector

import "fmt"

func newORCDecoder(o *ORCReadOptions) (decoder, error) { return nil, fmt.Errorf("orc: todo") }
