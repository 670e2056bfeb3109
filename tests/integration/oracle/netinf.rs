//! NetInf oracles: the plain greedy over all candidates (no per-node structure, no
//! laziness), SNAP's global lazy (CELF) greedy, and exhaustive search of the best k-edge set.

use std::collections::{BTreeMap, BinaryHeap};

use cascadia::cascade::NodeCascades;
use cascadia::netinf::{NetInfParams, Ties, Weights, score};

/// (src, dst, gain) per step.
pub type Sequence = Vec<(u32, u32, f64)>;

struct Problem {
    /// candidate (u, v) -> [(cascade, w)] ascending in cascade.
    cands: BTreeMap<(u32, u32), Vec<(usize, f64)>>,
    /// best weight per (cascade, node) before any edge.
    init: BTreeMap<(usize, u32), f64>,
    keys: Vec<u32>,
}

fn problem(data: &NodeCascades, p: &NetInfParams) -> Problem {
    let (log_beta, log_eps, paper) = match p.weights {
        Weights::Snap { epsilon } => (0.0, epsilon.ln(), false),
        Weights::Paper { beta, epsilon } => (beta.ln(), epsilon.ln(), true),
    };
    let mut cands: BTreeMap<(u32, u32), Vec<(usize, f64)>> = BTreeMap::new();
    let mut init = BTreeMap::new();
    for (c, casc) in data.cascades.iter().enumerate() {
        for j in 0..casc.len() {
            let v = casc.users[j].0;
            let mut best_eps = f64::NEG_INFINITY;
            let mut any = false;
            for i in 0..casc.len() {
                if casc.times[i] < casc.times[j] {
                    any = true;
                    let lf = p.model.log_density(p.alpha, casc.times[j] - casc.times[i]);
                    best_eps = best_eps.max(lf);
                    cands
                        .entry((casc.users[i].0, v))
                        .or_default()
                        .push((c, log_beta + lf));
                }
            }
            init.insert(
                (c, v),
                if paper && any {
                    log_eps + best_eps
                } else {
                    log_eps
                },
            );
        }
    }
    let n = data.n_nodes() as u32;
    let keys = match p.ties {
        Ties::First => (0..n).collect(),
        Ties::Last => (0..n).rev().collect(),
    };
    Problem { cands, init, keys }
}

fn gain(list: &[(usize, f64)], v: u32, best: &BTreeMap<(usize, u32), f64>) -> f64 {
    let mut g = 0.0;
    for &(c, w) in list {
        let d = w - best[&(c, v)];
        if d > 0.0 {
            g += d;
        }
    }
    g
}

fn better(a: (f64, u32, u32), b: (f64, u32, u32), keys: &[u32]) -> bool {
    a.0 > b.0
        || (a.0 == b.0
            && (keys[a.1 as usize], keys[a.2 as usize]) < (keys[b.1 as usize], keys[b.2 as usize]))
}

fn commit(pr: &Problem, best: &mut BTreeMap<(usize, u32), f64>, u: u32, v: u32) {
    for &(c, w) in &pr.cands[&(u, v)] {
        let b = best.get_mut(&(c, v)).unwrap();
        if w > *b {
            *b = w;
        }
    }
}

/// Plain greedy: every step evaluates every remaining candidate.
pub fn plain_greedy(data: &NodeCascades, p: &NetInfParams) -> Sequence {
    let pr = problem(data, p);
    let mut best = pr.init.clone();
    let mut chosen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let k = p.edges.unwrap_or(usize::MAX);
    while out.len() < k {
        let mut top: Option<(f64, u32, u32)> = None;
        for (&(u, v), list) in &pr.cands {
            if chosen.contains(&(u, v)) {
                continue;
            }
            let g = gain(list, v, &best);
            if top.is_none_or(|t| better((g, u, v), t, &pr.keys)) {
                top = Some((g, u, v));
            }
        }
        let Some((g, u, v)) = top else { break };
        if g <= 0.0 {
            break;
        }
        chosen.insert((u, v));
        commit(&pr, &mut best, u, v);
        out.push((u, v, g));
    }
    out
}

#[derive(PartialEq)]
struct Item(f64, u32, u32, std::rc::Rc<Vec<u32>>);
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        let k = &self.3;
        self.0.total_cmp(&o.0).then_with(|| {
            (k[o.1 as usize], k[o.2 as usize]).cmp(&(k[self.1 as usize], k[self.2 as usize]))
        })
    }
}

/// SNAP-style global lazy greedy (CELF): stale gains are upper bounds; re-evaluate the top
/// until it stays on top.
pub fn lazy_greedy(data: &NodeCascades, p: &NetInfParams) -> Sequence {
    let pr = problem(data, p);
    let keys = std::rc::Rc::new(pr.keys.clone());
    let mut best = pr.init.clone();
    let mut heap: BinaryHeap<Item> = pr
        .cands
        .keys()
        .map(|&(u, v)| Item(f64::INFINITY, u, v, keys.clone()))
        .collect();
    let mut out = Vec::new();
    let k = p.edges.unwrap_or(usize::MAX);
    while out.len() < k {
        let Some(Item(_, u, v, _)) = heap.pop() else {
            break;
        };
        let g = gain(&pr.cands[&(u, v)], v, &best);
        let fresh = Item(g, u, v, keys.clone());
        if heap.peek().is_none_or(|next| fresh >= *next) {
            if g <= 0.0 {
                break;
            }
            commit(&pr, &mut best, u, v);
            out.push((u, v, g));
        } else {
            heap.push(fresh);
        }
    }
    out
}

/// All candidate edges.
pub fn candidates(data: &NodeCascades, p: &NetInfParams) -> Vec<(u32, u32)> {
    problem(data, p).cands.keys().copied().collect()
}

/// The best objective over all sets of exactly `min(k, |candidates|)` candidate edges.
pub fn exhaustive_opt(data: &NodeCascades, p: &NetInfParams, k: usize) -> f64 {
    let cands = candidates(data, p);
    let k = k.min(cands.len());
    let mut best = f64::NEG_INFINITY;
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        let edges: Vec<(u32, u32)> = idx.iter().map(|&i| cands[i]).collect();
        best = best.max(score::score(data, &crate::util::valid(p), &edges).objective);
        // next combination
        let mut i = k;
        loop {
            if i == 0 {
                return best;
            }
            i -= 1;
            if idx[i] != i + cands.len() - k {
                break;
            }
        }
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}
