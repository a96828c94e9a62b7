//! The latency monitor (Redis's `latency.c`) and per-command latency histograms
//! (`latency-tracking`, `INFO latencystats`, `LATENCY HISTOGRAM`).
//!
//! Events (`command`, `fast-command`, `expire-cycle`, `eviction-cycle`, `fork`, ...) keep a
//! ring of 160 samples, at most one per second (the worst one of that second), and their
//! all-time maximum. Times are the engine's wall clock in seconds; latencies are in ms.
//! The histograms are HDR histograms with Redis's bounds (1 ns to 1 s, 2 significant
//! digits), recorded in nanoseconds.

use hdrhistogram::Histogram;

/// Redis's `LATENCY_TS_LEN`: samples kept per event.
pub const TS_LEN: usize = 160;
/// Redis's `LATENCY_GRAPH_COLS`.
const GRAPH_COLS: usize = 80;

/// One sample: when (unix seconds; 0 = unused slot) and how long (ms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Unix time in seconds.
    pub time: u64,
    /// Latency in milliseconds.
    pub latency: u64,
}

/// The samples of one event (Redis's `latencyTimeSeries`).
#[derive(Clone, Debug)]
pub struct Series {
    idx: usize,
    /// All-time maximum (ms).
    pub max: u64,
    samples: [Sample; TS_LEN],
}

impl Series {
    fn new() -> Series {
        Series { idx: 0, max: 0, samples: [Sample::default(); TS_LEN] }
    }

    /// Samples oldest first (unused slots skipped).
    pub fn samples(&self) -> impl Iterator<Item = Sample> + '_ {
        (0..TS_LEN).map(move |j| self.samples[(self.idx + j) % TS_LEN]).filter(|s| s.time != 0)
    }

    /// The most recent sample.
    pub fn latest(&self) -> Sample {
        self.samples[(self.idx + TS_LEN - 1) % TS_LEN]
    }
}

/// Statistics of one event for the doctor (Redis's `latencyStats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventStats {
    /// Samples in the ring.
    pub samples: u64,
    /// Average latency (ms).
    pub avg: u64,
    /// Mean absolute deviation (ms).
    pub mad: u64,
    /// Seconds since the oldest sample (at least 1).
    pub period: u64,
}

/// Every event's samples, in the order the events first happened.
#[derive(Clone, Debug, Default)]
pub struct LatencyMonitor {
    events: Vec<(String, Box<Series>)>,
}

impl LatencyMonitor {
    /// Redis's `latencyAddSampleIfNeeded`: records `latency_ms` for `event` when the
    /// monitor is on (`threshold_ms > 0`) and it reaches the threshold.
    #[inline]
    pub fn add_if_needed(&mut self, threshold_ms: i64, event: &str, latency_ms: u64, now_s: u64) {
        if threshold_ms > 0 && latency_ms as i64 >= threshold_ms {
            self.add(event, latency_ms, now_s);
        }
    }

    /// Redis's `latencyAddSample`: one sample per second per event, the worst one.
    pub fn add(&mut self, event: &str, latency_ms: u64, now_s: u64) {
        let ts = match self.events.iter().position(|(e, _)| e == event) {
            Some(i) => &mut self.events[i].1,
            None => {
                self.events.push((event.to_string(), Box::new(Series::new())));
                &mut self.events.last_mut().expect("just pushed").1
            }
        };
        ts.max = ts.max.max(latency_ms);
        let prev = (ts.idx + TS_LEN - 1) % TS_LEN;
        if ts.samples[prev].time == now_s {
            ts.samples[prev].latency = ts.samples[prev].latency.max(latency_ms);
            return;
        }
        ts.samples[ts.idx] = Sample { time: now_s, latency: latency_ms };
        ts.idx = (ts.idx + 1) % TS_LEN;
    }

    /// The series of `event` (exact name).
    pub fn series(&self, event: &[u8]) -> Option<(&str, &Series)> {
        self.events.iter().find(|(e, _)| e.as_bytes() == event).map(|(e, s)| (e.as_str(), &**s))
    }

    /// Every event with its series.
    pub fn events(&self) -> impl Iterator<Item = (&str, &Series)> {
        self.events.iter().map(|(e, s)| (e.as_str(), &**s))
    }

    /// Whether no event was recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Redis's `latencyResetEvent`: forgets `event` (case-insensitively), or every event
    /// when `None`; returns how many were forgotten.
    pub fn reset(&mut self, event: Option<&[u8]>) -> usize {
        let before = self.events.len();
        match event {
            None => self.events.clear(),
            Some(name) => self.events.retain(|(e, _)| !e.as_bytes().eq_ignore_ascii_case(name)),
        }
        before - self.events.len()
    }

