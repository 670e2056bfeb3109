//! The `cascadia` Python package's native module: columns in, columns out, computed with the
//! GIL released, errors as `ValueError` carrying the library's located message.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use cascadia::cascade::{CascadeSet, Dedupe, Interner};
use cascadia::influence::{InfluenceParams, Power, Preset, UserAggregator, tweet_influence};
use cascadia::threshold::simulate::{Run, ThresholdSource, simulate_cpu};
use cascadia::threshold::{Graph, Weights};

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Tweet columns and user columns of an influence run.
struct InfluenceOut {
    cascade: Vec<String>,
    pos: Vec<u64>,
    user: Vec<String>,
    time: Vec<f64>,
    influence: Vec<f64>,
    u_id: Vec<String>,
    u_events: Vec<u64>,
    u_cascades: Vec<u64>,
    u_influence: Vec<f64>,
    u_percentile: Vec<f64>,
}

#[allow(
    clippy::too_many_arguments,
    reason = "the Python signature's parameters"
)]
fn influence_impl(
    cascade_ids: &[String],
    times: &[f64],
    users: &[String],
    followers: &[f64],
    preset: &str,
    decay: Option<f64>,
    social_strength: Option<f64>,
    power: Option<u8>,
) -> Result<InfluenceOut, String> {
    let n = cascade_ids.len();
    if times.len() != n || users.len() != n || followers.len() != n {
        return Err(format!(
            "columns differ in length: cascade_id {n}, time {}, user_id {}, followers {}",
            times.len(),
            users.len(),
            followers.len()
        ));
    }
    let mut p = InfluenceParams::preset(match preset {
        "paper" => Preset::Paper,
        "descendants" => Preset::Descendants,
        "birdspotter" => Preset::Birdspotter,
        other => {
            return Err(format!(
                "preset {other:?}: expected paper, descendants or birdspotter"
            ));
        }
    });
    if let Some(r) = decay {
        p = p.decay_per_s(r);
    }
    if let Some(b) = social_strength {
        p = p.beta(b);
    }
    if let Some(s) = power {
        p = p.power(if s == 1 { Power::One } else { Power::Two });
    }
    let params = p.check().map_err(|e| e.to_string())?;
    // Rows grouped by cascade in order of first appearance; each cascade sorted stably by
    // time, as the CLI's readers do.
    let mut order: Vec<usize> = (0..n).collect();
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, c) in cascade_ids.iter().enumerate() {
        first.entry(c.as_str()).or_insert(i);
    }
    order.sort_by(|&a, &b| {
        first[cascade_ids[a].as_str()]
            .cmp(&first[cascade_ids[b].as_str()])
            .then(times[a].total_cmp(&times[b]))
    });
    let mut set = CascadeSet::new();
    let mut names = Interner::new();
    let mut i = 0;
    while i < n {
        let c = &cascade_ids[order[i]];
        set.begin_cascade(c);
        while i < n && &cascade_ids[order[i]] == c {
            let k = order[i];
            let u = names.intern(&users[k]);
            set.push_event(times[k], followers[k], u)
                .map_err(|e| format!("row {k} (cascade {c:?}): {e}"))?;
            i += 1;
        }
        set.finish_cascade(Dedupe::None);
    }
    let mut out = InfluenceOut {
        cascade: Vec::with_capacity(n),
        pos: Vec::with_capacity(n),
        user: Vec::with_capacity(n),
        time: Vec::with_capacity(n),
        influence: Vec::with_capacity(n),
        u_id: Vec::new(),
        u_events: Vec::new(),
        u_cascades: Vec::new(),
        u_influence: Vec::new(),
        u_percentile: Vec::new(),
    };
    let mut agg = UserAggregator::new();
    let mut scratch = Default::default();
    for c in set.iter() {
        let mut phi = vec![0.0; c.len()];
        tweet_influence(c, &params, &mut scratch, &mut phi).map_err(|e| e.to_string())?;
        agg.add_cascade(c.users, &phi);
        for (k, &f) in phi.iter().enumerate() {
            out.cascade.push(c.name.to_string());
            out.pos.push(k as u64);
            out.user.push(names.name(c.users[k]).to_string());
            out.time.push(c.times[k]);
            out.influence.push(f);
        }
    }
    for u in agg.finish(params.aggregation) {
        out.u_id.push(names.name(u.user).to_string());
        out.u_events.push(u.events);
        out.u_cascades.push(u.cascades);
        out.u_influence.push(u.influence);
        out.u_percentile.push(u.percentile);
    }
    Ok(out)
}

