package httpapi

import (
	"net/http"
	"strings"

	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/formats"
)

// openAPI serves an OpenAPI 3.0 document built from the catalog, so it
// cannot drift from what the routes accept.
// ServeOpenAPI answers /api/openapi.json. It needs no credentials: the
// document describes the API and holds no data, and clients read it before
// they have a token.
func ServeOpenAPI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, OpenAPI())
}

type obj = map[string]any

func param(name, in, desc string, schema obj, required bool) obj {
	return obj{"name": name, "in": in, "description": desc, "required": required, "schema": schema}
}

func str() obj             { return obj{"type": "string"} }
func enum(vals ...any) obj { return obj{"type": "string", "enum": vals} }

func enumOf(vals []string) obj {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return enum(out...)
}

// OpenAPI returns the document.
func OpenAPI() map[string]any {
	var dims, names []any
	seen := map[reports.Dimension]bool{}
	for _, n := range reports.Names() {
		names = append(names, n)
		r, _ := reports.Lookup(n)
		for _, d := range r.Dimensions {
			if !seen[d] {
				seen[d] = true
				dims = append(dims, string(d))
			}
		}
	}
	common := []any{
		param("name", "path", "Report name from GET /api/v1/reports.", enum(names...), true),
		param(reports.ParamFrom, "query", "Start, inclusive: YYYY-MM-DD (local midnight in tz) or RFC 3339. Default: 30 local days before the end of today.", str(), false),
		param(reports.ParamTo, "query", "End, exclusive, same forms. Default: the end of today in tz. At most the configured maximum range after from.", str(), false),
		param(reports.ParamTZ, "query", "IANA time zone for dates and periods. Default UTC.", str(), false),
		param(reports.ParamGrain, "query", "Time bucket; periods start at local midnight (weeks on Monday). Empty periods are zeros.", enum("hour", "day", "week", "month", "quarter"), false),
		param(reports.ParamGroupBy, "query", "Up to two comma-separated dimensions.", str(), false),
		param(reports.ParamCompare, "query", "previous: add the same report over the previous period (previous calendar months for month-aligned ranges).", enum("previous", "none"), false),
		param(reports.ParamFormat, "query", formatHelp(), enumOf(formats.Names(nil)), false),
		param("{dimension}", "query", "Filter: repeat the parameter for several values; e.g. priority=high&priority=urgent, tag=vpn. Dimensions: see each report's dimensions.", str(), false),
	}
	errResp := obj{"description": "JSON error naming the parameter", "content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/Error"}}}}
	responses := obj{
		"200": obj{"description": "The report", "content": formatContent()},
		"400": errResp, "401": errResp, "403": errResp, "404": errResp, "413": errResp, "504": errResp,
	}
	listParams := append([]any{}, common...)
	listParams = append(listParams,
		param(reports.ParamPeriod, "query", "Drill-down: the start of the clicked period (needs grain).", str(), false),
		param(reports.ParamMeasure, "query", "Drill-down: the measure whose rows to list (default the report's first): exactly the rows its figure counts, one per counted fact; the measure's drill in the catalog says how they add up to the figure.", str(), false),
		param(reports.ParamLimit, "query", "Page size: rows per page (default 500, at most the configured max_list).", obj{"type": "integer", "minimum": 1}, false),
		param(reports.ParamPage, "query", "Which page, from 1 (default 1); past the last page is a 400.", obj{"type": "integer", "minimum": 1}, false),
		param(reports.ParamTruncate, "query", "Ignored: every list pages (kept for older clients).", obj{"type": "boolean"}, false),
		param(reports.ParamHorizon, "query", "pre_breach and due_soon: how far ahead to look, as a Go duration up to 720h (default 4h; due_soon 24h).", str(), false),
	)
	out := obj{
		"openapi": "3.0.3",
		"info": obj{"title": "Slate reports API", "version": "1",
			"description": "Help-desk reports from ClickHouse. Authenticate with Authorization: Bearer <token> or a session cookie from /login; every answer is restricted to the principal's scope. Dimensions: " + joinAny(dims)},
		"components": obj{
			"securitySchemes": obj{
				"bearer":  obj{"type": "http", "scheme": "bearer"},
				"session": obj{"type": "apiKey", "in": "cookie", "name": "slate_session"},
			},
			"schemas": obj{
				"Error": obj{"type": "object", "required": []any{"error", "kind"}, "properties": obj{
					"error": str(), "param": str(), "kind": str()}},
				"Column": obj{"type": "object", "properties": obj{"name": str(), "label": str(),
					"kind": enum("period", "dimension", "count", "seconds", "hours", "percent", "rating", "money", "time", "text")}},
				"Result": obj{"type": "object", "properties": obj{
					"report": str(), "title": str(), "from": str(), "to": str(), "tz": str(), "grain": str(),
					"group_by": obj{"type": "array", "items": str()},
					"columns":  obj{"type": "array", "items": obj{"$ref": "#/components/schemas/Column"}},
					"rows": obj{"type": "array", "description": "One array per row, in column order; measures are numbers or null.",
						"items": obj{"type": "array", "items": obj{}}},
					"previous": obj{"$ref": "#/components/schemas/Result"},
					"as_of": obj{"type": "string", "format": "date-time",
						"description": "When the figures were read: the report snapshot's time, or the request's time when the live tables were read."},
					"page": obj{"type": "object", "description": "Lists: this page's place in the whole list.", "properties": obj{
						"number": obj{"type": "integer"}, "size": obj{"type": "integer"}, "total": obj{"type": "integer", "description": "Rows of the whole list."},
						"pages": obj{"type": "integer"}}},
					"truncated": obj{"type": "boolean", "description": "A list with rows past this page."},
					"tenant":    obj{"type": "string", "description": "The one tenant whose facts the result holds (a scope or filter of one tenant); absent when tenants may be mixed. People read that desk's labels (docs/reports.md, Labels and codes)."},
				}},
			},
		},
		"security": []any{obj{"bearer": []any{}}, obj{"session": []any{}}},
		"paths": obj{
			"/api/v1/reports": obj{"get": obj{"summary": "The reports this principal may run, with their dimensions and measures.",
				"responses": obj{"200": obj{"description": "Catalog"}, "401": errResp}}},
			"/api/v1/reports/{name}": obj{"get": obj{"summary": "Run a report.", "parameters": common, "responses": responses}},
			"/api/v1/reports/{name}/tickets": obj{"get": obj{"summary": "Drill-down: the tickets behind a cell (same parameters plus the cell's values), or the pre_breach list.",
				"parameters": listParams, "responses": responses}},
			"/api/v1/me": obj{"get": obj{"summary": "The authenticated principal: name, role, scope, CSRF token for state-changing requests.",
				"responses": obj{"200": obj{"description": "Principal"}, "401": errResp}}},
		},
	}
	for path, item := range schedulePaths(errResp) {
		out["paths"].(obj)[path] = item
	}
	schemas := out["components"].(obj)["schemas"].(obj)
	schemas["Schedule"] = scheduleSchema
	schemas["Delivery"] = deliverySchema
	return out
}

