//! The `cascadia` Python package's native module: tables in and out through the Arrow C stream
//! interface (no copy through Python objects), computed with the GIL released, errors as
//! `ValueError` carrying the library's located message (`events: row 17: field `time`: …`).
//!
//! Every table argument is an object with `__arrow_c_stream__` (a pyarrow Table, a polars or
//! pandas ≥ 2.2 DataFrame; the Python layer converts anything else with pyarrow). Every table
//! result is a PyCapsule named `arrow_array_stream` that the Python layer hands to pyarrow.

#![allow(
    unsafe_code,
    reason = "the Arrow C stream interface: a capsule's pointer is taken over once"
)]

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow_schema::SchemaRef;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict};

use cascadia::cascade::{Dedupe, Interner};
use cascadia::influence::output::{tweets_record_batch, tweets_schema, users_record_batch};
use cascadia::influence::{Batch, InfluenceParams, InfluenceSink, Power, Preset, Runner};
use cascadia::io::ReadOptions;
use cascadia::io::columnar::{Batches, ColumnarReader, csv_table, read_node_cascades};
use cascadia::netinf::output::edges_record_batch;
use cascadia::netinf::{
    Inference, Model, NetInfParams, NetInfValidParams, NodeRun, Ties, Weights, merge_runs,
};
use cascadia::threshold::simulate::{Run, ThresholdSource, simulate_cpu};
use cascadia::threshold::{Graph, Weights as ThresholdWeights};

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// The record batches of a table argument (`__arrow_c_stream__`), taken while the GIL is held
/// (a stream backed by Python code needs it); the batches share the producer's buffers.
fn batches_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Batches> {
    let capsule = obj.call_method0("__arrow_c_stream__").map_err(|_| {
        value_error(format!(
            "{what}: expected a table (pyarrow Table, pandas or polars DataFrame)"
        ))
    })?;
    let capsule = capsule.downcast::<PyCapsule>()?;
    if capsule.name()? != Some(STREAM) {
        return Err(value_error(format!(
            "{what}: __arrow_c_stream__ returned a capsule that is not an Arrow stream"
        )));
    }
    let ptr = capsule.pointer() as *mut FFI_ArrowArrayStream;
    // SAFETY: a capsule named "arrow_array_stream" holds an FFI_ArrowArrayStream (the Arrow
    // PyCapsule interface); `from_raw` moves it out and leaves a released stream behind, which
    // the capsule's destructor then ignores.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr) };
    let reader = RecordBatchStreamReader::try_new(stream).map_err(value_error)?;
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader
        .collect::<Result<_, _>>()
        .map_err(|e| value_error(format!("{what}: {e}")))?;
    let iter = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    Ok(Batches::from_reader(what, iter))
}

/// A table result as an Arrow stream capsule.
fn export(py: Python<'_>, schema: SchemaRef, batches: Vec<RecordBatch>) -> PyResult<PyObject> {
    let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    let stream = FFI_ArrowArrayStream::new(Box::new(reader));
    let capsule = PyCapsule::new(py, stream, Some(STREAM.to_owned()))?;
    Ok(capsule.into_any().unbind())
}

/// Collects the tweets table batch by batch, as the CLI writes `tweets.csv`.
struct TweetTable {
    batches: Vec<RecordBatch>,
}

impl InfluenceSink for TweetTable {
    fn batch(&mut self, b: &Batch<'_>) -> cascadia::Result<()> {
        self.batches.push(tweets_record_batch(b));
        Ok(())
    }
}

fn preset_of(name: &str) -> Result<Preset, String> {
    match name {
        "paper" => Ok(Preset::Paper),
        "descendants" => Ok(Preset::Descendants),
        "birdspotter" => Ok(Preset::Birdspotter),
        other => Err(format!(
            "preset {other:?}: expected paper, descendants or birdspotter"
        )),
    }
}

fn dedupe_of(name: &str) -> Result<Dedupe, String> {
    match name {
        "none" => Ok(Dedupe::None),
        "first" => Ok(Dedupe::First),
        "last" => Ok(Dedupe::Last),
        other => Err(format!("dedupe {other:?}: expected none, first or last")),
    }
}