/// Tweet and user influence (`cascadia influence`) from four equal-length columns. Returns
/// `(tweets, users)` as dicts of lists: tweets `cascade_id,pos,user_id,time,influence` in
/// cascade order (first appearance) and time order; users
/// `user_id,events,cascades,influence,percentile` in the library's order.
#[pyfunction]
#[pyo3(signature = (cascade_ids, times, users, followers, preset = "paper", decay = None, social_strength = None, power = None))]
#[allow(
    clippy::too_many_arguments,
    reason = "the Python signature's parameters"
)]
fn influence<'py>(
    py: Python<'py>,
    cascade_ids: Vec<String>,
    times: Vec<f64>,
    users: Vec<String>,
    followers: Vec<f64>,
    preset: &str,
    decay: Option<f64>,
    social_strength: Option<f64>,
    power: Option<u8>,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
    let preset = preset.to_string();
    let out = py
        .allow_threads(|| {
            influence_impl(
                &cascade_ids,
                &times,
                &users,
                &followers,
                &preset,
                decay,
                social_strength,
                power,
            )
        })
        .map_err(value_error)?;
    let tweets = PyDict::new(py);
    tweets.set_item("cascade_id", out.cascade)?;
    tweets.set_item("pos", out.pos)?;
    tweets.set_item("user_id", out.user)?;
    tweets.set_item("time", out.time)?;
    tweets.set_item("influence", out.influence)?;
    let us = PyDict::new(py);
    us.set_item("user_id", out.u_id)?;
    us.set_item("events", out.u_events)?;
    us.set_item("cascades", out.u_cascades)?;
    us.set_item("influence", out.u_influence)?;
    us.set_item("percentile", out.u_percentile)?;
    Ok((tweets, us))
}

/// Activation rows: run, node, step.
type Activations = (Vec<u64>, Vec<String>, Vec<u32>);

/// Linear-threshold simulation (`cascadia threshold simulate`): edges `src → dst` (src
/// influences dst, uniform weights), fixed thresholds per node (`thresholds`, a dict; nodes
/// missing from it never activate) or uniform draws (`thresholds=None`, seeded), one run per
/// seed set. Returns `(run, node, step)` rows as a dict of lists.
#[pyfunction]
#[pyo3(signature = (src, dst, seed_sets, thresholds = None, steps = 8, seed = 0))]
fn threshold_simulate<'py>(
    py: Python<'py>,
    src: Vec<String>,
    dst: Vec<String>,
    seed_sets: Vec<Vec<String>>,
    thresholds: Option<std::collections::HashMap<String, f64>>,
    steps: u32,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    if src.len() != dst.len() {
        return Err(value_error(format!(
            "src has {} rows, dst {}",
            src.len(),
            dst.len()
        )));
    }
    let rows = py
        .allow_threads(|| -> Result<Activations, String> {
            let mut index = Interner::new();
            let edges: Vec<(u32, u32, f64)> = src
                .iter()
                .zip(&dst)
                .map(|(a, b)| (index.intern(a).0, index.intern(b).0, 1.0))
                .collect();
            let mut runs = Vec::new();
            for (r, set) in seed_sets.iter().enumerate() {
                let mut seeds = Vec::new();
                for s in set {
                    seeds.push(
                        index
                            .get(s)
                            .ok_or_else(|| format!("seed set {r}: node {s:?} is not in the graph"))?
                            .0,
                    );
                }
                runs.push(Run {
                    id: r.to_string(),
                    seeds,
                    draw: r as u64,
                });
            }
            let ids: Vec<String> = index.names_from(0).map(String::from).collect();
            let g = Graph::from_edges(ids.clone(), &edges, Weights::Uniform)
                .map_err(|e| e.to_string())?;
            let source = match &thresholds {
                Some(t) => ThresholdSource::Fixed(
                    ids.iter()
                        .map(|id| t.get(id).copied().unwrap_or(f64::INFINITY))
                        .collect(),
                ),
                None => ThresholdSource::Uniform { seed },
            };
            let res = simulate_cpu(&g, &source, &runs, steps, true);
            let (mut run, mut node, mut step) = (Vec::new(), Vec::new(), Vec::new());
            for (r, x) in res.iter().enumerate() {
                for &(v, s) in &x.activations {
                    run.push(r as u64);
                    node.push(ids[v as usize].clone());
                    step.push(s);
                }
            }
            Ok((run, node, step))
        })
        .map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("run", rows.0)?;
    d.set_item("node", rows.1)?;
    d.set_item("step", rows.2)?;
    Ok(d)
}

