//! The threshold model's inputs (spec `threshold.md`, Data): the graph `src,dst[,weight]`,
//! thresholds `node,theta`, seeds `cascade_id,node`, activations `cascade_id,node,step` (or
//! `time`, bucketed into steps), features `node,f1,f2,…`. Every reader reports unknown
//! nodes, repeated rows and bad numbers with file, line and field.

use std::path::Path;

use rustc_hash::FxHashMap;

use super::{COLUMN_UNITS, NEVER, need};
use crate::error::{InputErrorKind, Result};
use crate::io::table::{Table, located};

/// How edge weights become influence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weights {
    /// `b_uv = 1 / indeg(v)`: the fraction of active in-neighbours (exact).
    #[default]
    Uniform,
    /// `b_uv = w_uv / Σ_{u'→v} w_u'v` from the graph's `weight` column (2⁻³¹ units).
    Column,
}

/// A directed influence graph (u→v: u influences v) with both adjacency lists and the
/// integer influence units of the module docs.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Node ids by index (first appearance in the edge file).
    pub ids: Vec<String>,
    index: FxHashMap<String, u32>,
    /// Out-edges of node u: `out_ptr[u]..out_ptr[u + 1]` into `out_dst` / `out_q`.
    pub out_ptr: Vec<u32>,
    /// Target of each out-edge (ascending per node).
    pub out_dst: Vec<u32>,
    /// Units of each out-edge.
    pub out_q: Vec<u32>,
    /// In-edges of node v: `in_ptr[v]..in_ptr[v + 1]` into `in_src` / `in_q`.
    pub in_ptr: Vec<u32>,
    /// Source of each in-edge (ascending per node).
    pub in_src: Vec<u32>,
    /// Units of each in-edge.
    pub in_q: Vec<u32>,
    /// Denominator of each node's influence.
    pub den: Vec<u32>,
    /// Units of each node when every in-neighbour is active.
    pub max_units: Vec<u32>,
    /// The weighting.
    pub weights: Weights,
}

impl Graph {
    /// Nodes.
    pub fn n_nodes(&self) -> usize {
        self.ids.len()
    }

    /// Edges.
    pub fn n_edges(&self) -> usize {
        self.out_dst.len()
    }

