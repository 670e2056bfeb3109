//! Synthetic directed networks (spec `netinf.md`, Synthetic data): Kronecker graphs,
//! Forest Fire, Erdős–Rényi. Every generator takes a seeded `Rng` from the caller and
//! returns distinct edges without self-loops, sorted.

use rand::Rng;
use rustc_hash::FxHashSet;

/// Kronecker seed matrices of the paper (Sec. 4.1).
pub mod seeds {
    /// Core-periphery `[0.962 0.535; 0.535 0.107]`.
    pub const CORE_PERIPHERY: [[f64; 2]; 2] = [[0.962, 0.535], [0.535, 0.107]];
    /// Hierarchical `[0.962 0.107; 0.107 0.962]`.
    pub const HIERARCHICAL: [[f64; 2]; 2] = [[0.962, 0.107], [0.107, 0.962]];
    /// Random `[0.5 0.5; 0.5 0.5]`.
    pub const RANDOM: [[f64; 2]; 2] = [[0.5, 0.5], [0.5, 0.5]];
}

/// A stochastic Kronecker graph on `2^levels` nodes, sampled edge by edge as SNAP's
/// `GenFastKronecker` does: each edge descends `levels` times into a quadrant chosen with
/// probability proportional to the seed entry. `edges` defaults to `(Σ seed)^levels`, the
/// expected edge count; duplicates and self-loops are redrawn (up to a cap of attempts).
pub fn kronecker(
    seed: [[f64; 2]; 2],
    levels: u32,
    edges: Option<usize>,
    rng: &mut impl Rng,
) -> Vec<(u32, u32)> {
    let n = 1usize << levels;
    let total: f64 = seed.iter().flatten().sum();
    let target = edges
        .unwrap_or_else(|| total.powi(levels as i32).round() as usize)
        .min(n * (n - 1));
    let cum = [
        seed[0][0] / total,
        (seed[0][0] + seed[0][1]) / total,
        (seed[0][0] + seed[0][1] + seed[1][0]) / total,
    ];
    let mut set = FxHashSet::default();
    let mut attempts = 0usize;
    while set.len() < target && attempts < 100 * target + 1000 {
        attempts += 1;
        let (mut u, mut v) = (0u32, 0u32);
        for _ in 0..levels {
            let x: f64 = rng.random();
            let (r, c) = if x < cum[0] {
                (0, 0)
            } else if x < cum[1] {
                (0, 1)
            } else if x < cum[2] {
                (1, 0)
            } else {
                (1, 1)
            };
            u = 2 * u + r;
            v = 2 * v + c;
        }
        if u != v {
            set.insert((u, v));
        }
    }
    sorted(set)
}

/// Forest Fire (Leskovec et al. 2005), directed: each new node links to a uniformly chosen
/// ambassador, then burns a geometric number of its out-links (mean `p/(1−p)`) and in-links
/// (mean `rp/(1−rp)`), recursively, linking to every burned node.
pub fn forest_fire(n: usize, p: f64, r: f64, rng: &mut impl Rng) -> Vec<(u32, u32)> {
    let mut out: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut inn: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut set = FxHashSet::default();
    let geometric = |q: f64, rng: &mut dyn rand::RngCore| -> usize {
        let mut k = 0;
        while k < 1000 && rng.random::<f64>() < q {
            k += 1;
        }
        k
    };
    for v in 1..n as u32 {
        let mut burned: FxHashSet<u32> = FxHashSet::default();
        let amb = rng.random_range(0..v);
        let mut queue = vec![amb];
        burned.insert(amb);
        while let Some(w) = queue.pop() {
            let mut nbrs: Vec<u32> = Vec::new();
            let mut fwd: Vec<u32> = out[w as usize]
                .iter()
                .copied()
                .filter(|x| !burned.contains(x))
                .collect();
            let mut back: Vec<u32> = inn[w as usize]
                .iter()
                .copied()
                .filter(|x| !burned.contains(x))
                .collect();
            let kf = geometric(p, rng);
            let kb = geometric(r * p, rng);
            for (list, k) in [(&mut fwd, kf), (&mut back, kb)] {
                for _ in 0..k.min(list.len()) {
                    let i = rng.random_range(0..list.len());
                    nbrs.push(list.swap_remove(i));
                }
            }
            for x in nbrs {
                if burned.insert(x) {
                    queue.push(x);
                }
            }
        }
        for &w in &burned {
            out[v as usize].push(w);
            inn[w as usize].push(v);
            set.insert((v, w));
        }
    }
    sorted(set)
}

/// Erdős–Rényi G(n, m): `m` distinct directed edges chosen uniformly (no self-loops).
pub fn erdos_renyi(n: usize, m: usize, rng: &mut impl Rng) -> Vec<(u32, u32)> {
    let m = m.min(n * n.saturating_sub(1));
    let mut set = FxHashSet::default();
    while set.len() < m {
        let u = rng.random_range(0..n as u32);
        let v = rng.random_range(0..n as u32);
        if u != v {
            set.insert((u, v));
        }
    }
    sorted(set)
}

fn sorted(set: FxHashSet<(u32, u32)>) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = set.into_iter().collect();
    v.sort_unstable();
    v
}
