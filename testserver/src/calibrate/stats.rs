//! Error distributions: nearest-rank percentiles over signed values (ms).

use serde::Serialize;

/// A distribution's summary; every value in ms.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Dist {
    pub count: usize,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Dist {
    /// Summarizes `values` (NaNs dropped); all zero when empty.
    pub fn of(mut values: Vec<f64>) -> Dist {
        values.retain(|v| !v.is_nan());
        if values.is_empty() {
            return Dist::default();
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        // Nearest rank: the smallest value with at least p% of values at or below it.
        let rank = |p: f64| values[((p / 100.0 * n as f64).ceil() as usize).clamp(1, n) - 1];
        Dist {
            count: n,
            min: values[0],
            p50: rank(50.0),
            p90: rank(90.0),
            p99: rank(99.0),
            max: values[n - 1],
            mean: values.iter().sum::<f64>() / n as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Dist;

    #[test]
    fn nearest_rank_percentiles() {
        let d = Dist::of((1..=100).map(f64::from).rev().collect());
        assert_eq!(
            (d.count, d.min, d.p50, d.p90, d.p99, d.max),
            (100, 1.0, 50.0, 90.0, 99.0, 100.0)
        );
        assert_eq!(d.mean, 50.5);
        let d = Dist::of(vec![-2.0, 3.0, f64::NAN]);
        assert_eq!(
            (d.count, d.min, d.p50, d.p99, d.max),
            (2, -2.0, -2.0, 3.0, 3.0)
        );
        assert_eq!(Dist::of(vec![]), Dist::default());
    }
}
