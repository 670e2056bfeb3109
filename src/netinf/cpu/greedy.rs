//! The exact greedy as a merge of per-node greedy sequences (spec `netinf.md`, Key structure).
//!
//! A candidate's gain depends only on the chosen edges into its target, so each target node
//! runs its own small greedy (in parallel across nodes) and the global greedy is the merge of
//! those non-increasing sequences. Within a node, gains are kept exact: after a step only the
//! cascades whose best parent changed are touched, and every candidate present in one of
//! them has its gain recomputed from scratch in cascade order (so every engine computes the
//! same bits). Selection uses a max-heap with stale entries skipped.
//!
//! **Tie rule** (SNAP's depends on hash order): larger gain first, then the source with the
//! smaller tie key, then the target with the smaller tie key. The keys are the node order of
//! the input (`Ties::First`, the default) or its reverse (`Ties::Last`, the R package's rule:
//! its `>=` scan keeps the last of equal gains). Within a node the sequence already obeys the
//! rule, so the top k of the union under this order is exactly the plain greedy's sequence.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use super::gains::NodeProblem;

/// One step of a node's greedy sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeStep {
    /// The chosen parent (node index).
    pub src: u32,
    /// Its marginal gain.
    pub gain: f64,
    /// Cascades where `src` became the best parent (SNAP's `vol`).
    pub vol: u32,
    /// Median (upper, as SNAP: element `len/2` of the sorted list) of Δ over those cascades.
    pub median_dt: f64,
    /// Mean Δ over those cascades.
    pub mean_dt: f64,
    /// Σ over cascades of the squared per-cascade improvement (for the Vuong test).
    pub sum_sq: f64,
    /// This step's gain changes are `NodeRun::deltas[delta_start..delta_end]`.
    pub delta_start: u32,
    /// See `delta_start`.
    pub delta_end: u32,
}

/// A node's greedy run.
#[derive(Clone, Debug, Default)]
pub struct NodeRun {
    /// The target node.
    pub node: u32,
    /// Its number of candidates.
    pub n_candidates: u32,
    /// Its number of (candidate × cascade) incidences.
    pub n_incidences: u64,
    /// Initial gain of every candidate with a positive one: (candidate index, gain).
    pub initial: Vec<(u32, f64)>,
    /// The greedy sequence (non-increasing gains), possibly cut short (see `node_greedy`).
    pub steps: Vec<NodeStep>,
    /// (candidate index, new gain) for every gain a step changed, when recorded; within a
    /// step in ascending candidate order (canonical: the bound's sum is updated in this
    /// order, so its bits do not depend on an engine's order of evaluation).
    pub deltas: Vec<(u32, f64)>,
    /// Incidences summed over by the gains this run evaluated on the host (initial ones
    /// and re-evaluations; 0 for a run whose gains were evaluated on a device).
    pub incidences_evaluated: u64,
}

/// Reads little-endian fields from a byte slice.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        if self.0.len() < N {
            return Err("node runs: the bytes end inside a run".into());
        }
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        Ok(head.try_into().expect("N bytes"))
    }
    fn u32(&mut self) -> Result<u32, String> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, String> {
        self.take().map(u64::from_le_bytes)
    }
    fn f64(&mut self) -> Result<f64, String> {
        self.take().map(f64::from_le_bytes)
    }
    /// A count of items of at least `size` bytes each, checked against the bytes left.
    fn count(&mut self, size: usize) -> Result<usize, String> {
        let n = self.u32()? as usize;
        if n.saturating_mul(size) > self.0.len() {
            return Err("node runs: a count exceeds the bytes left".into());
        }
        Ok(n)
    }
}

/// The first bytes of encoded node runs.
const RUNS_MAGIC: &[u8; 4] = b"CNR2";

