//! The streaming driver: read → compute → sink, in bounded batches, in input order.
//!
//! A reader thread parses the input into batches of whole cascades (at least
//! `batch_events` events each, or one cascade if it is larger) while the calling thread
//! computes the previous batch with rayon and hands it to the sink. Two batches are in flight
//! at most, so memory is O(batch + largest cascade + users), never O(events).

use super::Algorithm;
use super::cpu::{LinearScratch, expected_parents};
use super::packing::{self, split_lens};
use super::tweet_influence;
use super::users::{UserAggregator, UserInfluence};
use crate::backend::Backend;
use crate::cascade::{CascadeSet, Interner, StrList};
use crate::error::{Error, InputError, Result};
use crate::influence::InfluenceValidParams;
use crate::io::CascadeSource;
use crate::progress::Progress;
use compact_str::CompactString;
use rayon::prelude::*;
use serde::Serialize;
use std::sync::mpsc;
use std::time::Instant;

/// Options of the driver.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// A batch closes once it holds at least this many events (default 131,072: fewer, larger
    /// batches cost less to hand to the workers; about 8 MB in flight).
    pub batch_events: usize,
    /// Where tweet influences are computed: the CPU (f64, default), or a GPU (`--algo
    /// linear` or `recursion`, f32; see `influence::gpu`). Expected parents are always
    /// computed on the CPU.
    pub backend: Backend,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            batch_events: 1 << 17,
            backend: Backend::Cpu,
        }
    }
}

/// One computed batch, handed to an [`InfluenceSink`].
#[derive(Debug)]
pub struct Batch<'a> {
    /// The cascades (events sorted by time within each).
    pub cascades: &'a CascadeSet,
    /// Tweet influence per event, laid out as `cascades` (flat, by `offsets`).
    pub influence: &'a [f64],
    /// Expected parent per event (position within its cascade, `-1` for the root).
    pub parents: &'a [i64],
    /// Names of every user id seen so far, by index (the reader's interner, mirrored).
    pub(crate) names: &'a StrList,
}

impl<'a> Batch<'a> {
    /// A batch of `cascades` with their results; `names` names (at least) every user of
    /// `cascades`, by user index.
    pub fn new(
        cascades: &'a CascadeSet,
        influence: &'a [f64],
        parents: &'a [i64],
        names: &'a StrList,
    ) -> Self {
        Batch {
            cascades,
            influence,
            parents,
            names,
        }
    }

    /// The user of event `e` (flat index) as the input wrote it.
    pub fn user_name(&self, e: usize) -> &str {
        self.names.get(self.cascades.user(e).index())
    }

    /// Every user id seen so far, by user index (ids first seen in this batch are the last
    /// ones).
    pub fn names(&self) -> &StrList {
        self.names
    }
}

/// Receives computed batches in input order (ripgrep's `Sink`): [`Runner::run`] calls
/// [`batch`](InfluenceSink::batch) for each batch, then [`finish`](InfluenceSink::finish) once
/// after the last one, so a sink that buffers or hands work to a thread can complete it and
/// report its error as the run's.
pub trait InfluenceSink {
    /// Handles one batch.
    ///
    /// # Errors
    /// Whatever the sink fails with (e.g. a write error); the run stops.
    fn batch(&mut self, batch: &Batch<'_>) -> Result<()>;

    /// Completes the sink after the last batch (default: nothing to do).
    ///
    /// # Errors
    /// Whatever the sink fails with; the run fails with it.
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A sink made of a closure, for library users who want the numbers rather than a file:
/// `sink_fn(|b| { … b.influence … Ok(()) })`.
pub fn sink_fn<F: FnMut(&Batch<'_>) -> Result<()>>(f: F) -> impl InfluenceSink {
    struct FnSink<F>(F);
    impl<F: FnMut(&Batch<'_>) -> Result<()>> InfluenceSink for FnSink<F> {
        fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
            (self.0)(batch)
        }
    }
    FnSink(f)
}

/// A sink that keeps nothing: for runs whose product is the user table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl InfluenceSink for Discard {
    fn batch(&mut self, _: &Batch<'_>) -> Result<()> {
        Ok(())
    }
}

