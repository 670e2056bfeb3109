//! `cascadia bench influence`: in-memory throughput per algorithm and cascade size, and an
//! end-to-end run from a generated CSV, printed as a table with the machine line.
//! `cascadia bench survival`: the survival fit by data size, threads and backend.

use anyhow::{Context, Result};
use cascadia::Backend;
use cascadia::cascade::CascadeSet;
use cascadia::influence::output::TweetCsvWriter;
use cascadia::influence::{
    self, Algorithm, InfluenceParams, InfluenceSink, InfluenceValidParams, RunOptions, Runner,
    cpu::LinearScratch,
};
use cascadia::io::{Format, ReadOptions, open_cascades};
use cascadia::synth::influence::{SynthConfig, cascade_events, write_cascades};
use clap::{Args, Subcommand};
use std::io::BufWriter;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Influence: events/s per algorithm and cascade size (one core), and end to end.
    Influence(InfluenceBenchArgs),
    /// Survival models: fit time to the certificate on synthetic additive data (Erdős–Rényi
    /// networks, α ~ U[0.02, 0.1], window 40, as many cascades as nodes) or on --input, with 1
    /// thread and all threads, and the GPU warm start with --backend gpu.
    Survival(SurvivalBenchArgs),
    /// Threshold model: simulation throughput (runs·edges/s) of the CPU engine (all cores) and
    /// the GPU engine on a directed Erdős–Rényi graph, θ ~ U[0,1) per run, the same
    /// activations checked on both.
    Threshold(ThresholdBenchArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ThresholdBenchArgs {
    /// Nodes.
    #[arg(long, default_value_t = 100_000)]
    nodes: usize,
    /// Directed edges (uniform weights).
    #[arg(long, default_value_t = 1_000_000)]
    edges: usize,
    /// Run counts to time, comma-separated (cost grows linearly in runs).
    #[arg(long, value_delimiter = ',', default_value = "100,1000,10000")]
    runs: Vec<u64>,
    /// Rounds after the seeds.
    #[arg(long, default_value_t = 8)]
    steps: u32,
    /// Share of nodes seeding each run.
    #[arg(long, default_value_t = 0.01)]
    seed_fraction: f64,
    /// Also time the GPU engine (`gpu`).
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BenchBackend,
    /// Write the table as JSON too.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct SurvivalBenchArgs {
    /// Network sizes (nodes; 2 edges per node, one cascade per node), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    sizes: Vec<usize>,
    /// Measure this cascade file instead (SNAP text or long CSV; needs --window).
    #[arg(long, requires = "window")]
    input: Option<std::path::PathBuf>,
    /// Observation window of --input.
    #[arg(long)]
    window: Option<f64>,
    /// Repeats per configuration (the best is reported).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Also time the GPU warm start (`gpu`; needs a GPU with f64).
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BenchBackend,
}

#[derive(Debug, Args)]
pub(crate) struct InfluenceBenchArgs {
    /// Cascade sizes for the in-memory table (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10,100,1000,10000,100000"
    )]
    sizes: Vec<usize>,
    /// Largest size run with the O(n^2) back substitution.
    #[arg(long, default_value_t = 10_000)]
    max_backsub: usize,
    /// Largest size run with the O(n^3) recursion.
    #[arg(long, default_value_t = 1000)]
    max_recursion: usize,
    /// Events of the end-to-end run (generate a CSV, then read, compute and write it); 0 skips.
    #[arg(long, default_value_t = 2_000_000)]
    e2e_events: u64,
    /// Run the end-to-end rows on this CSV (long format) instead of a generated one.
    #[arg(long, value_name = "FILE")]
    input: Option<std::path::PathBuf>,
    /// Seconds to spend per in-memory measurement (at least one run).
    #[arg(long, default_value_t = 0.3)]
    seconds: f64,
    /// `gpu`: also time the GPU kernels (linear, its scan form, recursion) against the
    /// multi-threaded CPU on the same batches, through the run driver's batch step (packing,
    /// upload and read-back included). `cpu`: the CPU tables only.
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BenchBackend,
    /// Same as --backend gpu.
    #[arg(long, hide = true)]
    gpu: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum BenchBackend {
    /// The CPU tables only.
    Cpu,
    /// The CPU tables and the GPU-vs-CPU table.
    Gpu,
}