impl NodeRun {
    /// Encodes `runs` (little-endian, every f64 by its bits): how a distributed run ships the
    /// per-node phase's results to the merge ([`NodeRun::decode_all`] reads them back).
    pub fn encode_all(runs: &[NodeRun]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(RUNS_MAGIC);
        out.extend_from_slice(&(runs.len() as u32).to_le_bytes());
        for r in runs {
            out.extend_from_slice(&r.node.to_le_bytes());
            out.extend_from_slice(&r.n_candidates.to_le_bytes());
            out.extend_from_slice(&r.n_incidences.to_le_bytes());
            out.extend_from_slice(&r.incidences_evaluated.to_le_bytes());
            out.extend_from_slice(&(r.initial.len() as u32).to_le_bytes());
            for &(c, g) in &r.initial {
                out.extend_from_slice(&c.to_le_bytes());
                out.extend_from_slice(&g.to_le_bytes());
            }
            out.extend_from_slice(&(r.steps.len() as u32).to_le_bytes());
            for st in &r.steps {
                out.extend_from_slice(&st.src.to_le_bytes());
                out.extend_from_slice(&st.gain.to_le_bytes());
                out.extend_from_slice(&st.vol.to_le_bytes());
                out.extend_from_slice(&st.median_dt.to_le_bytes());
                out.extend_from_slice(&st.mean_dt.to_le_bytes());
                out.extend_from_slice(&st.sum_sq.to_le_bytes());
                out.extend_from_slice(&st.delta_start.to_le_bytes());
                out.extend_from_slice(&st.delta_end.to_le_bytes());
            }
            out.extend_from_slice(&(r.deltas.len() as u32).to_le_bytes());
            for &(c, g) in &r.deltas {
                out.extend_from_slice(&c.to_le_bytes());
                out.extend_from_slice(&g.to_le_bytes());
            }
        }
        out
    }

    /// Decodes what [`NodeRun::encode_all`] wrote.
    ///
    /// # Errors
    /// Bytes that are not encoded node runs (wrong magic, truncated, inconsistent ranges).
    pub fn decode_all(bytes: &[u8]) -> Result<Vec<NodeRun>, String> {
        if bytes.len() < 8 || &bytes[..4] != RUNS_MAGIC {
            return Err("node runs: not encoded by NodeRun::encode_all (magic CNR2)".into());
        }
        let mut f = Fields(&bytes[4..]);
        let n = f.count(36)?;
        let mut runs = Vec::with_capacity(n);
        for _ in 0..n {
            let node = f.u32()?;
            let n_candidates = f.u32()?;
            let n_incidences = f.u64()?;
            let incidences_evaluated = f.u64()?;
            let k = f.count(12)?;
            let mut initial = Vec::with_capacity(k);
            for _ in 0..k {
                initial.push((f.u32()?, f.f64()?));
            }
            let k = f.count(52)?;
            let mut steps = Vec::with_capacity(k);
            for _ in 0..k {
                steps.push(NodeStep {
                    src: f.u32()?,
                    gain: f.f64()?,
                    vol: f.u32()?,
                    median_dt: f.f64()?,
                    mean_dt: f.f64()?,
                    sum_sq: f.f64()?,
                    delta_start: f.u32()?,
                    delta_end: f.u32()?,
                });
            }
            let k = f.count(12)?;
            let mut deltas = Vec::with_capacity(k);
            for _ in 0..k {
                deltas.push((f.u32()?, f.f64()?));
            }
            let bad_range = steps
                .iter()
                .any(|s| s.delta_start > s.delta_end || s.delta_end as usize > deltas.len());
            let bad_cand = initial
                .iter()
                .chain(&deltas)
                .any(|&(c, _)| c >= n_candidates);
            if bad_range || bad_cand {
                return Err(format!(
                    "node runs: node {node} holds an inconsistent range"
                ));
            }
            runs.push(NodeRun {
                node,
                n_candidates,
                n_incidences,
                initial,
                steps,
                deltas,
                incidences_evaluated,
            });
        }
        if !f.0.is_empty() {
            return Err("node runs: bytes left after the last run".into());
        }
        Ok(runs)
    }
}

#[derive(Clone, Copy, Debug)]
struct HeapItem {
    gain: f64,
    /// The source's tie key (smaller wins a tie).
    key: u32,
    cand: u32,
}

