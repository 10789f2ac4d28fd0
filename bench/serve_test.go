package bench

import "testing"

func TestPercentileIsNearestRank(t *testing.T) {
	var xs []float64
	for i := 20; i >= 1; i-- { // unsorted on purpose
		xs = append(xs, float64(i))
	}
	for p, want := range map[float64]float64{0.95: 19, 0.5: 10, 1: 20, 0.01: 1} {
		if got := percentile(xs, p); got != want {
			t.Errorf("p%v of 1..20: %v, want %v", p*100, got, want)
		}
	}
	if got := percentile([]float64{7}, 0.95); got != 7 {
		t.Errorf("p95 of one sample: %v", got)
	}
}
