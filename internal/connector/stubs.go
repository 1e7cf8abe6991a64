package connector

import "fmt"

func newORCDecoder(o *ORCReadOptions) (decoder, error) { return nil, fmt.Errorf("orc: todo") }
func newXLSXDecoder(o *XLSXReadOptions, given schema) (decoder, error) {
	return nil, fmt.Errorf("xlsx: todo")
}