    /// The index of a node id.
    pub fn node(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Out-edges of `u`.
    pub fn out(&self, u: u32) -> std::ops::Range<usize> {
        self.out_ptr[u as usize] as usize..self.out_ptr[u as usize + 1] as usize
    }

    /// In-edges of `v`.
    pub fn inn(&self, v: u32) -> std::ops::Range<usize> {
        self.in_ptr[v as usize] as usize..self.in_ptr[v as usize + 1] as usize
    }

    /// Influence of `units` on node `v`, as a fraction.
    pub fn influence(&self, v: u32, units: u64) -> f64 {
        units as f64 / f64::from(self.den[v as usize].max(1))
    }

    /// The unit count that activates each node under thresholds `theta` (see [`need`]).
    pub fn needs(&self, theta: &[f64]) -> Vec<u32> {
        theta
            .iter()
            .enumerate()
            .map(|(v, &t)| need(t, self.den[v], self.max_units[v]))
            .collect()
    }

    /// Builds a graph over nodes `0..n` named by `ids` from weighted edges `(u, v, w)`
    /// (`w` ignored with uniform weights).
    ///
    /// # Errors
    /// A self-loop, a duplicate edge, or a non-positive weight (named by its 1-based position
    /// in `edges` as a line of `<edges>`).
    pub fn from_edges(
        ids: Vec<String>,
        edges: &[(u32, u32, f64)],
        weights: Weights,
    ) -> Result<Graph> {
        let lines: Vec<u64> = (0..edges.len() as u64).map(|k| k + 2).collect();
        build(Path::new("<edges>"), ids, edges.to_vec(), &lines, weights)
    }
}

/// Reads the graph. With `reverse`, a row `src,dst` means dst influences src (a follower
/// list "src follows dst").
///
/// # Errors
/// A missing column, a bad row, a self-loop, a duplicate edge, a missing or non-positive
/// weight with [`Weights::Column`]: each with file and line.
pub fn read_graph(path: &Path, weights: Weights, reverse: bool) -> Result<Graph> {
    let t = Table::open(path)?;
    let hint = "the graph is `src,dst[,weight]` (src influences dst)";
    let (cs, cd) = (t.column("src", hint)?, t.column("dst", hint)?);
    let cw = match weights {
        Weights::Uniform => None,
        Weights::Column => Some(t.column(
            "weight",
            "--weights column reads the `weight` column of the graph",
        )?),
    };
    let mut ids = Vec::new();
    let mut index: FxHashMap<String, u32> = FxHashMap::default();
    let mut edges = Vec::new();
    let mut lines = Vec::new();
    t.for_each(|r| {
        let mut intern = |s: &str| -> u32 {
            *index.entry(s.to_string()).or_insert_with(|| {
                ids.push(s.to_string());
                (ids.len() - 1) as u32
            })
        };
        let (a, b) = (intern(r.text(cs)), intern(r.text(cd)));
        let w = match cw {
            Some(c) => r.f64(c, false)?,
            None => 1.0,
        };
        let (u, v) = if reverse { (b, a) } else { (a, b) };
        edges.push((u, v, w));
        lines.push(r.line);
        Ok(())
    })?;
    build(path, ids, edges, &lines, weights)
}

fn build(
    path: &Path,
    ids: Vec<String>,
    mut edges: Vec<(u32, u32, f64)>,
    lines: &[u64],
    weights: Weights,
) -> Result<Graph> {
    let n = ids.len();
    for (k, &(u, v, w)) in edges.iter().enumerate() {
        if u == v {
            return Err(located(
                path,
                lines[k],
                None,
                InputErrorKind::Layout(format!("self-loop on node {:?}", ids[u as usize])),
            ));
        }
        if weights == Weights::Column && w.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(located(
                path,
                lines[k],
                Some("weight"),
                InputErrorKind::Layout(format!(
                    "weight {w} must be positive (drop the row instead of a zero weight)"
                )),
            ));
        }
    }
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_unstable_by_key(|&k| (edges[k].0, edges[k].1, k));
    for w in order.windows(2) {
        let (p, q) = (edges[w[0]], edges[w[1]]);
        if (p.0, p.1) == (q.0, q.1) {
            return Err(located(
                path,
                lines[w[1]],
                None,
                InputErrorKind::Layout(format!(
                    "duplicate edge {:?} -> {:?} (first on line {}); list each edge once",
                    ids[p.0 as usize], ids[p.1 as usize], lines[w[0]]
                )),
            ));
        }
    }
    edges = order.iter().map(|&k| edges[k]).collect();
    let mut g = Graph {
        index: ids
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect(),
        ids,
        weights,
        ..Graph::default()
    };
    // Column sums in f64, in ascending source order.
    let mut wsum = vec![0.0f64; n];
    let mut indeg = vec![0u32; n];
    for &(_, v, w) in &edges {
        wsum[v as usize] += w;
        indeg[v as usize] += 1;
    }
    let q_of = |v: u32, w: f64| -> u32 {
        match weights {
            Weights::Uniform => 1,
            Weights::Column => ((w / wsum[v as usize]) * f64::from(COLUMN_UNITS)).round() as u32,
        }
    };
    g.out_ptr = vec![0; n + 1];
    for &(u, _, _) in &edges {
        g.out_ptr[u as usize + 1] += 1;
    }
    for i in 0..n {
        g.out_ptr[i + 1] += g.out_ptr[i];
    }
    g.out_dst = edges.iter().map(|e| e.1).collect();
    g.out_q = edges.iter().map(|&(_, v, w)| q_of(v, w)).collect();
    g.in_ptr = std::iter::once(0)
        .chain(indeg.iter().scan(0u32, |acc, &d| {
            *acc += d;
            Some(*acc)
        }))
        .collect();
    let mut fill = g.in_ptr.clone();
    g.in_src = vec![0; edges.len()];
    g.in_q = vec![0; edges.len()];
    for (k, &(u, v, _)) in edges.iter().enumerate() {
        let s = &mut fill[v as usize];
        g.in_src[*s as usize] = u;
        g.in_q[*s as usize] = g.out_q[k];
        *s += 1;
    }
    g.den = match weights {
        Weights::Uniform => indeg.clone(),
        Weights::Column => vec![COLUMN_UNITS; n],
    };
    g.max_units = (0..n)
        .map(|v| {
            g.in_q[g.in_ptr[v] as usize..g.in_ptr[v + 1] as usize]
                .iter()
                .fold(0u32, |a, &q| a.saturating_add(q))
        })
        .collect();
    Ok(g)
}

