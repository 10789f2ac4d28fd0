package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the ingest process's Prometheus instruments.
type Metrics struct {
	Consumed     prometheus.Counter
	Inserted     prometheus.Counter
	DeadLettered *prometheus.CounterVec
	Duplicates   prometheus.Counter
	StoreErrors  *prometheus.CounterVec
	FetchErrors  prometheus.Counter
	Commits      *prometheus.CounterVec
	BatchSize    prometheus.Histogram
	BatchLatency prometheus.Histogram
	Lag          *prometheus.GaugeVec
	StoreUp      prometheus.Gauge
}

// NewMetrics registers the ingest metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Consumed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_ingest_consumed_total", Help: "Kafka messages fetched."}),
		Inserted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_ingest_inserted_total", Help: "Events stored in ClickHouse (replays included)."}),
		DeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slate_ingest_dead_lettered_total", Help: "Messages stored as dead letters, by reason."}, []string{"reason"}),
		Duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_ingest_duplicates_total", Help: "Repeated deliveries of an event id seen recently, skipped."}),
		StoreErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slate_ingest_store_errors_total", Help: "Failed batch store attempts, by error kind."}, []string{"kind"}),
		FetchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_ingest_fetch_errors_total", Help: "Failed fetches from Kafka, retried with backoff."}),
		Commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slate_ingest_commits_total", Help: "Offset commits, by result."}, []string{"result"}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "slate_ingest_batch_size", Help: "Messages per stored unit (one insert, one offset commit).",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10)}),
		BatchLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "slate_ingest_batch_seconds", Help: "Time from a unit's first block to its offsets' commit, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slate_ingest_consumer_lag", Help: "Messages behind the partition's high-water mark at the last fetch."}, []string{"topic", "partition"}),
		StoreUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slate_ingest_store_up", Help: "1 if the last store attempt succeeded."}),
	}
	reg.MustRegister(m.Consumed, m.Inserted, m.DeadLettered, m.Duplicates, m.StoreErrors, m.FetchErrors, m.Commits,
		m.BatchSize, m.BatchLatency, m.Lag, m.StoreUp)
	return m
}