impl PartialEq for HeapItem {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for HeapItem {}
impl PartialOrd for HeapItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for HeapItem {
    /// Max-heap order: larger gain, then smaller tie key.
    fn cmp(&self, other: &Self) -> Ordering {
        self.gain
            .total_cmp(&other.gain)
            .then_with(|| other.key.cmp(&self.key))
    }
}

/// The state of one target node's greedy between steps: [`NodeGreedy::next`] selects the
/// next edge and lists the candidates whose gain it may have changed, the caller evaluates
/// their gains and hands them to [`NodeGreedy::apply`]. The GPU engine's kernels
/// (`shaders/netinf/greedy.wgsl`) are this machine's twin, run for many nodes at once: the
/// same selections, gains, deltas and statistics.
#[derive(Debug, Default)]
pub(crate) struct NodeGreedy {
    /// `best_c(v)` per local cascade.
    best: Vec<f64>,
    gain: Vec<f64>,
    stamp: Vec<u32>,
    selected: Vec<bool>,
    heap: BinaryHeap<HeapItem>,
    changed: Vec<u32>,
    dts: Vec<f64>,
    affected: Vec<u32>,
    step: u32,
    limit: usize,
    record_deltas: bool,
    /// The run so far.
    pub run: NodeRun,
}

impl NodeGreedy {
    /// Starts the greedy of `p` (reusing `self`'s allocations) from the candidates'
    /// `initial` gains under `p.init_best`, for at most `limit` steps.
    pub(crate) fn start(
        &mut self,
        p: &NodeProblem,
        initial: &[f64],
        limit: usize,
        record_deltas: bool,
        keys: &[u32],
    ) {
        let nc = p.n_candidates();
        debug_assert_eq!(initial.len(), nc);
        self.run = NodeRun {
            node: p.node,
            n_candidates: nc as u32,
            n_incidences: p.n_incidences() as u64,
            ..Default::default()
        };
        self.best.clear();
        self.best.extend_from_slice(&p.init_best);
        self.gain.clear();
        self.gain.extend_from_slice(initial);
        self.stamp.clear();
        self.stamp.resize(nc, 0);
        self.selected.clear();
        self.selected.resize(nc, false);
        let mut heap = std::mem::take(&mut self.heap).into_vec();
        heap.clear();
        for (i, &g) in initial.iter().enumerate() {
            if g > 0.0 {
                self.run.initial.push((i as u32, g));
                heap.push(HeapItem {
                    gain: g,
                    key: keys[p.srcs[i] as usize],
                    cand: i as u32,
                });
            }
        }
        self.heap = BinaryHeap::from(heap);
        self.affected.clear();
        self.step = 0;
        self.limit = limit;
        self.record_deltas = record_deltas;
    }

    /// Selects the next edge, or returns `false` when the greedy is over: `limit` steps, no
    /// positive gain left, or the best gain below `cutoff` (an `f64` as bits: a lower bound
    /// on the k-th largest gain of all nodes, so nothing cut can be among the first k global
    /// steps).
    pub(crate) fn next(&mut self, p: &NodeProblem, cutoff: Option<&AtomicU64>) -> bool {
        self.affected.clear();
        self.changed.clear();
        if self.run.steps.len() >= self.limit {
            return false;
        }
        let Some(top) = pop_fresh(&mut self.heap, &self.gain, &self.selected) else {
            return false;
        };
        if let Some(c) = cutoff
            && top.gain < f64::from_bits(c.load(AtomicOrdering::Relaxed))
        {
            return false;
        }
        self.step += 1;
        let step = self.step;
        let i = top.cand as usize;
        self.selected[i] = true;
        // Update best_c(v) where the new edge beats the current parent.
        self.dts.clear();
        let mut sum_sq = 0.0;
        let mut sum_dt = 0.0;
        for inc in p.inc_start[i] as usize..p.inc_start[i + 1] as usize {
            let k = p.inc_k[inc] as usize;
            let w = p.inc_w[inc];
            if w > self.best[k] {
                let d = w - self.best[k];
                sum_sq += d * d;
                self.best[k] = w;
                self.changed.push(k as u32);
                self.dts.push(p.inc_dt[inc]);
                sum_dt += p.inc_dt[inc];
            }
        }
        let vol = self.dts.len();
        let mean_dt = sum_dt / vol as f64;
        self.dts.sort_by(f64::total_cmp);
        let median_dt = self.dts[vol / 2];
        // Every candidate sharing a changed cascade (the chosen one drops to 0).
        for &k in &self.changed {
            let k = k as usize;
            for &j in &p.casc_cand[p.casc_start[k] as usize..p.casc_start[k + 1] as usize] {
                if self.stamp[j as usize] != step {
                    self.stamp[j as usize] = step;
                    self.affected.push(j);
                }
            }
        }
        // Ascending: the canonical order of a step's gain changes (see `NodeRun::deltas`).
        self.affected.sort_unstable();
        let delta_start = self.run.deltas.len() as u32;
        self.run.steps.push(NodeStep {
            src: p.srcs[i],
            gain: top.gain,
            vol: vol as u32,
            median_dt,
            mean_dt,
            sum_sq,
            delta_start,
            delta_end: delta_start,
        });
        true
    }

