//! Latency figures for benchmarks.

/// `what: p50 …, p95 …, min …, max … (n=…)` of samples in milliseconds, with `decimals`
/// decimals (nearest-rank percentiles).
pub fn summary(what: &str, mut ms: Vec<f64>, decimals: usize) -> String {
    ms.sort_by(f64::total_cmp);
    let (Some(min), Some(max)) = (ms.first(), ms.last()) else {
        return format!("{what}: no samples");
    };
    format!(
        "{what}: p50 {:.d$} ms, p95 {:.d$} ms, min {min:.d$}, max {max:.d$} (n={})",
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        ms.len(),
        d = decimals
    )
}

/// The `p` quantile (0 to 1) of sorted, non-empty samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(i.min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_summary() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 51.0);
        assert_eq!(percentile(&v, 0.95), 95.0);
        assert_eq!(
            summary("x", v, 1),
            "x: p50 51.0 ms, p95 95.0 ms, min 1.0, max 100.0 (n=100)"
        );
        assert_eq!(summary("x", vec![], 1), "x: no samples");
    }
}