/// Tweet and user influence (`cascadia influence`) of an events table with the columns
/// `cascade_id, time, user_id, followers`. Returns `(tweets, users, skipped)`: two Arrow
/// stream capsules and the messages of the rows skipped (`skip_invalid`).
#[pyfunction]
#[pyo3(signature = (events, preset = "paper", decay = None, social_strength = None, power = None, dedupe = "none", group = true, skip_invalid = false))]
#[allow(
    clippy::too_many_arguments,
    reason = "the Python signature's parameters"
)]
fn influence(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    preset: &str,
    decay: Option<f64>,
    social_strength: Option<f64>,
    power: Option<u8>,
    dedupe: &str,
    group: bool,
    skip_invalid: bool,
) -> PyResult<(PyObject, PyObject, Vec<String>)> {
    let mut p = InfluenceParams::preset(preset_of(preset).map_err(value_error)?);
    if let Some(r) = decay {
        p = p.decay_per_s(r);
    }
    if let Some(b) = social_strength {
        p = p.beta(b);
    }
    if let Some(s) = power {
        p = p.power(match s {
            1 => Power::One,
            2 => Power::Two,
            other => return Err(value_error(format!("power {other}: expected 1 or 2"))),
        });
    }
    let params = p.check().map_err(value_error)?;
    let options = ReadOptions {
        skip_invalid,
        group,
        dedupe: dedupe_of(dedupe).map_err(value_error)?,
    };
    let batches = batches_of(events, "events")?;
    let (tweets, users, skipped) = py
        .allow_threads(|| -> cascadia::Result<_> {
            let source = ColumnarReader::new(batches, options)?;
            let mut sink = TweetTable {
                batches: Vec::new(),
            };
            let mut skipped = Vec::new();
            let result = Runner::new(&params)
                .on_skip(|e| skipped.push(e.to_string()))
                .run(Box::new(source), &mut sink)?;
            let users = users_record_batch(&result.users, &result.names);
            Ok((sink, users, skipped))
        })
        .map_err(value_error)?;
    Ok((
        export(py, tweets_schema(), tweets.batches)?,
        export(py, users.schema(), vec![users])?,
        skipped,
    ))
}

/// The user aggregation of a preset: "mean" or "sum" (for a distributed users table).
#[pyfunction]
#[pyo3(signature = (preset = "paper"))]
fn influence_aggregation(preset: &str) -> PyResult<String> {
    let p = InfluenceParams::preset(preset_of(preset).map_err(value_error)?)
        .check()
        .map_err(value_error)?;
    Ok(format!("{:?}", p.aggregation).to_lowercase())
}

fn model_of(name: &str) -> PyResult<Model> {
    match name {
        "exp" => Ok(Model::Exp),
        "pow" => Ok(Model::Pow),
        "ray" => Ok(Model::Ray),
        other => Err(value_error(format!(
            "model {other:?}: expected exp, pow or ray"
        ))),
    }
}

/// NetInf's parameters: a dict with every key, built by the Python layer
/// (`cascadia._netinf_params`, which holds the defaults).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct NetInfArgs {
    edges: Option<usize>,
    model: String,
    alpha: f64,
    weights: String,
    beta: Option<f64>,
    epsilon: Option<f64>,
    ties: String,
}

impl NetInfArgs {
    /// The library's checked parameters.
    fn check(&self) -> PyResult<NetInfValidParams> {
        let weights = match self.weights.as_str() {
            "snap" => Weights::Snap {
                epsilon: self.epsilon.unwrap_or(1e-64),
            },
            "paper" => Weights::Paper {
                beta: self.beta.unwrap_or(0.5),
                epsilon: self.epsilon.unwrap_or(1e-10),
            },
            other => {
                return Err(value_error(format!(
                    "weights {other:?}: expected snap or paper"
                )));
            }
        };
        let ties = match self.ties.as_str() {
            "first" => Ties::First,
            "last" => Ties::Last,
            other => {
                return Err(value_error(format!(
                    "ties {other:?}: expected first or last"
                )));
            }
        };
        NetInfParams {
            model: model_of(&self.model)?,
            alpha: self.alpha,
            edges: self.edges,
            weights,
            ties,
            ..Default::default()
        }
        .check()
        .map_err(value_error)
    }
}

/// Writes the CLI's `edges.csv` (Parquet or Arrow when the path says so) to `output`, whole
/// or not at all.
fn write_edges_file(
    output: Option<&std::path::Path>,
    data: &cascadia::cascade::NodeCascades,
    inf: &Inference,
) -> cascadia::Result<()> {
    let Some(path) = output else {
        return Ok(());
    };
    let staged = cascadia::io::atomic::write_output(path, |w| {
        cascadia::netinf::output::write_edges(w, data, inf)
    })?;
    cascadia::io::columnar::to_columnar(staged)?.commit()
}

/// NetInf (`cascadia netinf`, the exact CPU greedy) on a cascades table `cascade_id, node,
/// time`. Returns the edges table (an Arrow stream capsule), the CLI's `edges.csv`.
#[pyfunction]
#[pyo3(signature = (cascades, params, output = None))]
fn netinf(
    py: Python<'_>,
    cascades: &Bound<'_, PyAny>,
    params: NetInfArgs,
    output: Option<std::path::PathBuf>,
) -> PyResult<PyObject> {
    let params = params.check()?;
    let batches = batches_of(cascades, "cascades")?;
    let b = py
        .allow_threads(|| -> cascadia::Result<_> {
            let data = read_node_cascades(batches)?;
            let inf = cascadia::netinf::infer(&data, &params, &cascadia::progress::NoProgress)?;
            write_edges_file(output.as_deref(), &data, &inf)?;
            Ok(edges_record_batch(&data, &inf))
        })
        .map_err(value_error)?;
    export(py, b.schema(), vec![b])
}

