//! Rank-based metrics: percentile normalisation and Spearman correlation.

/// Percentile normalisation `φ%`: the least value maps to 0, the greatest to 1, tied values
/// share one value. A value's percentile is the number of values strictly below it, divided
/// by the number of values strictly below the maximum (an empirical CDF rescaled to [0, 1]).
/// When all values are equal, every value is both least and greatest and gets 1.
///
/// NaN values are ordered last (`f64::total_cmp`). Time O(n log n).
pub fn percentiles(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut below = vec![0usize; n];
    let mut k = 0;
    while k < n {
        let mut e = k;
        while e < n && values[idx[e]].total_cmp(&values[idx[k]]).is_eq() {
            e += 1;
        }
        for &i in &idx[k..e] {
            below[i] = k;
        }
        k = e;
    }
    let below_max = below.iter().copied().max().unwrap_or(0);
    below
        .iter()
        .map(|&b| {
            if below_max == 0 {
                1.0
            } else {
                b as f64 / below_max as f64
            }
        })
        .collect()
}

/// Average ranks (1-based; ties get the mean of their ranks).
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; n];
    let mut k = 0;
    while k < n {
        let mut e = k;
        while e < n && values[idx[e]].total_cmp(&values[idx[k]]).is_eq() {
            e += 1;
        }
        let r = (k + e + 1) as f64 / 2.0; // mean of ranks k+1 ..= e
        for &i in &idx[k..e] {
            ranks[i] = r;
        }
        k = e;
    }
    ranks
}

/// Spearman's rank correlation (Pearson on average ranks). `None` for fewer than 2 values or
/// a constant input.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    assert_eq!(
        a.len(),
        b.len(),
        "spearman needs two samples of the same length"
    );
    if a.len() < 2 {
        return None;
    }
    let (ra, rb) = (average_ranks(a), average_ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa == 0.0 || sbb == 0.0 {
        None
    } else {
        Some(sab / (saa * sbb).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_share_ties_and_span_zero_to_one() {
        assert_eq!(
            percentiles(&[5.0, 1.0, 1.0, 3.0]),
            vec![1.0, 0.0, 0.0, 2.0 / 3.0],
            "ties"
        );
        assert_eq!(percentiles(&[2.0, 2.0]), vec![1.0, 1.0], "all equal");
        assert_eq!(
            percentiles(&[4.0, 4.0, 1.0]),
            vec![1.0, 1.0, 0.0],
            "tied maximum is 1"
        );
        assert!(percentiles(&[]).is_empty(), "empty");
    }

    #[test]
    fn spearman_of_monotone_and_reversed() {
        let a = [1.0, 2.0, 3.0, 4.0];
        assert!(
            (spearman(&a, &[10.0, 20.0, 25.0, 100.0]).unwrap() - 1.0).abs() < 1e-12,
            "monotone"
        );
        assert!(
            (spearman(&a, &[4.0, 3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-12,
            "reversed"
        );
        assert_eq!(spearman(&a, &[1.0; 4]), None, "constant");
    }
}
