package event

import "time"

// Source is where a message was read from, kept with everything stored so
// any row can be traced back to its Kafka position.
type Source struct {
	Topic     string
	Partition int32
	Offset    int64
}

// Record is a decoded event with its original payload and position.
type Record struct {
	Event   Event
	Payload []byte
	Source  Source
}

// DeadLetter is a message that can never become an event: it is stored with
// its reason instead, so nothing read is ever lost or silently dropped.
type DeadLetter struct {
	Source     Source
	Key        []byte
	Payload    []byte
	Reason     Reason
	Detail     string
	ReceivedAt time.Time
	// What could be read of the envelope, for finding the producer's bug.
	EventID, Tenant, TicketID string
}

// NewDeadLetter builds the dead letter for a message whose decoding failed
// with err; partial is what Decode returned alongside the error.
func NewDeadLetter(src Source, key, payload []byte, partial *Event, err error, now time.Time) DeadLetter {
	dl := DeadLetter{Source: src, Key: key, Payload: payload, ReceivedAt: now.UTC(), Reason: ReasonOf(err), Detail: err.Error()}
	if dl.Reason == "" {
		dl.Reason = ReasonInvalidField
	}
	if partial != nil && len(payload) <= MaxPayloadBytes {
		dl.EventID, dl.Tenant, dl.TicketID = truncate(partial.ID), truncate(partial.Tenant), truncate(partial.TicketID)
	}
	return dl
}

// ReasonStoreRejected marks a well-formed event that the warehouse refused
// permanently (found by bisecting the failed batch down to the one row).
const ReasonStoreRejected Reason = "store_rejected"

// Batch is what ingest hands to storage in one go.
type Batch struct {
	Records     []Record
	DeadLetters []DeadLetter
	// Spans are the Kafka positions the batch covers, per partition, skipped
	// redeliveries included. Storage uses them to notice when a partition
	// was consumed elsewhere in between (its caches of that partition are
	// then stale). Sub-batches cut from a batch carry none.
	Spans []Span
}

// Span is a run of consecutive offsets of one partition.
type Span struct {
	Topic       string
	Partition   int32
	First, Last int64
}