    /// Takes the new gains of [`NodeGreedy::affected`] (same order), logs the changed ones
    /// and requeues them.
    pub(crate) fn apply(&mut self, p: &NodeProblem, gains: &[f64], keys: &[u32]) {
        debug_assert_eq!(gains.len(), self.affected.len());
        for (&j, &g) in self.affected.iter().zip(gains) {
            let j = j as usize;
            if g.to_bits() != self.gain[j].to_bits() {
                self.gain[j] = g;
                if self.record_deltas {
                    self.run.deltas.push((j as u32, g));
                }
                if g > 0.0 && !self.selected[j] {
                    self.heap.push(HeapItem {
                        gain: g,
                        key: keys[p.srcs[j] as usize],
                        cand: j as u32,
                    });
                }
            }
        }
        let end = self.run.deltas.len() as u32;
        if let Some(last) = self.run.steps.last_mut() {
            last.delta_end = end;
        }
    }

    /// Hands over the finished run.
    pub(crate) fn take_run(&mut self) -> NodeRun {
        std::mem::take(&mut self.run)
    }
}

/// Reusable per-thread buffers for `node_greedy`.
#[derive(Debug, Default)]
pub(crate) struct GreedyScratch {
    state: NodeGreedy,
    gains: Vec<f64>,
}

/// Runs the greedy of one target node on the CPU for at most `limit` steps (see
/// [`NodeGreedy::next`] for `cutoff`). With `record_deltas`, every gain change is logged for
/// the Theorem 4 bound. `keys` maps a node to its tie key: of two equal gains, the source
/// with the smaller key goes first.
pub(crate) fn node_greedy(
    p: &NodeProblem,
    limit: usize,
    cutoff: Option<&AtomicU64>,
    record_deltas: bool,
    keys: &[u32],
    s: &mut GreedyScratch,
) -> NodeRun {
    super::gains::node_gains(p, &p.init_best, &mut s.gains);
    s.state.start(p, &s.gains, limit, record_deltas, keys);
    let mut evaluated = p.n_incidences() as u64;
    while s.state.next(p, cutoff) {
        s.gains.clear();
        let best = &s.state.best;
        s.gains.extend(s.state.affected.iter().map(|&j| {
            let j = j as usize;
            evaluated += u64::from(p.inc_start[j + 1] - p.inc_start[j]);
            p.gain(j, best)
        }));
        s.state.apply(p, &s.gains, keys);
    }
    let mut run = s.state.take_run();
    run.incidences_evaluated = evaluated;
    run
}

fn pop_fresh(heap: &mut BinaryHeap<HeapItem>, gain: &[f64], selected: &[bool]) -> Option<HeapItem> {
    while let Some(top) = heap.pop() {
        let i = top.cand as usize;
        if !selected[i] && top.gain.to_bits() == gain[i].to_bits() && top.gain > 0.0 {
            return Some(top);
        }
    }
    None
}

/// The global order of steps `(gain, source key, target key)`: larger gain, then smaller
/// source key, then smaller target key.
pub(crate) fn step_order(a: (f64, u32, u32), b: (f64, u32, u32)) -> Ordering {
    b.0.total_cmp(&a.0)
        .then_with(|| a.1.cmp(&b.1))
        .then_with(|| a.2.cmp(&b.2))
}

/// Sum of the k largest values of a multiset whose values only decrease: the Theorem 4
/// bound's `Σ of the k largest current gains`.
#[derive(Debug)]
pub(crate) struct TopKSum {
    k: usize,
    values: Vec<f64>,
    in_top: Vec<bool>,
    top: std::collections::BTreeSet<(u64, u32)>,
    rest: BinaryHeap<(u64, u32)>,
    sum: f64,
}

impl TopKSum {
    /// Starts from `values` (all `>= 0`).
    pub(crate) fn new(k: usize, values: Vec<f64>) -> Self {
        let mut order: Vec<(u64, u32)> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, v)| (v.to_bits(), i as u32))
            .collect();
        order.sort_unstable_by(|a, b| b.cmp(a));
        let mut in_top = vec![false; values.len()];
        let split = k.min(order.len());
        let mut sum = 0.0;
        for &(bits, i) in &order[..split] {
            in_top[i as usize] = true;
            sum += f64::from_bits(bits);
        }
        let top = order[..split].iter().copied().collect();
        let rest = BinaryHeap::from(order[split..].to_vec());
        TopKSum {
            k,
            values,
            in_top,
            top,
            rest,
            sum,
        }
    }

    /// The current sum of the k largest values.
    pub(crate) fn sum(&self) -> f64 {
        self.sum.max(0.0)
    }

    /// Lowers value `i` to `new`.
    ///
    /// `rest` holds one entry per value outside the top with a positive value, keyed by
    /// that value as it was when pushed: values only decrease, so a key is an upper bound,
    /// and a popped entry whose value has since dropped is pushed again with its current
    /// value (lazy: lowering a value outside the top costs nothing). The top and the order
    /// of the sum's additions are those of pushing every new value at once.
    pub(crate) fn update(&mut self, i: usize, new: f64) {
        let old = self.values[i];
        debug_assert!(new <= old, "values only decrease");
        self.values[i] = new;
        if self.in_top[i] {
            self.top.remove(&(old.to_bits(), i as u32));
            self.in_top[i] = false;
            self.sum -= old;
            if new > 0.0 {
                self.rest.push((new.to_bits(), i as u32));
            }
        }
        while self.top.len() < self.k {
            let Some((bits, j)) = self.rest.pop() else {
                break;
            };
            let current = self.values[j as usize];
            if current.to_bits() != bits {
                if current > 0.0 {
                    self.rest.push((current.to_bits(), j));
                }
                continue;
            }
            self.in_top[j as usize] = true;
            self.top.insert((bits, j));
            self.sum += current;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TopKSum;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// The eager form (every new value pushed): the oracle of the lazy `TopKSum::update`.
    fn eager_update(t: &mut TopKSum, i: usize, new: f64) {
        let old = t.values[i];
        t.values[i] = new;
        if t.in_top[i] {
            t.top.remove(&(old.to_bits(), i as u32));
            t.in_top[i] = false;
            t.sum -= old;
        }
        if new > 0.0 {
            t.rest.push((new.to_bits(), i as u32));
        }
        while t.top.len() < t.k {
            let Some((bits, j)) = t.rest.pop() else {
                break;
            };
            let j = j as usize;
            if t.in_top[j] || t.values[j].to_bits() != bits {
                continue;
            }
            t.in_top[j] = true;
            t.top.insert((bits, j as u32));
            t.sum += f64::from_bits(bits);
        }
    }

    #[test]
    fn lazy_updates_give_the_eager_sums_bit_for_bit() {
        let mut rng = StdRng::seed_from_u64(3);
        for case in 0..200 {
            let n = rng.random_range(1..60);
            let k = rng.random_range(1..n + 3);
            // Few distinct values: many exact ties.
            let values: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.random_range(0..12u32)) * 0.25)
                .collect();
            let mut lazy = TopKSum::new(k, values.clone());
            let mut eager = TopKSum::new(k, values);
            for _ in 0..300 {
                let i = rng.random_range(0..n);
                let new = lazy.values[i] * rng.random_range(0.0..1.0f64).round().max(0.5)
                    - if rng.random_bool(0.3) { 0.25 } else { 0.0 };
                let new = new.max(0.0).min(lazy.values[i]);
                lazy.update(i, new);
                eager_update(&mut eager, i, new);
                assert_eq!(lazy.sum().to_bits(), eager.sum().to_bits(), "case {case}");
                assert_eq!(lazy.top, eager.top, "case {case}");
                let mut sorted = lazy.values.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                let brute: f64 = sorted.iter().take(k).sum();
                assert!((lazy.sum() - brute).abs() < 1e-9, "case {case}");
            }
        }
    }
}