/// What a run did: counts and timings, embedded in the JSON summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunSummary {
    /// Cascades processed.
    pub cascades: u64,
    /// Events processed (after deduplication).
    pub events: u64,
    /// Distinct users with at least one event.
    pub users: u64,
    /// Events removed by `--dedupe-users`.
    pub deduplicated_events: u64,
    /// Invalid rows skipped (`--skip-invalid`).
    pub skipped_rows: u64,
    /// Events in the largest cascade.
    pub largest_cascade: u64,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
    /// `events / seconds`.
    pub events_per_second: f64,
    /// Worker threads used for the computation.
    pub threads: usize,
}

struct Filled {
    set: CascadeSet,
    /// Names of the ids the reader interned for this batch, in id order.
    new_names: Vec<CompactString>,
    skipped: Vec<InputError>,
    deduplicated: usize,
    bytes_read: u64,
}

/// What [`Runner::run`] returns.
#[derive(Debug)]
pub struct RunResult {
    /// Counts and timings.
    pub summary: RunSummary,
    /// User influence (Eq. 3), by user index.
    pub users: Vec<UserInfluence>,
    /// The user ids as the input wrote them, by user index.
    pub names: Interner,
}

/// A configured influence run: parameters, then options by name, then
/// [`run`](Runner::run) on a source and a sink.
///
/// ```
/// use cascadia::influence::{InfluenceParams, Runner, sink_fn};
/// use cascadia::io::{Format, ReadOptions, open_cascades};
///
/// let params = InfluenceParams::default().check()?;
/// let source = open_cascades(
///     concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-retweets.csv"),
///     Format::Auto,
///     ReadOptions::default(),
/// )?;
/// let mut total = 0.0;
/// let result = Runner::new(&params)
///     .batch_events(10_000)
///     .run(source, &mut sink_fn(|b| {
///         total += b.influence.iter().sum::<f64>();
///         Ok(())
///     }))?;
/// assert_eq!(result.summary.cascades, 400);
/// assert!(total > 0.0);
/// # Ok::<(), cascadia::Error>(())
/// ```
pub struct Runner<'a> {
    params: &'a InfluenceValidParams,
    options: RunOptions,
    progress: &'a dyn Progress,
    on_skip: Box<dyn FnMut(&InputError) + 'a>,
}

impl std::fmt::Debug for Runner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("params", self.params)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'a> Runner<'a> {
    /// A run with `params` and the defaults: [`RunOptions::default`], no progress, skipped
    /// rows dropped after counting (only with a reader that skips invalid rows).
    pub fn new(params: &'a InfluenceValidParams) -> Self {
        Runner {
            params,
            options: RunOptions::default(),
            progress: &crate::progress::NoProgress,
            on_skip: Box::new(|_| {}),
        }
    }

    /// All options at once.
    #[must_use]
    pub fn options(mut self, options: RunOptions) -> Self {
        self.options = options;
        self
    }

    /// Events per batch ([`RunOptions::batch_events`]).
    #[must_use]
    pub fn batch_events(mut self, n: usize) -> Self {
        self.options.batch_events = n;
        self
    }

    /// Where tweet influences are computed ([`RunOptions::backend`]).
    #[must_use]
    pub fn backend(mut self, backend: Backend) -> Self {
        self.options.backend = backend;
        self
    }

    /// Reports bytes read and counts to `progress`.
    #[must_use]
    pub fn progress(mut self, progress: &'a dyn Progress) -> Self {
        self.progress = progress;
        self
    }

    /// Calls `f` (on the calling thread, in input order) for each row that a reader running
    /// with `skip_invalid` skipped.
    #[must_use]
    pub fn on_skip(mut self, f: impl FnMut(&InputError) + 'a) -> Self {
        self.on_skip = Box::new(f);
        self
    }

    /// Streams every cascade of `source` through the influence model into `sink` (then
    /// [`InfluenceSink::finish`]), and returns the summary, the user influences and the names.
    ///
    /// # Errors
    /// A GPU backend with `--algo backsub`, the first input error (unless skipped), a cascade
    /// too large for the algorithm, or a sink error.
    ///
    /// # Complexity
    /// Time O(events) with the linear algorithm; memory O(batch + largest cascade + users).
    pub fn run(
        mut self,
        source: Box<dyn CascadeSource>,
        sink: &mut dyn InfluenceSink,
    ) -> Result<RunResult> {
        let result = run(
            source,
            self.params,
            self.options,
            sink,
            self.progress,
            &mut *self.on_skip,
        )?;
        sink.finish()?;
        Ok(result)
    }
}