/// NetInf (`cascadia netinf`, exact greedy, CPU): infection rows `cascade_id,node,time` (rows
/// of a cascade may be interleaved; nodes named in order of first appearance, as the CLI's
/// reader). Returns the selected edges `rank,src,dst,gain,objective,bound,vol,median_dt,
/// mean_dt,p_value` as a dict of lists.
#[pyfunction]
#[pyo3(signature = (cascade_ids, nodes, times, edges = None, model = "exp", alpha = 1.0))]
#[allow(
    clippy::too_many_arguments,
    reason = "the Python signature's parameters"
)]
fn netinf<'py>(
    py: Python<'py>,
    cascade_ids: Vec<String>,
    nodes: Vec<String>,
    times: Vec<f64>,
    edges: Option<usize>,
    model: &str,
    alpha: f64,
) -> PyResult<Bound<'py, PyDict>> {
    use cascadia::netinf::{Model, NetInfParams};
    if nodes.len() != cascade_ids.len() || times.len() != cascade_ids.len() {
        return Err(value_error(format!(
            "columns differ in length: cascade_id {}, node {}, time {}",
            cascade_ids.len(),
            nodes.len(),
            times.len()
        )));
    }
    let model = match model {
        "exp" => Model::Exp,
        "pow" => Model::Pow,
        "ray" => Model::Ray,
        other => {
            return Err(value_error(format!(
                "model {other:?}: expected exp, pow or ray"
            )));
        }
    };
    let params = NetInfParams {
        model,
        alpha,
        edges,
        ..Default::default()
    }
    .check()
    .map_err(value_error)?;
    let (names, steps) = py
        .allow_threads(
            || -> Result<(Vec<String>, Vec<cascadia::netinf::Step>), String> {
                // Nodes and cascades numbered in order of first appearance, as the reader.
                let (mut index, mut cindex) = (Interner::new(), Interner::new());
                let mut cascades: Vec<Vec<(u32, f64)>> = Vec::new();
                for ((c, v), &t) in cascade_ids.iter().zip(&nodes).zip(&times) {
                    let node = index.intern(v).0;
                    let k = cindex.intern(c).index();
                    if k == cascades.len() {
                        cascades.push(Vec::new());
                    }
                    cascades[k].push((node, t));
                }
                let names: Vec<String> = index.names_from(0).map(String::from).collect();
                let data = cascadia::cascade::NodeCascades::from_cascades(names.len(), &cascades)
                    .map_err(|e| e.to_string())?;
                let inf = cascadia::netinf::infer(&data, &params, &cascadia::progress::NoProgress)
                    .map_err(|e| e.to_string())?;
                Ok((names, inf.steps))
            },
        )
        .map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("rank", (1..=steps.len()).collect::<Vec<usize>>())?;
    d.set_item(
        "src",
        steps
            .iter()
            .map(|s| names[s.src as usize].clone())
            .collect::<Vec<_>>(),
    )?;
    d.set_item(
        "dst",
        steps
            .iter()
            .map(|s| names[s.dst as usize].clone())
            .collect::<Vec<_>>(),
    )?;
    d.set_item("gain", steps.iter().map(|s| s.gain).collect::<Vec<_>>())?;
    d.set_item(
        "objective",
        steps.iter().map(|s| s.objective).collect::<Vec<_>>(),
    )?;
    d.set_item("bound", steps.iter().map(|s| s.bound).collect::<Vec<_>>())?;
    d.set_item("vol", steps.iter().map(|s| s.vol).collect::<Vec<_>>())?;
    d.set_item(
        "median_dt",
        steps.iter().map(|s| s.median_dt).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "mean_dt",
        steps.iter().map(|s| s.mean_dt).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "p_value",
        steps.iter().map(|s| s.p_value).collect::<Vec<_>>(),
    )?;
    Ok(d)
}

/// The native module.
#[pymodule]
fn _cascadia(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(influence, m)?)?;
    m.add_function(wrap_pyfunction!(threshold_simulate, m)?)?;
    m.add_function(wrap_pyfunction!(netinf, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
