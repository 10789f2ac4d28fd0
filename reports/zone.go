package reports

import (
	"fmt"
	"strings"
	"time"
)

// zoneAreas are the first parts of the IANA zone names, the
// backward-compatible links among them (Brazil/East, US/Pacific, ...)
// included. ClickHouse knows these names on 18.16 (which reads the
// system's zoneinfo) and on current releases (which embed tzdata). The
// rest of a zoneinfo directory is not a zone they share: right/ (clocks
// counting leap seconds) and posix/ copies, posixrules, localtime.
var zoneAreas = map[string]bool{
	"Africa": true, "America": true, "Antarctica": true, "Arctic": true, "Asia": true, "Atlantic": true,
	"Australia": true, "Europe": true, "Indian": true, "Pacific": true, "Etc": true,
	"Brazil": true, "Canada": true, "Chile": true, "Mexico": true, "US": true,
}

// notZones are one-part names a zoneinfo directory holds that Go loads but
// that are not zones: the default rules, the host's own zone, and
// Factory ("-00", zone unknown), which current ClickHouse may lack.
var notZones = map[string]bool{"posixrules": true, "localtime": true, "Local": true, "Factory": true}

// LoadZone loads a time zone that both Go and ClickHouse accept: an IANA
// name such as Europe/Berlin, or a one-part one such as UTC or CET. A
// name Go loads but ClickHouse rejects (right/UTC) would otherwise fail
// every query that truncates in the zone.
func LoadZone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		return nil, fmt.Errorf("unknown time zone %q (use an IANA name such as Europe/Berlin)", name)
	}
	area, _, nested := strings.Cut(name, "/")
	if (nested && !zoneAreas[area]) || (!nested && notZones[name]) {
		return nil, fmt.Errorf("%q is not a time zone the warehouse accepts (use an IANA name such as Europe/Berlin; the right/ and posix/ variants are not)", name)
	}
	return loc, nil
}
