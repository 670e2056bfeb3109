//! Synthetic ground truth of the paper's Appendix C.
//!
//! A random directed graph of n users (edge count uniform in [n/2, n²], endpoints uniform,
//! no duplicates or self-loops); per edge a transmission rate from a Weibull of shape 2
//! (scale 1); per cascade, per edge, an exponential waiting time `τ = −ln(s)/rate`. From one
//! source, the shortest-path tree gives each node's time `t_k` and its number of reachable
//! nodes `c_k` (its descendants in the tree). A user's ground-truth influence is the mean
//! `c_k` over the cascades that reach it. Events carry magnitude 1 (the appendix gives users
//! no follower counts). Time O(cascades · E log n), memory O(E).

use crate::cascade::{CascadeSet, Dedupe, UserId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Weibull};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

/// Cascades over a random graph and each user's ground-truth influence.
#[derive(Debug, Clone)]
pub struct GroundTruth {
    /// One cascade per simulation, users are `UserId(node)`.
    pub cascades: CascadeSet,
    /// Mean reachable count of each node over the cascades that reached it (`NaN` if none did).
    pub truth: Vec<f64>,
    /// Number of edges of the random graph.
    pub edges: usize,
    /// The same means over the even and over the odd cascades: two independent samples of
    /// the truth, whose agreement bounds what any estimate can reach.
    pub truth_halves: [Vec<f64>; 2],
}

/// Simulates `cascades` cascades from node 0 over a random graph of `users` nodes.
/// `max_edges` caps the edge count drawn from [n/2, n²] (the appendix has no cap; dense
/// graphs make every node reachable in a few hops).
pub fn ground_truth(users: usize, cascades: usize, max_edges: usize, seed: u64) -> GroundTruth {
    let n = users.max(2);
    let mut rng = StdRng::seed_from_u64(seed);
    let hi = (n * n).min(max_edges.max(n / 2)).min(n * (n - 1));
    let m = rng.random_range(n / 2..=hi);
    let mut seen = HashSet::with_capacity(m);
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let weibull = Weibull::new(1.0, 2.0).expect("valid Weibull parameters");
    while seen.len() < m {
        let (i, j) = (rng.random_range(0..n), rng.random_range(0..n));
        if i != j && seen.insert((i, j)) {
            adj[i].push((j, weibull.sample(&mut rng)));
        }
    }
    let mut set = CascadeSet::new();
    let mut sum = vec![0.0; n];
    let mut count = vec![0u32; n];
    let mut half_sum = [vec![0.0; n], vec![0.0; n]];
    let mut half_count = [vec![0u32; n], vec![0u32; n]];
    let mut dist = vec![f64::INFINITY; n];
    let mut parent = vec![usize::MAX; n];
    for c in 0..cascades {
        dist.iter_mut().for_each(|d| *d = f64::INFINITY);
        parent.iter_mut().for_each(|p| *p = usize::MAX);
        dist[0] = 0.0;
        let mut heap = BinaryHeap::new();
        heap.push(Reverse((OrdF64(0.0), 0usize)));
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse((OrdF64(d), u))) = heap.pop() {
            if d > dist[u] {
                continue;
            }
            order.push(u);
            for &(v, rate) in &adj[u] {
                let s: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                let nd = d - s.ln() / rate;
                if nd < dist[v] {
                    dist[v] = nd;
                    parent[v] = u;
                    heap.push(Reverse((OrdF64(nd), v)));
                }
            }
        }
        // Reachable counts: descendants in the shortest-path tree, in reverse time order.
        let mut reach = vec![0.0; n];
        for &u in order.iter().rev() {
            if parent[u] != usize::MAX {
                reach[parent[u]] += reach[u] + 1.0;
            }
        }
        set.begin_cascade(&format!("s{c}"));
        for &u in &order {
            sum[u] += reach[u];
            count[u] += 1;
            half_sum[c % 2][u] += reach[u];
            half_count[c % 2][u] += 1;
            set.push_valid(
                dist[u],
                1.0,
                UserId(u32::try_from(u).expect("users fit in u32")),
            );
        }
        set.finish_cascade(Dedupe::None);
    }
    let mean = |sum: &[f64], count: &[u32]| -> Vec<f64> {
        sum.iter()
            .zip(count)
            .map(|(&s, &k)| if k == 0 { f64::NAN } else { s / f64::from(k) })
            .collect()
    };
    GroundTruth {
        cascades: set,
        truth: mean(&sum, &count),
        edges: m,
        truth_halves: [
            mean(&half_sum[0], &half_count[0]),
            mean(&half_sum[1], &half_count[1]),
        ],
    }
}

/// A total order on finite f64 for the heap.
#[derive(Clone, Copy, Debug, PartialEq)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