/// A node id of another file that the graph must know.
fn node_of(g: &Graph, r: &crate::io::table::Row<'_>, col: usize) -> Result<u32> {
    let id = r.text(col);
    g.node(id).ok_or_else(|| {
        r.error(
            col,
            InputErrorKind::Layout(format!("node {id:?} is not in the graph")),
        )
    })
}

/// Reads thresholds `node,theta` (`inf` allowed: never activates). Every node of the graph
/// must have one.
///
/// # Errors
/// An unknown or repeated node, a bad number, a node without a threshold.
pub fn read_thresholds(path: &Path, g: &Graph) -> Result<Vec<f64>> {
    read_node_values(path, g, "theta", "thresholds are `node,theta`")
}

/// Reads one value per graph node from column `column` of a table with a `node` column (a
/// thresholds file, or `cascadia threshold estimate`'s output with `theta_hat`).
///
/// # Errors
/// As [`read_thresholds`].
pub fn read_node_values(path: &Path, g: &Graph, column: &str, hint: &str) -> Result<Vec<f64>> {
    let t = Table::open(path)?;
    let (cn, ct) = (t.column("node", hint)?, t.column(column, hint)?);
    let mut theta = vec![f64::NAN; g.n_nodes()];
    let mut line_of = vec![0u64; g.n_nodes()];
    t.for_each(|r| {
        let v = node_of(g, r, cn)?;
        if line_of[v as usize] != 0 {
            return Err(r.row_error(format!(
                "node {:?} has a row already (line {})",
                r.text(cn),
                line_of[v as usize]
            )));
        }
        line_of[v as usize] = r.line;
        theta[v as usize] = r.f64(ct, true)?;
        Ok(())
    })?;
    if let Some(v) = theta.iter().position(|t| t.is_nan()) {
        return Err(located(
            path,
            1,
            None,
            InputErrorKind::Layout(format!(
                "node {:?} of the graph has no `{column}` ({} of {} nodes lack one); give every node a row",
                g.ids[v],
                theta.iter().filter(|t| t.is_nan()).count(),
                g.n_nodes()
            )),
        ));
    }
    Ok(theta)
}

/// Cascades of activations: each cascade's `(node, step)` pairs sorted by (step, node).
#[derive(Clone, Debug, Default)]
pub struct Activations {
    /// Cascade ids, in order of first appearance.
    pub ids: Vec<String>,
    /// Per cascade, `(node, step)` sorted by step then node.
    pub rows: Vec<Vec<(u32, u32)>>,
}

impl Activations {
    /// The activations of simulated runs (kept with `keep`), one cascade per run.
    pub fn from_runs(
        runs: &[super::simulate::Run],
        results: &[super::simulate::RunResult],
    ) -> Self {
        Activations {
            ids: runs.iter().map(|r| r.id.clone()).collect(),
            rows: results.iter().map(|r| r.activations.clone()).collect(),
        }
    }

    /// Cascades.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// No cascade.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The largest step of any cascade (0 without activations).
    pub fn max_step(&self) -> u32 {
        self.rows
            .iter()
            .flat_map(|r| r.iter().map(|p| p.1))
            .max()
            .unwrap_or(0)
    }

    /// Each cascade's step per node ([`NEVER`] where inactive), up to and including `until`.
    pub fn step_of(&self, c: usize, n: usize, until: u32, out: &mut Vec<u32>) {
        out.clear();
        out.resize(n, NEVER);
        for &(v, s) in &self.rows[c] {
            if s <= until {
                out[v as usize] = s;
            }
        }
    }
}

/// How timestamps become steps: `step = floor((time − origin) / width)`.
#[derive(Clone, Copy, Debug)]
pub struct Steps {
    /// Width of one step.
    pub width: f64,
    /// Time of step 0's start.
    pub origin: f64,
}