/// The number of nodes of a cascades table (node indices are `0..n`, in order of first
/// appearance), for splitting NetInf's per-node phase.
#[pyfunction]
fn netinf_nodes(py: Python<'_>, cascades: &Bound<'_, PyAny>) -> PyResult<usize> {
    let batches = batches_of(cascades, "cascades")?;
    py.allow_threads(|| read_node_cascades(batches).map(|d| d.n_nodes()))
        .map_err(value_error)
}

/// NetInf's per-node phase for the nodes `start..end` of a cascades table: their greedy
/// sequences, encoded as bytes for `netinf_merge`.
#[pyfunction]
fn netinf_node_runs<'py>(
    py: Python<'py>,
    cascades: &Bound<'py, PyAny>,
    start: u32,
    end: u32,
    params: NetInfArgs,
) -> PyResult<Bound<'py, PyBytes>> {
    let params = params.check()?;
    let batches = batches_of(cascades, "cascades")?;
    let bytes = py
        .allow_threads(|| -> cascadia::Result<Vec<u8>> {
            let data = read_node_cascades(batches)?;
            let runs = cascadia::netinf::node_runs(&data, &params, start..end)?;
            Ok(NodeRun::encode_all(&runs))
        })
        .map_err(value_error)?;
    Ok(PyBytes::new(py, &bytes))
}

/// NetInf's merge: the encoded runs of every node (from `netinf_node_runs` over disjoint
/// ranges covering all nodes) into the edges table, the same as `netinf` bit for bit.
#[pyfunction]
#[pyo3(signature = (cascades, runs, params, output = None))]
fn netinf_merge(
    py: Python<'_>,
    cascades: &Bound<'_, PyAny>,
    runs: Vec<Vec<u8>>,
    params: NetInfArgs,
    output: Option<std::path::PathBuf>,
) -> PyResult<PyObject> {
    let params = params.check()?;
    let batches = batches_of(cascades, "cascades")?;
    let b = py
        .allow_threads(|| -> Result<_, String> {
            let data = read_node_cascades(batches).map_err(|e| e.to_string())?;
            let mut all = Vec::new();
            for r in &runs {
                all.extend(NodeRun::decode_all(r)?);
            }
            let inf = merge_runs(&data, &params, all).map_err(|e| e.to_string())?;
            write_edges_file(output.as_deref(), &data, &inf).map_err(|e| e.to_string())?;
            Ok(edges_record_batch(&data, &inf))
        })
        .map_err(value_error)?;
    export(py, b.schema(), vec![b])
}

/// The log-likelihood of a network (`cascadia netinf score`): a cascades table and a network
/// table `src, dst` (edges whose nodes never appear in the cascades are counted, not scored).
/// Returns a dict `best_tree, all_trees, objective, edges, edges_with_unknown_nodes`.
#[pyfunction]
fn score<'py>(
    py: Python<'py>,
    cascades: &Bound<'py, PyAny>,
    network: &Bound<'py, PyAny>,
    params: NetInfArgs,
) -> PyResult<Bound<'py, PyDict>> {
    let params = params.check()?;
    let batches = batches_of(cascades, "cascades")?;
    let net = batches_of(network, "network")?;
    let (s, total, unknown) = py
        .allow_threads(|| -> cascadia::Result<_> {
            let data = read_node_cascades(batches)?;
            let pairs = cascadia::io::columnar::read_edges(net)?;
            let total = pairs.len();
            let mut edges: Vec<(u32, u32)> = pairs
                .iter()
                .filter_map(|(a, b)| Some((data.nodes.get(a)?.0, data.nodes.get(b)?.0)))
                .collect();
            let unknown = total - edges.len();
            edges.sort_unstable();
            edges.dedup();
            Ok((
                cascadia::netinf::score::score(&data, &params, &edges),
                total,
                unknown,
            ))
        })
        .map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("best_tree", s.best_tree)?;
    d.set_item("all_trees", s.all_trees)?;
    d.set_item("objective", s.objective)?;
    d.set_item("edges", total)?;
    d.set_item("edges_with_unknown_nodes", unknown)?;
    Ok(d)
}

