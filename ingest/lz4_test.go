package ingest

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/segmentio/kafka-go/compress"
)

// The producer's lz4 frames have 64 KiB blocks and no checksums, also when
// its writer comes from the pool, and read back through kafka-go's table
// as written.
func TestLZ4CodecWrites64KiBBlocks(t *testing.T) {
	w := NewWriter([]string{"127.0.0.1:1"}, "t")
	defer w.Close()
	codec := compress.Lz4.Codec()
	if _, ok := codec.(lz4Codec); !ok {
		t.Fatalf("kafka-go's lz4 codec is %T after NewWriter", codec)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 300<<10)
	for i := range data {
		data[i] = "abcdefgh"[rng.IntN(8)]
	}
	for round := range 3 {
		var frame bytes.Buffer
		zw := codec.NewWriter(&frame)
		if _, err := zw.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		// LZ4 frame: magic (4 bytes), FLG, BD; BD bits 4-6 index the
		// block maximum size: 4 is 64 KiB, 7 is 4 MiB.
		b := frame.Bytes()
		if len(b) < 6 || b[0] != 0x04 || b[1] != 0x22 || b[2] != 0x4d || b[3] != 0x18 {
			t.Fatalf("round %d: not an lz4 frame: % x", round, b[:min(len(b), 8)])
		}
		// FLG as Kafka's Java client writes it (Lz4BlockOutputStream.FLG):
		// version 1, independent blocks, no block or content checksum
		if b[4] != 0x60 {
			t.Fatalf("round %d: FLG %#x, want 0x60", round, b[4])
		}
		if idx := b[5] >> 4 & 7; idx != 4 {
			t.Fatalf("round %d: block size index %d, want 4 (64 KiB)", round, idx)
		}
		zr := codec.NewReader(bytes.NewReader(b))
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		_ = zr.Close()
		if !bytes.Equal(got, data) {
			t.Fatalf("round %d: read back %d bytes differing from the %d written", round, len(got), len(data))
		}
	}
}