pub(crate) fn machine_line() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "{cpu}, {cores} cores, cascadia {} (CPU backend, f64)",
        env!("CARGO_PKG_VERSION")
    )
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub(crate) fn run(cmd: BenchCommand) -> Result<ExitCode> {
    let a = match cmd {
        BenchCommand::Influence(a) => a,
        BenchCommand::Survival(a) => return survival(a),
        BenchCommand::Threshold(a) => return threshold(a),
    };
    println!("# cascadia bench influence");
    println!("machine: {}", machine_line());
    println!(
        "command: cascadia bench influence --sizes {} --e2e-events {}{}",
        a.sizes
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(","),
        a.e2e_events,
        a.input
            .as_ref()
            .map_or(String::new(), |p| format!(" --input {}", p.display()))
    );
    println!();
    println!("| algorithm | events n | time per cascade | events/s (1 core) | vs linear |");
    println!("|---|---:|---:|---:|---:|");
    let params = InfluenceParams::default().check()?;
    for &n in &a.sizes {
        let set = CascadeSet::from_events("bench", &cascade_events(n, 42)).expect("valid events");
        let c = set.get(0);
        let mut out = vec![0.0; n];
        let mut linear_t = None;
        for algo in [Algorithm::Linear, Algorithm::Backsub, Algorithm::Recursion] {
            let limit = match algo {
                Algorithm::Linear => usize::MAX,
                Algorithm::Backsub => a.max_backsub,
                Algorithm::Recursion => a.max_recursion,
            };
            if n > limit {
                continue;
            }
            let p = params.clone().with_algorithm(algo);
            let mut scratch = LinearScratch::default();
            let start = Instant::now();
            let mut reps = 0u64;
            while reps == 0 || start.elapsed().as_secs_f64() < a.seconds {
                influence::tweet_influence(c, &p, &mut scratch, &mut out)?;
                reps += 1;
            }
            let per = start.elapsed().as_secs_f64() / reps as f64;
            if algo == Algorithm::Linear {
                linear_t = Some(per);
            }
            let ratio = linear_t.map_or(String::from("-"), |l| format!("{:.0}x slower", per / l));
            let ratio = if algo == Algorithm::Linear {
                "**1x**".to_string()
            } else {
                ratio
            };
            println!(
                "| {algo:?} | {n} | {} | {:.3e} | {ratio} |",
                fmt_time(per),
                n as f64 / per
            );
        }
    }
    if a.gpu || a.backend == BenchBackend::Gpu {
        gpu_table(a.seconds)?;
    }
    if a.e2e_events > 0 || a.input.is_some() {
        let dir = tempfile::tempdir().context("creating a temporary directory")?;
        let output = dir.path().join("tweets.csv");
        let input = match &a.input {
            Some(path) => path.clone(),
            None => {
                let input = dir.path().join("bench.csv");
                // Cascades of mean size ~10: choose the count to reach about e2e_events events.
                let cfg = SynthConfig {
                    cascades: a.e2e_events / 10,
                    max_size: 100_000,
                    seed: 7,
                    ..Default::default()
                };
                let mut w = BufWriter::new(std::fs::File::create(&input)?);
                write_cascades(&cfg, &mut w)?;
                drop(w);
                input
            }
        };
        let bytes = std::fs::metadata(&input)
            .with_context(|| format!("reading {}", input.display()))?
            .len();
        let input_str = input.to_str().context("a UTF-8 input path")?;
        // Each stage alone, one after the other on one thread: read (parse, intern users,
        // sort cascades: the reader thread's work), compute (influence, expected parents, user
        // sums) and format tweets.csv (into a sink that drops it).
        let stages = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()?
            .install(|| stage_times(input_str, &params))?;
        let source = open_cascades(input_str, Format::Csv, ReadOptions::default())?;
        let mut sink = TweetCsvWriter::new(
            BufWriter::with_capacity(1 << 20, std::fs::File::create(&output)?),
            &output,
        );
        let start = Instant::now();
        let run = Runner::new(&params).run(source, &mut sink)?;
        let (summary, users) = (run.summary, run.users);
        sink.into_inner()?;
        let secs = start.elapsed().as_secs_f64();
        println!();
        println!(
            "| end to end (read CSV, compute, write tweets.csv) | events | cascades | users | input MiB | time | events/s | peak RSS MiB |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (stage, secs) in [
            ("read only (parse, intern users, sort)", stages.read),
            (
                "compute only (influence, parents, user sums)",
                stages.compute,
            ),
            ("format tweets.csv only", stages.format),
        ] {
            println!(
                "| {stage}, 1 thread | {} | {} | {} | {:.0} | {:.2} s | {:.3e} | |",
                stages.events,
                stages.cascades,
                stages.users,
                bytes as f64 / 1048576.0,
                secs,
                stages.events as f64 / secs,
            );
        }
        println!(
            "| linear, {} threads | {} | {} | {} | {:.0} | {:.2} s | {:.3e} | {} |",
            summary.threads,
            summary.events,
            summary.cascades,
            users.len(),
            bytes as f64 / 1048576.0,
            secs,
            summary.events as f64 / secs,
            peak_rss_mib().map_or("?".into(), |m| format!("{m:.0}"))
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Seconds of each stage of a run, timed one after the other on the current thread pool.
struct Stages {
    read: f64,
    compute: f64,
    format: f64,
    events: u64,
    cascades: u64,
    users: usize,
}

fn stage_times(input: &str, params: &InfluenceValidParams) -> Result<Stages> {
    let mut source = open_cascades(input, Format::Csv, ReadOptions::default())?;
    let (mut set, mut interner) = (CascadeSet::new(), cascadia::cascade::Interner::new());
    let mut names = cascadia::cascade::StrList::default();
    let mut sink = TweetCsvWriter::new(std::io::sink(), std::path::Path::new("(none)"));
    let mut users = influence::UserAggregator::new();
    let (mut influence, mut parents) = (Vec::new(), Vec::new());
    let mut t = Stages {
        read: 0.0,
        compute: 0.0,
        format: 0.0,
        events: 0,
        cascades: 0,
        users: 0,
    };
    let mut end = false;
    while !end {
        let start = Instant::now();
        set.clear();
        while set.n_events() < RunOptions::default().batch_events {
            if source.next_cascade(&mut set, &mut interner)?.is_none() {
                end = true;
                break;
            }
        }
        t.read += start.elapsed().as_secs_f64();
        t.events += set.n_events() as u64;
        t.cascades += set.len() as u64;
        let start = Instant::now();
        influence.clear();
        influence.resize(set.n_events(), 0.0);
        parents.clear();
        parents.resize(set.n_events(), 0);
        influence::compute_batch(&set, params, &Backend::Cpu, &mut influence, &mut parents)?;
        users.add_batch(&set, &influence);
        t.compute += start.elapsed().as_secs_f64();
        for name in interner.names_from(names.len()) {
            names.push(name);
        }
        let start = Instant::now();
        sink.batch(&influence::Batch::new(&set, &influence, &parents, &names))?;
        t.format += start.elapsed().as_secs_f64();
    }
    sink.into_inner()?;
    t.users = interner.len();
    Ok(t)
}

fn fmt_time(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.1} us", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// Batch throughput of the run driver's batch step (`influence::compute_batch`: tweet
/// influence on the backend plus expected parents on the CPU), GPU vs CPU on identical batches.
fn gpu_table(seconds: f64) -> Result<()> {
    let gpu_backend = cascadia::BackendChoice::Gpu
        .resolve(cascadia::backend::AutoRule::HardwareGpu)?
        .backend;
    println!();
    println!("GPU adapter: {}", gpu_backend.adapter().unwrap_or_default());
    if gpu_backend.is_software() {
        println!("(software Vulkan: these are CPU timings of the shader, not GPU timings)");
    }
    println!();
    println!(
        "| algorithm | batch (cascades x events) | CPU events/s ({} threads, f64) | GPU events/s (f32 kernels incl. packing, upload + read-back) | GPU / CPU |",
        rayon::current_num_threads()
    );
    println!("|---|---|---:|---:|---:|");
    let linear = InfluenceParams::default().check()?;
    let recursion = linear
        .clone()
        .with_algorithm(influence::Algorithm::Recursion);
    for (params, cascades, n) in [
        (&linear, 100_000usize, 10usize),
        (&linear, 1_000, 1_000),
        (&linear, 8, 16_384),
        (&linear, 1, 1_000_000),
        (&recursion, 1_000, 30),
        (&recursion, 20, 300),
        (&recursion, 2, 1_000),
    ] {
        let set = cascadia::synth::influence::batch_set(cascades, n);
        let events = set.n_events() as f64;
        let mut out = vec![0.0; set.n_events()];
        let time = |f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
            let start = Instant::now();
            let mut reps = 0u32;
            while reps == 0 || start.elapsed().as_secs_f64() < seconds {
                f()?;
                reps += 1;
            }
            Ok(start.elapsed().as_secs_f64() / f64::from(reps))
        };
        // The run driver's own batch step, on each backend: the same work the CLI does.
        let mut parents = vec![0i64; set.n_events()];
        let mut batch = |backend: &Backend| -> Result<()> {
            Ok(influence::compute_batch(
                &set,
                params,
                backend,
                &mut out,
                &mut parents,
            )?)
        };
        let cpu = time(&mut || batch(&Backend::Cpu))?;
        let gpu = time(&mut || batch(&gpu_backend))?;
        println!(
            "| {:?} | {cascades} x {n} | {:.3e} | {:.3e} | {:.2} |",
            params.algorithm,
            events / cpu,
            events / gpu,
            cpu / gpu
        );
    }
    Ok(())
}

/// `cascadia bench survival`: one row per data set and configuration.
fn survival(a: SurvivalBenchArgs) -> Result<ExitCode> {
    use cascadia::cascade::NodeCascades;
    use cascadia::progress::NoProgress;
    use cascadia::survival::simulate::{log_term_entries, scaling_data};
    use cascadia::survival::{SurvivalParams, fit_with};
    anyhow::ensure!(a.repeats >= 1, "--repeats must be >= 1");
    println!("# cascadia bench survival");
    println!("machine: {}", machine_line());
    let mut sets: Vec<(String, NodeCascades, f64)> = Vec::new();
    if let Some(p) = &a.input {
        let data =
            cascadia::io::snap_text::read_netinf(p, cascadia::io::snap_text::NetInfFormat::Auto)?;
        sets.push((
            p.display().to_string(),
            data,
            a.window.expect("required by clap"),
        ));
    } else {
        for &n in &a.sizes {
            anyhow::ensure!(n >= 2, "--sizes: a network needs at least 2 nodes");
            let data = scaling_data(n, n)?;
            sets.push((format!("ER {n} nodes"), data, 40.0));
        }
    }
    let gpu = match a.backend {
        BenchBackend::Cpu => None,
        BenchBackend::Gpu => {
            let ctx = cascadia::gpu::Context::shared()?;
            println!(
                "gpu: {}{}",
                ctx.describe(),
                if ctx.is_software() {
                    " (a software device: not GPU timings)"
                } else {
                    ""
                }
            );
            Some(Backend::Gpu(ctx))
        }
    };
    let all = rayon::current_num_threads();
    println!();
    println!(
        "| data | cascades | events | log-term entries | variables | backend | threads | fit (best of {}) | entries/s | Newton steps |",
        a.repeats
    );
    println!("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    for (name, data, window) in &sets {
        let params = SurvivalParams {
            window: Some(*window),
            ..Default::default()
        }
        .check()?;
        let entries = log_term_entries(data);
        let mut configs: Vec<(&str, usize, &Backend)> = vec![("cpu", 1, &Backend::Cpu)];
        if all > 1 {
            configs.push(("cpu", all, &Backend::Cpu));
        }
        if let Some(g) = &gpu {
            configs.push(("gpu", all, g));
        }
        for (label, threads, backend) in configs {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()?;
            let mut best = f64::INFINITY;
            let mut stats = None;
            for _ in 0..a.repeats {
                let t = Instant::now();
                let fit = pool.install(|| fit_with(data, &params, &NoProgress, backend))?;
                best = best.min(t.elapsed().as_secs_f64());
                anyhow::ensure!(
                    fit.stats.not_optimal == 0,
                    "{name}: {} nodes not certified",
                    fit.stats.not_optimal
                );
                stats = Some(fit.stats);
            }
            let st = stats.expect("at least one repeat");
            println!(
                "| {name} | {} | {} | {entries} | {} | {label} | {threads} | {} | {:.3e} | {} |",
                data.cascades.len(),
                data.cascades.n_events(),
                st.variables,
                fmt_time(best),
                entries as f64 / best,
                st.iterations
            );
        }
    }
    if let Some(mib) = peak_rss_mib() {
        println!();
        println!("peak RSS {mib:.0} MiB");
    }
    Ok(ExitCode::SUCCESS)
}

fn threshold(a: ThresholdBenchArgs) -> Result<ExitCode> {
    use cascadia::threshold::simulate::{Run, ThresholdSource, random_seeds, simulate_cpu};
    use cascadia::threshold::{Graph, Weights};
    use rand::SeedableRng;
    anyhow::ensure!(a.nodes >= 2, "--nodes must be at least 2");
    println!("# cascadia bench threshold");
    println!("machine: {}", machine_line());
    let t = Instant::now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let pairs = cascadia::synth::graphs::erdos_renyi(a.nodes, a.edges, &mut rng);
    let edges: Vec<(u32, u32, f64)> = pairs.iter().map(|&(u, v)| (u, v, 1.0)).collect();
    let g = Graph::from_edges(
        (0..a.nodes).map(|i| i.to_string()).collect(),
        &edges,
        Weights::Uniform,
    )?;
    drop(edges);
    println!(
        "graph: directed Erdős–Rényi, {} nodes, {} edges (built in {:.1} s); θ ~ U[0,1) per run and node; {} % seeds; {} steps",
        g.n_nodes(),
        g.n_edges(),
        t.elapsed().as_secs_f64(),
        100.0 * a.seed_fraction,
        a.steps
    );
    let ctx = match a.backend {
        BenchBackend::Gpu => Some(cascadia::gpu::Context::shared()?),
        BenchBackend::Cpu => None,
    };
    if let Some(c) = &ctx {
        println!(
            "gpu: {}{}",
            c.describe(),
            if c.is_software() {
                " (software: not GPU timings)"
            } else {
                ""
            }
        );
    }
    println!();
    println!(
        "| runs | mean active at the end | CPU s | CPU runs·edges/s | GPU s | GPU runs·edges/s | GPU / CPU | GPU batches | GPU s in submissions | GPU host s | bytes up | bytes down |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let source = ThresholdSource::Uniform { seed: 3 };
    let k = (a.seed_fraction * a.nodes as f64).round() as usize;
    let mut rows = Vec::new();
    for &r in &a.runs {
        let runs: Vec<Run> = (0..r)
            .map(|i| Run {
                id: i.to_string(),
                seeds: random_seeds(a.nodes, k, 5, i),
                draw: i,
            })
            .collect();
        let t = Instant::now();
        let cpu = simulate_cpu(&g, &source, &runs, a.steps, false);
        let cpu_s = t.elapsed().as_secs_f64();
        let work = r as f64 * g.n_edges() as f64;
        let active: f64 = cpu
            .iter()
            .map(|x| x.new_per_step.iter().map(|&c| f64::from(c)).sum::<f64>())
            .sum::<f64>()
            / r.max(1) as f64;
        let mut row = serde_json::json!({"runs": r, "mean_active": active, "cpu_seconds": cpu_s, "cpu_runs_edges_per_s": work / cpu_s});
        let gpu_cells = if let Some(c) = &ctx {
            let mut st = cascadia::threshold::gpu::GpuStats::default();
            let t = Instant::now();
            let gpu =
                cascadia::threshold::gpu::simulate(c, &g, &source, &runs, a.steps, false, &mut st)?;
            let gpu_s = t.elapsed().as_secs_f64();
            anyhow::ensure!(
                gpu == cpu,
                "the GPU's activations differ from the CPU's at {r} runs"
            );
            row["gpu_seconds"] = serde_json::json!(gpu_s);
            row["gpu_runs_edges_per_s"] = serde_json::json!(work / gpu_s);
            row["gpu"] = serde_json::to_value(&st)?;
            format!(
                "{gpu_s:.3} | {:.3e} | {:.2} | {} | {:.3} | {:.3} | {} | {}",
                work / gpu_s,
                cpu_s / gpu_s,
                st.batches,
                st.seconds_device,
                st.seconds_host,
                st.bytes_up,
                st.bytes_down
            )
        } else {
            "- | - | - | - | - | - | - | -".to_string()
        };
        println!(
            "| {r} | {active:.1} | {cpu_s:.3} | {:.3e} | {gpu_cells} |",
            work / cpu_s
        );
        rows.push(row);
    }
    if let Some(p) = &a.json {
        let mut outputs = super::output::Outputs::default();
        outputs.json(p, &serde_json::json!({"machine": machine_line(), "nodes": g.n_nodes(), "edges": g.n_edges(), "steps": a.steps, "seed_fraction": a.seed_fraction, "rows": rows}))?;
        outputs.commit()?;
    }
    Ok(ExitCode::SUCCESS)
}