/// The run itself (see [`Runner::run`]).
fn run(
    mut source: Box<dyn CascadeSource>,
    params: &InfluenceValidParams,
    options: RunOptions,
    sink: &mut dyn InfluenceSink,
    progress: &dyn Progress,
    on_skip: &mut dyn FnMut(&InputError),
) -> Result<RunResult> {
    if options.backend.is_gpu() && params.algorithm == Algorithm::Backsub {
        return Err(backsub_on_gpu());
    }
    let backend = &options.backend;
    let started = Instant::now();
    if let Some(total) = source.total_bytes() {
        progress.set_total(total);
    }
    let batch_events = options.batch_events.max(1);
    let mut summary = RunSummary {
        threads: rayon::current_num_threads(),
        ..Default::default()
    };
    let mut users = UserAggregator::new();

    let (interner, result) = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Result<Filled>>(1);
        let (recycle_tx, recycle_rx) = mpsc::channel::<Filled>();
        let reader = std::thread::Builder::new()
            .name("cascadia-reader".into())
            .spawn_scoped(scope, move || {
                let mut interner = Interner::new();
                let mut sent_names = 0;
                loop {
                    let mut filled = recycle_rx.try_recv().unwrap_or_else(|_| Filled {
                        set: CascadeSet::new(),
                        new_names: Vec::new(),
                        skipped: Vec::new(),
                        deduplicated: 0,
                        bytes_read: 0,
                    });
                    filled.set.clear();
                    filled.new_names.clear();
                    filled.deduplicated = 0;
                    let mut end = false;
                    while filled.set.n_events() < batch_events {
                        match source.next_cascade(&mut filled.set, &mut interner) {
                            Ok(Some(stats)) => filled.deduplicated += stats.deduplicated,
                            Ok(None) => {
                                end = true;
                                break;
                            }
                            Err(e) => {
                                let _ = tx.send(Err(e));
                                return interner;
                            }
                        }
                    }
                    filled.skipped = source.take_skipped();
                    filled.bytes_read = source.bytes_read();
                    filled
                        .new_names
                        .extend(interner.names_from(sent_names).map(CompactString::from));
                    let empty = filled.set.is_empty() && filled.skipped.is_empty();
                    if !empty {
                        // Names go with the first batch sent after they were interned.
                        sent_names = interner.len();
                        if tx.send(Ok(filled)).is_err() {
                            return interner;
                        }
                    }
                    if end {
                        return interner;
                    }
                }
            })
            .expect("the reader thread starts");

        let mut names = StrList::default();
        let mut influence: Vec<f64> = Vec::new();
        let mut parents: Vec<i64> = Vec::new();
        let result = (|| -> Result<()> {
            for msg in &rx {
                let mut filled = msg?;
                for name in filled.new_names.drain(..) {
                    names.push(&name);
                }
                for e in &filled.skipped {
                    on_skip(e);
                }
                summary.skipped_rows += filled.skipped.len() as u64;
                summary.deduplicated_events += filled.deduplicated as u64;
                let set = &filled.set;
                // (The CPU batch step writes every entry: only new ones need a value.)
                if backend.is_gpu() {
                    influence.clear();
                    parents.clear();
                }
                influence.resize(set.n_events(), 0.0);
                parents.resize(set.n_events(), 0);
                compute_batch(set, params, backend, &mut influence, &mut parents)?;
                for c in set.iter() {
                    summary.largest_cascade = summary.largest_cascade.max(c.len() as u64);
                }
                users.add_batch(set, &influence);
                summary.cascades += set.len() as u64;
                summary.events += set.n_events() as u64;
                sink.batch(&Batch {
                    cascades: set,
                    influence: &influence,
                    parents: &parents,
                    names: &names,
                })?;
                progress.set_position(filled.bytes_read);
                progress.message(&format!(
                    "{} cascades, {} events",
                    summary.cascades, summary.events
                ));
                let _ = recycle_tx.send(filled);
            }
            Ok(())
        })();
        drop(rx);
        let interner = reader.join().expect("the reader thread does not panic");
        (interner, result)
    });
    result?;
    let table = users.finish(params.aggregation);
    summary.users = table.len() as u64;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.events_per_second = if summary.seconds > 0.0 {
        summary.events as f64 / summary.seconds
    } else {
        0.0
    };
    Ok(RunResult {
        summary,
        users: table,
        names: interner,
    })
}