    /// Redis's `analyzeLatencyForEvent`.
    pub fn analyze(series: &Series, now_s: u64) -> EventStats {
        let mut st = EventStats::default();
        let mut sum = 0u64;
        let mut oldest = 0u64;
        for s in series.samples() {
            st.samples += 1;
            sum += s.latency;
            if oldest == 0 || s.time < oldest {
                oldest = s.time;
            }
        }
        if let Some(avg) = sum.checked_div(st.samples) {
            st.avg = avg;
            st.period = now_s.saturating_sub(oldest).max(1);
            let dev: u64 = series.samples().map(|s| (st.avg as i64 - s.latency as i64).unsigned_abs()).sum();
            st.mad = dev / st.samples;
        }
        st
    }

    /// `LATENCY GRAPH`'s text (Redis's `latencyCommandGenSparkeline`).
    pub fn graph(event: &str, series: &Series, now_s: u64) -> String {
        let mut values = Vec::new();
        let mut labels = Vec::new();
        for s in series.samples() {
            let elapsed = now_s.saturating_sub(s.time);
            labels.push(match elapsed {
                e if e < 60 => format!("{}s", e),
                e if e < 3600 => format!("{}m", e / 60),
                e if e < 86400 => format!("{}h", e / 3600),
                e => format!("{}d", e / 86400),
            });
            values.push(s.latency);
        }
        let (min, max) = (values.iter().min().copied().unwrap_or(0), values.iter().max().copied().unwrap_or(0));
        let mut out = format!("{} - high {} ms, low {} ms (all time high {} ms)\n", event, max, min, series.max);
        out.push_str(&"-".repeat(GRAPH_COLS));
        out.push('\n');
        let samples: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        out.push_str(&sparkline(&samples, &labels, GRAPH_COLS, 4));
        out
    }
}

