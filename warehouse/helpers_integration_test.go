package warehouse_test

import "github.com/slatehq/slate/internal/fault"

func isRetryable(err error) bool { return fault.KindOf(err) == fault.Unavailable }