/// Synthetic retweet cascades (`cascadia synth influence-cascades`): the events table.
#[pyfunction]
#[pyo3(signature = (cascades = 1000, users = 100_000, max_size = 100_000, size_exponent = 1.0, tie_share = 0.05, seed = 1))]
fn synth_influence_cascades(
    py: Python<'_>,
    cascades: u64,
    users: u64,
    max_size: u64,
    size_exponent: f64,
    tie_share: f64,
    seed: u64,
) -> PyResult<PyObject> {
    let cfg = cascadia::synth::influence::SynthConfig {
        cascades,
        users,
        max_size,
        size_exponent,
        tie_share,
        seed,
    };
    let (s, b) = py
        .allow_threads(|| -> Result<_, String> {
            let mut text = Vec::new();
            cascadia::synth::influence::write_cascades(&cfg, &mut text)
                .map_err(|e| e.to_string())?;
            csv_table(&text)
        })
        .map_err(value_error)?;
    export(py, s, b)
}

/// A synthetic network and cascades over it (`cascadia synth graph` + `synth cascades`):
/// `(network, cascades)` tables `src, dst, alpha` and `cascade_id, node, time`.
#[pyfunction]
#[pyo3(signature = (nodes = 1024, edges = None, graph = "kronecker", model = "exp", alpha = 1.0, beta = 0.2, window = 100.0, coverage = 0.99, max_cascades = 1_000_000, seed = 1))]
#[allow(
    clippy::too_many_arguments,
    reason = "the Python signature's parameters"
)]
fn synth_netinf(
    py: Python<'_>,
    nodes: usize,
    edges: Option<usize>,
    graph: &str,
    model: &str,
    alpha: f64,
    beta: f64,
    window: f64,
    coverage: f64,
    max_cascades: usize,
    seed: u64,
) -> PyResult<(PyObject, PyObject)> {
    use cascadia::synth::cascades::{CascadeConfig, cascades_until_coverage};
    use cascadia::synth::graphs;
    use rand::SeedableRng;
    let model = model_of(model)?;
    NetInfParams {
        model,
        alpha,
        ..Default::default()
    }
    .check()
    .map_err(value_error)?;
    if nodes < 2 || !(0.0..=1.0).contains(&beta) || window.is_nan() || window <= 0.0 {
        return Err(value_error(
            "nodes must be >= 2, beta in [0, 1] and window > 0",
        ));
    }
    if !(0.0..=1.0).contains(&coverage) {
        return Err(value_error("coverage must be in [0, 1]"));
    }
    let kron = match graph {
        "kronecker" => {
            if !nodes.is_power_of_two() {
                return Err(value_error(format!(
                    "nodes must be a power of two for a Kronecker graph (got {nodes})"
                )));
            }
            true
        }
        "er" => false,
        other => {
            return Err(value_error(format!(
                "graph {other:?}: expected kronecker or er"
            )));
        }
    };
    let (net, cas) = py
        .allow_threads(|| -> Result<_, String> {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut list = if kron {
                graphs::kronecker(
                    graphs::seeds::CORE_PERIPHERY,
                    nodes.trailing_zeros(),
                    edges,
                    &mut rng,
                )
            } else {
                graphs::erdos_renyi(nodes, edges.unwrap_or(2 * nodes), &mut rng)
            };
            list.sort_unstable();
            let cfg = CascadeConfig {
                model,
                alpha,
                delta: 1.0,
                beta,
                window,
            };
            let all = cascades_until_coverage(nodes, &list, &cfg, coverage, max_cascades, &mut rng);
            let mut net = String::from("src,dst,alpha\n");
            for (u, v) in &list {
                net.push_str(&format!("{u},{v},{alpha}\n"));
            }
            let mut cas = String::from("cascade_id,node,time\n");
            for (k, c) in all.iter().enumerate() {
                for (v, t) in c {
                    cas.push_str(&format!("{k},{v},{t}\n"));
                }
            }
            Ok((csv_table(net.as_bytes())?, csv_table(cas.as_bytes())?))
        })
        .map_err(value_error)?;
    Ok((export(py, net.0, net.1)?, export(py, cas.0, cas.1)?))
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
            let g = Graph::from_edges(ids.clone(), &edges, ThresholdWeights::Uniform)
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

/// The native module.
#[pymodule]
fn _cascadia(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(influence, m)?)?;
    m.add_function(wrap_pyfunction!(influence_aggregation, m)?)?;
    m.add_function(wrap_pyfunction!(netinf, m)?)?;
    m.add_function(wrap_pyfunction!(netinf_nodes, m)?)?;
    m.add_function(wrap_pyfunction!(netinf_node_runs, m)?)?;
    m.add_function(wrap_pyfunction!(netinf_merge, m)?)?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(synth_influence_cascades, m)?)?;
    m.add_function(wrap_pyfunction!(synth_netinf, m)?)?;
    m.add_function(wrap_pyfunction!(threshold_simulate, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