/// Redis's `sparklineRender` with `SPARKLINE_FILL`: `rows` rows of `_o#` (and `|` below
/// the top), then each sample's label written vertically, `columns` samples per block.
pub fn sparkline(values: &[f64], labels: &[String], columns: usize, rows: usize) -> String {
    const FILL: &[u8] = b"_o#";
    let mut out = String::new();
    if values.is_empty() {
        return out;
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let relmax = if max - min == 0.0 { 1.0 } else { max - min };
    let steps = (FILL.len() * rows) as i64;
    let has_labels = labels.iter().any(|l| !l.is_empty());
    let mut start = 0;
    while start < values.len() {
        let len = (values.len() - start).min(columns);
        if start != 0 {
            out.push('\n');
        }
        let mut row = 0usize;
        loop {
            let mut chars = vec![b' '; len];
            let mut more = false;
            for j in 0..len {
                let v = values[start + j];
                let step = (((v - min) * steps as f64) / relmax) as i64;
                let step = step.clamp(0, steps - 1);
                if row < rows {
                    more = true;
                    let idx = step - ((rows - row - 1) * FILL.len()) as i64;
                    if idx >= 0 && (idx as usize) < FILL.len() {
                        chars[j] = FILL[idx as usize];
                    } else if idx >= FILL.len() as i64 {
                        chars[j] = b'|';
                    }
                } else {
                    if has_labels && row - rows < 1 {
                        more = true;
                        break;
                    }
                    let label = labels.get(start + j).map(|l| l.as_bytes()).unwrap_or(b"");
                    let at = row - rows - 1;
                    if label.len() > at {
                        more = true;
                        chars[j] = label[at];
                    }
                }
            }
            if !more {
                break;
            }
            row += 1;
            out.push_str(&String::from_utf8_lossy(&chars));
            out.push('\n');
        }
        start += len;
    }
    out
}

/// Redis's `LATENCY_HISTOGRAM_MIN_VALUE` / `MAX_VALUE` (ns) and precision.
const HIST_MIN: u64 = 1;
const HIST_MAX: u64 = 1_000_000_000;
const HIST_SIGFIG: u8 = 2;

/// One command's latency histogram (nanoseconds).
#[derive(Clone, Debug)]
pub struct CommandHistogram(Histogram<u64>);

impl CommandHistogram {
    /// An empty histogram with Redis's bounds.
    pub fn new() -> CommandHistogram {
        CommandHistogram(Histogram::new_with_bounds(HIST_MIN, HIST_MAX, HIST_SIGFIG).expect("valid bounds"))
    }

    /// Records a duration in microseconds (clamped to 1 ns .. 1 s like Redis).
    #[inline]
    pub fn record_us(&mut self, us: u64) {
        let ns = us.saturating_mul(1000).clamp(HIST_MIN, HIST_MAX);
        let _ = self.0.record(ns);
    }

    /// Samples recorded.
    pub fn calls(&self) -> u64 {
        self.0.len()
    }

    /// `LATENCY HISTOGRAM`'s buckets: (upper bound in us, cumulative count), powers of two
    /// from 1024 ns, only where the count grew (Redis's `fillCommandCDF`).
    pub fn cdf(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut cumulative = 0;
        let mut previous = 0;
        for v in self.0.iter_log(1024, 2.0) {
            cumulative += v.count_since_last_iteration();
            // C's hdr iterator reports the highest value equivalent to the level itself.
            let micros = self.0.highest_equivalent(v.value_iterated_to() + 1) / 1000;
            if cumulative > previous {
                out.push((micros, cumulative));
            }
            previous = cumulative;
        }
        out
    }

    /// The value at `percentile` (0-100) in microseconds (Redis's
    /// `hdr_value_at_percentile / 1000.0`).
    pub fn percentile_us(&self, percentile: f64) -> f64 {
        self.0.value_at_percentile(percentile) as f64 / 1000.0
    }
}

impl Default for CommandHistogram {
    fn default() -> Self {
        Self::new()
    }
}

/// Histograms of every command, indexed like the command table (allocated on first use).
#[derive(Clone, Debug, Default)]
pub struct Histograms(Vec<Option<Box<CommandHistogram>>>);

impl Histograms {
    /// Records `us` for command number `id`.
    #[inline]
    pub fn record(&mut self, id: usize, us: u64) {
        if self.0.len() <= id {
            self.0.resize_with(id + 1, || None);
        }
        self.0[id].get_or_insert_with(Default::default).record_us(us);
    }

    /// The histogram of command number `id`, when it recorded anything.
    pub fn get(&self, id: usize) -> Option<&CommandHistogram> {
        self.0.get(id).and_then(|h| h.as_deref())
    }

    /// Forgets every histogram (`CONFIG RESETSTAT`).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_per_second_keeps_the_worst() {
        let mut m = LatencyMonitor::default();
        m.add_if_needed(0, "command", 500, 10);
        assert!(m.is_empty());
        m.add_if_needed(100, "command", 99, 10);
        assert!(m.is_empty());
        m.add_if_needed(100, "command", 150, 10);
        m.add_if_needed(100, "command", 300, 10);
        m.add_if_needed(100, "command", 200, 10);
        m.add_if_needed(100, "command", 120, 11);
        let (_, s) = m.series(b"command").unwrap();
        let v: Vec<_> = s.samples().map(|s| (s.time, s.latency)).collect();
        assert_eq!(v, [(10, 300), (11, 120)]);
        assert_eq!(s.max, 300);
        assert_eq!(s.latest(), Sample { time: 11, latency: 120 });
        let st = LatencyMonitor::analyze(s, 20);
        assert_eq!(st, EventStats { samples: 2, avg: 210, mad: 90, period: 10 });
        assert_eq!(m.reset(Some(b"COMMAND")), 1);
        assert_eq!(m.reset(None), 0);
    }

    #[test]
    fn ring_keeps_the_last_160() {
        let mut m = LatencyMonitor::default();
        for t in 1..=200 {
            m.add("x", t, t);
        }
        let (_, s) = m.series(b"x").unwrap();
        let v: Vec<_> = s.samples().map(|s| s.time).collect();
        assert_eq!(v, (41..=200).collect::<Vec<_>>());
    }

    #[test]
    fn graph_matches_redis_layout() {
        let mut m = LatencyMonitor::default();
        m.add("command", 300, 100);
        m.add("command", 400, 101);
        m.add("command", 500, 102);
        let (e, s) = m.series(b"command").unwrap();
        let g = LatencyMonitor::graph(e, s, 105);
        let expected = "command - high 500 ms, low 300 ms (all time high 500 ms)\n".to_string()
            + &"-".repeat(80)
            + "\n  #\n _|\n ||\n_||\n   \n543\nsss\n";
        assert_eq!(g, expected);
    }

    #[test]
    fn histogram_buckets_and_percentiles() {
        let mut h = CommandHistogram::new();
        for us in [1, 1, 2, 100, 5000] {
            h.record_us(us);
        }
        assert_eq!(h.calls(), 5);
        let cdf = h.cdf();
        assert_eq!(cdf.first(), Some(&(1, 2)));
        assert_eq!(cdf.last().unwrap().1, 5);
        assert!(cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert_eq!(h.percentile_us(50.0), 2.007);
        let mut hs = Histograms::default();
        hs.record(3, 10);
        assert!(hs.get(2).is_none());
        assert_eq!(hs.get(3).unwrap().calls(), 1);
    }
}
