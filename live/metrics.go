package live

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	live        prometheus.Gauge
	reconnects  prometheus.Counter
	bargeIns    prometheus.Counter
	turnLatency prometheus.Histogram
	phrased     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		live: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "viva_interviews_live", Help: "Interviews running on this server.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "viva_interview_reconnects_total", Help: "Candidates who came back after their socket dropped.",
		}),
		bargeIns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "viva_barge_ins_total", Help: "Times a candidate spoke over the interviewer and silenced it.",
		}),
		phrased: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "viva_followups_phrased_total",
			Help: "Follow-ups by who phrased them: llm (the language model in time) or fallback (the rubric's probe).",
		}, []string{"by"}),
		turnLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "viva_turn_latency_seconds",
			Help:    "From the end of the candidate's speech to the interviewer's first reply frame (includes the end-of-turn silence).",
			Buckets: []float64{0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2, 2.5, 3, 4, 6, 10},
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.live, m.reconnects, m.bargeIns, m.turnLatency, m.phrased} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