/// Reads activations `cascade_id,node,step`, or `cascade_id,node,time` bucketed by `steps`
/// (seeds files `cascade_id,node` read with `seeds_only`: every row is step 0).
///
/// # Errors
/// An unknown node, a node activated twice in a cascade, a negative or non-integer step (or
/// a time before the origin), a missing column: each with file, line and field.
pub fn read_activations(
    path: &Path,
    g: &Graph,
    steps: Option<Steps>,
    seeds_only: bool,
) -> Result<Activations> {
    let t = Table::open(path)?;
    let hint = if seeds_only {
        "seeds are `cascade_id,node` (each cascade's step-0 set)"
    } else {
        "activations are `cascade_id,node,step` (seeds at step 0), or `cascade_id,node,time` with --step-width"
    };
    let (cc, cn) = (t.column("cascade_id", hint)?, t.column("node", hint)?);
    enum Col {
        Seeds,
        Step(usize),
        Time(usize, Steps),
    }
    let col = if seeds_only {
        Col::Seeds
    } else if let Some(s) = steps {
        Col::Time(
            t.column("time", "--step-width buckets the `time` column into steps")?,
            s,
        )
    } else {
        Col::Step(t.column("step", hint)?)
    };
    let mut acts = Activations::default();
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    let mut seen: FxHashMap<(usize, u32), u64> = FxHashMap::default();
    t.for_each(|r| {
        let v = node_of(g, r, cn)?;
        let step = match col {
            Col::Seeds => 0,
            Col::Step(c) => r.u32(c)?,
            Col::Time(c, s) => {
                let x = r.f64(c, false)?;
                let k = ((x - s.origin) / s.width).floor();
                if k < 0.0 {
                    return Err(r.row_error(format!(
                        "time {x} is before the origin {} (step {k})",
                        s.origin
                    )));
                }
                if k >= f64::from(u32::MAX) {
                    return Err(r.row_error(format!("time {x} is too many steps after the origin")));
                }
                k as u32
            }
        };
        let cid = r.text(cc);
        let c = *index.entry(cid.to_string()).or_insert_with(|| {
            acts.ids.push(cid.to_string());
            acts.rows.push(Vec::new());
            acts.ids.len() - 1
        });
        if let Some(first) = seen.insert((c, v), r.line) {
            return Err(r.row_error(format!(
                "node {:?} appears twice in cascade {cid:?} (first on line {first}); a node activates once",
                r.text(cn)
            )));
        }
        acts.rows[c].push((v, step));
        Ok(())
    })?;
    for rows in &mut acts.rows {
        rows.sort_unstable_by_key(|&(v, s)| (s, v));
    }
    Ok(acts)
}

/// Numeric node features, one row per node of the graph.
#[derive(Clone, Debug, Default)]
pub struct Features {
    /// Feature names (the header after `node`).
    pub names: Vec<String>,
    /// Row-major values: node v's features at `v * names.len()`.
    pub values: Vec<f64>,
}

impl Features {
    /// Feature `f` of node `v`.
    pub fn get(&self, v: u32, f: usize) -> f64 {
        self.values[v as usize * self.names.len() + f]
    }
}