var scheduleSchema = obj{"type": "object", "required": []any{"name", "cron", "period", "reports", "recipients"}, "properties": obj{
	"id":   obj{"type": "string", "description": "1-64 letters, digits, - or _; made up when absent on create."},
	"name": str(), "cron": obj{"type": "string", "description": "Five fields: minute hour day-of-month month day-of-week, in tz."},
	"tz": obj{"type": "string", "description": "IANA time zone (default UTC); not the right/ or posix/ variants."}, "period": enum("day", "week", "month", "quarter"),
	"reports":    obj{"type": "array", "items": str()},
	"filters":    obj{"type": "object", "additionalProperties": obj{"type": "array", "items": str()}},
	"format":     enumOf(formats.Names(formats.Mailable)),
	"recipients": obj{"type": "array", "items": obj{"type": "string", "format": "email"}},
	"subject":    str(), "paused": obj{"type": "boolean"},
	"lang":         obj{"type": "string", "description": "The e-mail's language: en (default), vi or ru; a region is accepted (vi-VN)."},
	"active_since": obj{"type": "string", "format": "date-time", "readOnly": true},
	"updated_at":   obj{"type": "string", "format": "date-time", "readOnly": true},
	"updated_by":   obj{"type": "string", "readOnly": true},
	"owner":        obj{"type": "string", "readOnly": true, "description": "Who created it; every send is checked against the owner's current role and scope."},
	"scope":        obj{"type": "object", "readOnly": true, "description": "The owner's scope as of the owner's last save; the e-mail shows nothing beyond it."},
	"from_config":  obj{"type": "boolean", "readOnly": true, "description": "Defined in the configuration file: not changeable here."},
}}

var deliverySchema = obj{"type": "object", "properties": obj{
	"schedule_id": str(), "period_from": obj{"type": "string", "format": "date-time"}, "period_to": obj{"type": "string", "format": "date-time"},
	"run_at": obj{"type": "string", "format": "date-time"}, "trigger": enum("schedule", "manual"),
	"state":    enum("sending", "retrying", "sent", "failed"),
	"attempts": obj{"type": "integer"}, "error": str(), "next_attempt": obj{"type": "string", "format": "date-time"},
	"message_id": str(), "recipients": obj{"type": "array", "items": str()}, "runner": str(),
	"updated_at": obj{"type": "string", "format": "date-time"},
}}

