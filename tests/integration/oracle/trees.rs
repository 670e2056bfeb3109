//! Enumerates all (n−1)! diffusion trees of a cascade (each event j ≥ 2 picks a parent among
//! the earlier events) and evaluates the paper's Eq. 9 directly:
//! - s = 2: φ(v_i) = Σ_G P(G) Σ_{k desc. of i in G} Π_{edges e on the path i→k} p_e;
//! - s = 1: φ(v_i) = Σ_G P(G) · (number of descendants of i in G).
//!
//! P(G) = Π_j p_{parent(j) j}, with p computed by the plain formula of Eq. 1.

#![expect(
    clippy::needless_range_loop,
    reason = "indices follow the paper's notation"
)]

/// Edge probabilities p[k][j] by the direct formula (no log space: small test inputs only).
pub fn edge_probs(times: &[f64], followers: &[f64], r: f64, beta: f64) -> Vec<Vec<f64>> {
    let n = times.len();
    let w: Vec<f64> = followers.iter().map(|&f| f.max(1.0).powf(beta)).collect();
    let mut p = vec![vec![0.0; n]; n];
    for j in 1..n {
        let z: f64 = (0..j)
            .map(|l| w[l] * (-r * (times[j] - times[l])).exp())
            .sum();
        for k in 0..j {
            p[k][j] = w[k] * (-r * (times[j] - times[k])).exp() / z;
        }
    }
    p
}

/// Tweet influence (self term excluded) by enumeration of every tree.
pub fn influence_by_trees(p: &[Vec<f64>], power: u32) -> Vec<f64> {
    let n = p.len();
    let mut phi = vec![0.0; n];
    let mut parent = vec![0usize; n];
    loop {
        // P(G)
        let pg: f64 = (1..n).map(|j| p[parent[j]][j]).product();
        for i in 0..n {
            for k in i + 1..n {
                // walk up from k; if we reach i, the path exists
                let mut v = k;
                let mut path = 1.0;
                while v > i {
                    path *= p[parent[v]][v];
                    v = parent[v];
                }
                if v == i {
                    phi[i] += pg * if power == 2 { path } else { 1.0 };
                }
            }
        }
        // next tree: odometer over parent[j] in 0..j
        let mut j = 1;
        loop {
            if j >= n {
                return phi;
            }
            parent[j] += 1;
            if parent[j] < j {
                break;
            }
            parent[j] = 0;
            j += 1;
        }
    }
}
