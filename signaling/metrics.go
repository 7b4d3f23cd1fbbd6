package signaling

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	open     prometheus.Gauge
	messages *prometheus.CounterVec // direction, type
	errors   *prometheus.CounterVec // code
	slow     prometheus.Counter
	refused  *prometheus.CounterVec // reason
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "viva_signaling_connections_open",
			Help: "Interview WebSockets open now.",
		}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "viva_signaling_messages_total",
			Help: "Signaling messages by direction (in, out) and type; unparseable ones count as type \"invalid\".",
		}, []string{"direction", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "viva_signaling_errors_total",
			Help: "Error messages sent to clients, by code.",
		}, []string{"code"}),
		slow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "viva_signaling_slow_consumers_total",
			Help: "Clients dropped because their send queue was full.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "viva_signaling_upgrades_refused_total",
			Help: "WebSocket upgrades refused before the handshake, by reason code.",
		}, []string{"reason"}),
	}
	for _, c := range []prometheus.Collector{m.open, m.messages, m.errors, m.slow, m.refused} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("signaling: register metrics: %w", err)
		}
	}
	return m, nil
}