// schedulePaths documents the schedule routes (ScheduleRoutes) and the
// workbook exports.
func schedulePaths(errResp obj) map[string]obj {
	ref := func(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
	jsonOf := func(desc string, schema obj) obj {
		return obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}
	}
	id := []any{param("id", "path", "Schedule id.", str(), true)}
	failedSend := obj{"type": "object", "properties": obj{"error": str(), "kind": str(), "delivery": ref("Delivery")}}
	body := obj{"required": true, "content": obj{"application/json": obj{"schema": ref("Schedule")}}}
	errs := func(codes ...string) obj {
		o := obj{}
		for _, c := range codes {
			o[c] = errResp
		}
		return o
	}
	with := func(o obj, code string, r obj) obj { o[code] = r; return o }
	workbook := func(summary string) obj {
		return obj{"get": obj{"summary": summary, "parameters": []any{
			param(reports.ParamFrom, "query", "Start, as for reports.", str(), false),
			param(reports.ParamTo, "query", "End, as for reports.", str(), false),
			param(reports.ParamTZ, "query", "IANA time zone.", str(), false)},
			"responses": with(errs("400", "401", "403", "504"), "200", obj{"description": "The workbook, streamed",
				"content": obj{xlsxType: obj{"schema": obj{"type": "string", "format": "binary"}}}})}}
	}
	return map[string]obj{
		"/api/v1/schedules": {
			"get": obj{"summary": "The schedules the caller may see: its own, and those within its scope holding only reports it may read.", "responses": with(errs("401", "403"), "200",
				jsonOf("Schedules", obj{"type": "object", "properties": obj{"schedules": obj{"type": "array", "items": ref("Schedule")}}}))},
			"post": obj{"summary": "Create a schedule; 400 names the field that is wrong, 403 the report the caller may not read.", "requestBody": body,
				"responses": with(errs("400", "401", "403"), "201", jsonOf("Created", ref("Schedule")))},
		},
		"/api/v1/schedules/{id}": {
			"parameters": id,
			"get":        obj{"summary": "One schedule.", "responses": with(errs("401", "403", "404"), "200", jsonOf("Schedule", ref("Schedule")))},
			"put": obj{"summary": "Replace a schedule (not one from the configuration file).", "requestBody": body,
				"responses": with(errs("400", "401", "403", "404"), "200", jsonOf("Schedule", ref("Schedule")))},
			"delete": obj{"summary": "Delete a schedule.", "responses": with(errs("400", "401", "403", "404"), "204", obj{"description": "Deleted"})},
		},
		"/api/v1/schedules/{id}/pause": {"parameters": id, "post": obj{"summary": "Stop its runs.",
			"responses": with(errs("400", "401", "403", "404"), "200", jsonOf("Schedule", ref("Schedule")))}},
		"/api/v1/schedules/{id}/resume": {"parameters": id, "post": obj{"summary": "Restart its runs; periods missed while paused are not sent.",
			"responses": with(errs("400", "401", "403", "404"), "200", jsonOf("Schedule", ref("Schedule")))}},
		"/api/v1/schedules/{id}/send": {"parameters": id, "post": obj{
			"summary": "Send now: the period holding date (YYYY-MM-DD in the schedule's zone), by default the last complete one. Waits for the mail server.",
			"requestBody": obj{"required": false, "content": obj{"application/json": obj{"schema": obj{"type": "object",
				"properties": obj{"date": obj{"type": "string", "format": "date"}}}}}},
			"responses": with(with(with(with(errs("400", "401", "403", "404", "503"), "200", jsonOf("Sent", ref("Delivery"))),
				"502", jsonOf("The mail server refused: the delivery with its reason", failedSend)),
				"409", jsonOf("Not sent: the author may no longer send it as it is (recorded as failed)", failedSend)),
				"429", jsonOf("Too many send-now requests for the schedule or by the caller; see Retry-After", ref("Error")))}},
		"/api/v1/schedules/{id}/deliveries": {"parameters": id, "get": obj{"summary": "The schedule's delivery log, newest period first.",
			"responses": with(errs("401", "403", "404"), "200", jsonOf("Deliveries", obj{"type": "object",
				"properties": obj{"deliveries": obj{"type": "array", "items": ref("Delivery")}}}))}},
		"/api/v1/exports/finance":    workbook("The finance workbook: every time entry, then billable summaries (finance and admins)."),
		"/api/v1/exports/leadership": workbook("The leadership workbook: headline figures with the previous period, trends and native charts."),
	}
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func joinAny(xs []any) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += x.(string)
	}
	return s
}

// formatHelp describes the format parameter: every format, the default
// first.
func formatHelp() string {
	parts := make([]string, len(formats.All))
	for i, f := range formats.All {
		parts[i] = f.Name + " (" + f.Label + ")"
	}
	return "Answer as " + strings.Join(parts, ", ") + "; default " + formats.Default().Name + "."
}

// formatContent is a report answer's content in each format: the Result
// schema as JSON, text or binary files otherwise.
func formatContent() obj {
	out := obj{}
	for _, f := range formats.All {
		switch {
		case f.Name == "json":
			out[f.MediaType()] = obj{"schema": obj{"$ref": "#/components/schemas/Result"}}
		case f.Binary():
			out[f.MediaType()] = obj{"schema": obj{"type": "string", "format": "binary"}}
		default:
			out[f.MediaType()] = obj{"schema": str()}
		}
	}
	return out
}