/// Computes tweet influence and expected parents of every cascade of `set` (flat outputs, by
/// the set's offsets): on the GPU when `backend` is one (`--algo linear` or `recursion`), else
/// on the CPU in parallel. Expected parents are always computed on the CPU. This is the batch
/// step of [`Runner::run`].
///
/// # Errors
/// A cascade too large for the algorithm, or a GPU error.
pub fn compute_batch(
    set: &CascadeSet,
    params: &InfluenceValidParams,
    backend: &Backend,
    influence: &mut [f64],
    parents: &mut [i64],
) -> Result<()> {
    match backend {
        Backend::Cpu => cpu_batch(set, params, Some(influence), parents),
        #[cfg(feature = "gpu")]
        Backend::Gpu(ctx) => gpu_batch(set, params, ctx, influence, parents),
    }
}

/// [`compute_batch`] on a GPU: the device's part (packing, kernels, read-back) on its own
/// thread, overlapped with the expected parents on the CPU pool.
#[cfg(feature = "gpu")]
fn gpu_batch(
    set: &CascadeSet,
    params: &InfluenceValidParams,
    ctx: &crate::gpu::Context,
    influence: &mut [f64],
    parents: &mut [i64],
) -> Result<()> {
    use super::gpu::Device;
    match params.algorithm {
        Algorithm::Backsub => return Err(backsub_on_gpu()),
        Algorithm::Recursion => set.iter().try_for_each(super::recursion_fits)?,
        Algorithm::Linear => {}
    }
    std::thread::scope(|s| {
        let device = s.spawn(|| -> Result<()> {
            match params.algorithm {
                Algorithm::Recursion => {
                    super::gpu::recursion(Device::gpu(ctx), set, params, influence, None)?;
                }
                _ => super::gpu::linear(ctx, set, params, influence)?,
            }
            Ok(())
        });
        let cpu = cpu_batch(set, params, None, parents);
        let device = device
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        device.and(cpu)
    })
}

/// Expected parents of every event, and tweet influence when `influence` is given, on the
/// CPU pool.
fn cpu_batch(
    set: &CascadeSet,
    params: &InfluenceValidParams,
    influence: Option<&mut [f64]>,
    parents: &mut [i64],
) -> Result<()> {
    let sizes: Vec<usize> = set.iter().map(|c| c.len()).collect();
    let mut outs = influence.map(|i| split_lens(i, sizes.iter().copied()).into_iter());
    let mut jobs: Vec<_> = split_lens(parents, sizes.iter().copied())
        .into_iter()
        .enumerate()
        .map(|(i, par)| Some((i, outs.as_mut().and_then(Iterator::next), par)))
        .collect();
    let work = |scratch: &mut LinearScratch,
                (i, out, par): (usize, Option<&mut [f64]>, &mut [i64])| {
        let c = set.get(i);
        expected_parents(c, params, par);
        match out {
            Some(out) => tweet_influence(c, params, scratch, out),
            None => Ok(()),
        }
    };
    if params.algorithm == Algorithm::Linear {
        // O(n) memory per cascade: no budget to keep, so rayon over the cascades in order.
        return jobs
            .into_par_iter()
            .with_min_len(16)
            .try_for_each_init(LinearScratch::default, |scratch, job| {
                work(scratch, job.expect("each cascade once"))
            });
    }
    // The quadratic algorithms run through the same packing as the GPU: groups by size under
    // a byte budget (the recursion's n² matrix), rayon over each group's cascades.
    let cost = |n: usize| match params.algorithm {
        Algorithm::Recursion => 8 * (n * n) as u64,
        _ => 8 * n as u64,
    };
    let plan = packing::plan(&sizes, |_| true, cost, CPU_GROUP_BYTES);
    let groups = plan
        .groups
        .iter()
        .map(|g| g.cascades.as_slice())
        .chain(std::iter::once(plan.oversize.as_slice()));
    for group in groups {
        let batch: Vec<_> = group
            .iter()
            .map(|&i| jobs[i].take().expect("each cascade in one group"))
            .collect();
        batch
            .into_par_iter()
            .with_min_len(16)
            .try_for_each_init(LinearScratch::default, work)?;
    }
    Ok(())
}

fn backsub_on_gpu() -> Error {
    crate::ParamError {
        field: "backend",
        value: "gpu".into(),
        expected: "the GPU runs --algo linear and --algo recursion; pass --backend cpu for backsub",
    }
    .into()
}

/// Byte budget of one CPU group of the quadratic algorithms (the recursion's n² matrices held
/// at once; the same grouping code as the GPU's).
const CPU_GROUP_BYTES: u64 = 64 << 20;
