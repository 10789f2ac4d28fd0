package reports

// DimensionLabel is a dimension's column heading ("Group", "Tag"), the
// English key of its message in the catalogs.
func DimensionLabel(d Dimension) string { return dimLabel(d) }