/// Reads features `node,f1,f2,…` (every graph node once, finite numbers).
///
/// # Errors
/// An unknown or repeated node, a bad number, a graph node without a row, no feature column.
pub fn read_features(path: &Path, g: &Graph) -> Result<Features> {
    let t = Table::open(path)?;
    let cn = t.column("node", "features are `node,f1,f2,...` (numeric)")?;
    let names: Vec<String> = t
        .names
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != cn)
        .map(|(_, s)| s.clone())
        .collect();
    if names.is_empty() {
        return Err(located(
            path,
            1,
            None,
            InputErrorKind::Layout("no feature columns besides `node`".into()),
        ));
    }
    let k = names.len();
    let mut values = vec![f64::NAN; g.n_nodes() * k];
    let mut line_of = vec![0u64; g.n_nodes()];
    let width = t.names.len();
    t.for_each(|r| {
        let v = node_of(g, r, cn)? as usize;
        if line_of[v] != 0 {
            return Err(r.row_error(format!(
                "node {:?} has features already (line {})",
                r.text(cn),
                line_of[v]
            )));
        }
        line_of[v] = r.line;
        let mut f = 0;
        for c in 0..width {
            if c != cn {
                values[v * k + f] = r.f64(c, false)?;
                f += 1;
            }
        }
        Ok(())
    })?;
    if let Some(v) = line_of.iter().position(|&l| l == 0) {
        return Err(located(
            path,
            1,
            None,
            InputErrorKind::Layout(format!(
                "node {:?} of the graph has no features row",
                g.ids[v]
            )),
        ));
    }
    Ok(Features { names, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn graph_units_and_errors() {
        let d = tempfile::tempdir().unwrap();
        let g = read_graph(
            &file(&d, "g.csv", "src,dst,weight\na,c,1\nb,c,3\nc,a,2\n"),
            Weights::Column,
            false,
        )
        .unwrap();
        let c = g.node("c").unwrap();
        assert_eq!(g.den[c as usize], COLUMN_UNITS);
        let qs: Vec<u32> = g.inn(c).map(|e| g.in_q[e]).collect();
        assert_eq!(qs, vec![1 << 29, 3 << 29]);
        let g = read_graph(
            &file(&d, "g.csv", "dst,src\nc,a\nc,b\n"),
            Weights::Uniform,
            false,
        )
        .unwrap();
        assert_eq!(g.den[g.node("c").unwrap() as usize], 2);
        assert_eq!(g.n_edges(), 2);
        let g = read_graph(
            &file(&d, "g.csv", "src,dst\nc,a\nc,b\n"),
            Weights::Uniform,
            true,
        )
        .unwrap();
        assert_eq!(
            g.den[g.node("c").unwrap() as usize],
            2,
            "reversed: a and b influence c"
        );
        for (text, want) in [
            ("src,dst,weight\na,b,1\na,b,1\n", ":3: duplicate edge"),
            ("src,dst,weight\na,a,1\n", ":2: self-loop"),
            ("src\na\n", "missing column `dst`"),
            ("src,dst,weight\na,b,0\n", "field `weight`"),
        ] {
            let err = read_graph(&file(&d, "g.csv", text), Weights::Column, false)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn activation_errors_are_located() {
        let d = tempfile::tempdir().unwrap();
        let g = read_graph(
            &file(&d, "g.csv", "src,dst\na,b\nb,c\n"),
            Weights::Uniform,
            false,
        )
        .unwrap();
        let a = read_activations(
            &file(&d, "a.csv", "cascade_id,node,step\nx,b,1\nx,a,0\ny,c,0\n"),
            &g,
            None,
            false,
        )
        .unwrap();
        assert_eq!(a.ids, vec!["x", "y"]);
        assert_eq!(a.rows[0], vec![(0, 0), (1, 1)]);
        for (text, want) in [
            ("cascade_id,node,step\nx,z,0\n", ":2: field `node`"),
            (
                "cascade_id,node,step\nx,a,0\nx,a,1\n",
                ":3: node \"a\" appears twice",
            ),
            ("cascade_id,node,step\nx,a,-1\n", "negative"),
            ("cascade_id,node,step\nx,a,1.5\n", "field `step`"),
        ] {
            let err = read_activations(&file(&d, "a.csv", text), &g, None, false)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
        let s = Steps {
            width: 10.0,
            origin: 5.0,
        };
        let a = read_activations(
            &file(&d, "a.csv", "cascade_id,node,time\nx,a,5\nx,b,27\n"),
            &g,
            Some(s),
            false,
        )
        .unwrap();
        assert_eq!(a.rows[0], vec![(0, 0), (1, 2)]);
        let th =
            read_thresholds(&file(&d, "t.csv", "node,theta\na,0.5\nb,inf\nc,0\n"), &g).unwrap();
        assert_eq!(th, vec![0.5, f64::INFINITY, 0.0]);
        let err = read_thresholds(&file(&d, "t.csv", "node,theta\na,0.5\n"), &g)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `theta`"), "{err}");
        let f = read_features(&file(&d, "f.csv", "node,x,y\na,1,2\nb,3,4\nc,5,6\n"), &g).unwrap();
        assert_eq!(f.get(2, 1), 6.0);
    }
}
