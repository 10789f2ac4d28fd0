// Package compact reads the flat binary forms that the ingest projection's
// cache keeps (ticket states, SLA clocks): varints and length-prefixed
// strings, as encoding/binary appends them. Strings read are substrings of
// the form, so reading allocates nothing.
package compact

import "encoding/binary"

// Reader reads a form from its start. A read past the end or a malformed
// varint marks it failed (Done is then false) and gives zero.
type Reader struct {
	blob string
	at   int
	bad  bool
}

// NewReader reads blob.
func NewReader(blob string) Reader { return Reader{blob: blob} }

// Uvarint reads what binary.AppendUvarint wrote.
func (r *Reader) Uvarint() uint64 {
	var v uint64
	for shift := 0; r.at < len(r.blob) && shift < 64; shift += 7 {
		c := r.blob[r.at]
		r.at++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.bad = true
	return 0
}

// Varint reads what binary.AppendVarint wrote.
func (r *Reader) Varint() int64 {
	u := r.Uvarint()
	return int64(u>>1) ^ -int64(u&1) // zigzag
}

// Str reads what AppendStr wrote.
func (r *Reader) Str() string {
	n := r.Uvarint()
	if n > uint64(r.Left()) {
		r.bad = true
		return ""
	}
	r.at += int(n)
	return r.blob[r.at-int(n) : r.at]
}

// Left is how many bytes are still to read.
func (r *Reader) Left() int { return len(r.blob) - r.at }

// Fail marks the form malformed.
func (r *Reader) Fail() { r.bad = true }

// Done says whether the whole form was read, and well.
func (r *Reader) Done() bool { return !r.bad && r.at == len(r.blob) }

// AppendStr appends s with its length first.
func AppendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
