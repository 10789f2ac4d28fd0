package bench

import (
	"strings"
	"testing"
)

func TestBrokerList(t *testing.T) {
	got := brokerList(" a:9092, b:9092,,c:9092 ")
	if strings.Join(got, "|") != "a:9092|b:9092|c:9092" {
		t.Errorf("%q", got)
	}
	if got := brokerList(""); len(got) != 0 {
		t.Errorf("empty flag: %q", got)
	}
}
