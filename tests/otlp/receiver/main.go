// otlp-receiver: a strict OTLP/HTTP receiver for the observability tests. It accepts
// POST /v1/traces and /v1/metrics (JSON or protobuf bodies, as the OTLP/HTTP spec allows),
// decodes them with the Collector's own pdata module, refuses what a collector would refuse
// (and, stricter, zero ids, unknown enums, spans ending before they start) with 400, and
// appends one JSON line per span or metric data point to --out, flushed at once, for the
// tests to read.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

type sink struct {
	mu  sync.Mutex
	out *os.File
}

func (s *sink) write(records []map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range records {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := s.out.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	return s.out.Sync()
}

func spanRecords(td ptrace.Traces) ([]map[string]any, error) {
	var records []map[string]any
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		resource := rs.Resource().Attributes().AsRaw()
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				sp := ss.Spans().At(k)
				if sp.TraceID().IsEmpty() || sp.SpanID().IsEmpty() {
					return nil, fmt.Errorf("span %q: trace and span ids must not be empty or zero", sp.Name())
				}
				if sp.Name() == "" {
					return nil, fmt.Errorf("span %s: empty name", sp.SpanID())
				}
				if sp.Kind() < ptrace.SpanKindInternal || sp.Kind() > ptrace.SpanKindConsumer {
					return nil, fmt.Errorf("span %q: kind %d is not a SpanKind", sp.Name(), sp.Kind())
				}
				if c := sp.Status().Code(); c < ptrace.StatusCodeUnset || c > ptrace.StatusCodeError {
					return nil, fmt.Errorf("span %q: status code %d is not a StatusCode", sp.Name(), c)
				}
				if sp.StartTimestamp() == 0 || sp.EndTimestamp() < sp.StartTimestamp() {
					return nil, fmt.Errorf("span %q: ends (%d) before it starts (%d)", sp.Name(), sp.EndTimestamp(), sp.StartTimestamp())
				}
				parent := ""
				if !sp.ParentSpanID().IsEmpty() {
					parent = sp.ParentSpanID().String()
				}
				records = append(records, map[string]any{
					"signal":        "span",
					"resource":      resource,
					"scope":         ss.Scope().Name(),
					"traceId":       sp.TraceID().String(),
					"spanId":        sp.SpanID().String(),
					"parentSpanId":  parent,
					"traceState":    sp.TraceState().AsRaw(),
					"name":          sp.Name(),
					"kind":          sp.Kind().String(),
					"startUnixNano": uint64(sp.StartTimestamp()),
					"endUnixNano":   uint64(sp.EndTimestamp()),
					"attributes":    sp.Attributes().AsRaw(),
					"status":        sp.Status().Code().String(),
					"statusMessage": sp.Status().Message(),
				})
			}
		}
	}
	return records, nil
}

func pointRecord(name, typ string, resource map[string]any, attrs pcommon.Map, value any) map[string]any {
	return map[string]any{"signal": "metric", "resource": resource, "name": name, "type": typ,
		"attributes": attrs.AsRaw(), "value": value}
}

func metricRecords(md pmetric.Metrics) ([]map[string]any, error) {
	var records []map[string]any
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		resource := rm.Resource().Attributes().AsRaw()
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			sm := rm.ScopeMetrics().At(j)
			for k := 0; k < sm.Metrics().Len(); k++ {
				m := sm.Metrics().At(k)
				if m.Name() == "" {
					return nil, fmt.Errorf("a metric without a name")
				}
				switch m.Type() {
				case pmetric.MetricTypeSum:
					if m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityUnspecified {
						return nil, fmt.Errorf("sum %q: aggregation temporality unspecified", m.Name())
					}
					for p := 0; p < m.Sum().DataPoints().Len(); p++ {
						dp := m.Sum().DataPoints().At(p)
						records = append(records, pointRecord(m.Name(), "sum", resource, dp.Attributes(), dp.DoubleValue()+float64(dp.IntValue())))
					}
				case pmetric.MetricTypeGauge:
					for p := 0; p < m.Gauge().DataPoints().Len(); p++ {
						dp := m.Gauge().DataPoints().At(p)
						records = append(records, pointRecord(m.Name(), "gauge", resource, dp.Attributes(), dp.DoubleValue()+float64(dp.IntValue())))
					}
				case pmetric.MetricTypeHistogram:
					for p := 0; p < m.Histogram().DataPoints().Len(); p++ {
						dp := m.Histogram().DataPoints().At(p)
						if dp.BucketCounts().Len() != dp.ExplicitBounds().Len()+1 {
							return nil, fmt.Errorf("histogram %q: %d bucket counts for %d bounds", m.Name(), dp.BucketCounts().Len(), dp.ExplicitBounds().Len())
						}
						var total uint64
						for b := 0; b < dp.BucketCounts().Len(); b++ {
							total += dp.BucketCounts().At(b)
						}
						if total != dp.Count() {
							return nil, fmt.Errorf("histogram %q: buckets add up to %d, count is %d", m.Name(), total, dp.Count())
						}
						records = append(records, pointRecord(m.Name(), "histogram", resource, dp.Attributes(),
							map[string]any{"count": dp.Count(), "sum": dp.Sum()}))
					}
				default:
					return nil, fmt.Errorf("metric %q: unexpected type %s", m.Name(), m.Type())
				}
			}
		}
	}
	return records, nil
}

func handler(s *sink, signal string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		isJSON := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
		var records []map[string]any
		if signal == "traces" {
			req := ptraceotlp.NewExportRequest()
			if isJSON {
				err = req.UnmarshalJSON(body)
			} else {
				err = req.UnmarshalProto(body)
			}
			if err == nil {
				records, err = spanRecords(req.Traces())
			}
		} else {
			req := pmetricotlp.NewExportRequest()
			if isJSON {
				err = req.UnmarshalJSON(body)
			} else {
				err = req.UnmarshalProto(body)
			}
			if err == nil {
				records, err = metricRecords(req.Metrics())
			}
		}
		if err != nil {
			log.Printf("refused %s export: %v", signal, err)
			_ = s.write([]map[string]any{{"signal": "refused", "of": signal, "error": err.Error()}})
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.write(records); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if isJSON {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("{}"))
		} else {
			w.Header().Set("Content-Type", "application/x-protobuf")
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	out := flag.String("out", "", "file to append records to (JSON lines)")
	portFile := flag.String("port-file", "", "file to write the bound port to once listening")
	flag.Parse()
	if *out == "" {
		log.Fatal("--out is required")
	}
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	s := &sink{out: f}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/traces", handler(s, "traces"))
	mux.HandleFunc("/v1/metrics", handler(s, "metrics"))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		if err := os.WriteFile(*portFile+".tmp", []byte(fmt.Sprint(port)), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(*portFile+".tmp", *portFile); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("OTLP/HTTP receiver on %s", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}
