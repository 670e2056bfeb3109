//! The social graph (`u,v,created`) and the action log (`user,action,time`), read with
//! located errors (spec `influence-probabilities.md`, Conventions rule 1).
//!
//! Both are plain numeric CSV: a header naming the columns (any order), then one row per line.
//! The log is held as one 24-byte row per kept event, sorted by (action, time, user): the
//! scans walk it action by action (memory: the graph, plus 24 bytes per log row).

use std::io::BufRead;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::{Error, InputError, InputErrorKind, Location, Result};

/// An undirected social graph in adjacency form. Slot `s` of node `u`'s list (`ptr[u]..ptr[u +
/// 1]`) is the directed pair `nbr[s] → u`: every per-pair count lives on its slot.
#[derive(Clone, Debug, Default)]
pub struct SocialGraph {
    /// User ids as numbers, by node index.
    pub ids: Vec<i64>,
    index: FxHashMap<i64, u32>,
    /// CSR offsets per node (`n + 1`).
    pub ptr: Vec<u64>,
    /// The neighbour of each slot.
    pub nbr: Vec<u32>,
    /// The tie's creation time of each slot (NaN: the tie always existed).
    pub created: Vec<f64>,
    /// The slot of the opposite direction.
    pub rev: Vec<u64>,
    /// Per edge in file order: the slot of `v → u` (its `rev` is `u → v`).
    pub edges: Vec<u64>,
}

impl SocialGraph {
    /// Nodes.
    pub fn n_nodes(&self) -> usize {
        self.ids.len()
    }

    /// The node of a user id.
    pub fn node(&self, id: i64) -> Option<u32> {
        self.index.get(&id).copied()
    }

    /// Slots of node `u`.
    pub fn slots(&self, u: u32) -> std::ops::Range<usize> {
        self.ptr[u as usize] as usize..self.ptr[u as usize + 1] as usize
    }

    /// Builds a graph from undirected edges `(u, v, created)` over user ids (in order).
    ///
    /// # Errors
    /// A self-loop or a duplicate edge (named by its position).
    pub fn from_edges(edges: &[(i64, i64, Option<f64>)]) -> Result<Self> {
        let located: Vec<(i64, i64, Option<f64>, u64)> = edges
            .iter()
            .enumerate()
            .map(|(k, &(u, v, c))| (u, v, c, k as u64 + 2))
            .collect();
        build(Path::new("<edges>"), located)
    }
}

/// Reads the header of a numeric CSV and maps `names` to column positions.
fn header(
    path: &Path,
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    names: &[&str],
    hint: &str,
) -> Result<Vec<usize>> {
    let Some(first) = lines.next() else {
        return Err(InputError::new(Location::file(path), InputErrorKind::Empty).into());
    };
    let first = first.map_err(|e| Error::io(path, e))?;
    let cols: Vec<String> = first
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    names
        .iter()
        .map(|n| {
            cols.iter().position(|c| c == n).ok_or_else(|| {
                InputError::new(
                    Location::line(path, 1),
                    InputErrorKind::MissingColumn {
                        column: (*n).to_string(),
                        found: cols.join(","),
                        hint: hint.to_string(),
                    },
                )
                .into()
            })
        })
        .collect()
}

fn lines_of(path: &Path) -> Result<impl Iterator<Item = std::io::Result<String>>> {
    let (reader, _) = crate::io::open_input(path)?;
    Ok(std::io::BufReader::with_capacity(1 << 20, reader).lines())
}

use crate::io::table::located as bad;

/// Reads `graph.csv` (`u,v,created`; `created` empty: the tie always existed).
///
/// # Errors
/// A missing column, a row with the wrong number of fields, a non-numeric id or time, a
/// self-loop, a duplicate edge (either direction): each with file and line.
pub fn read_graph(path: &Path) -> Result<SocialGraph> {
    let mut lines = lines_of(path)?;
    let hint = "the graph is `u,v,created` (created may be empty: the tie always existed)";
    let cols = header(path, &mut lines, &["u", "v", "created"], hint)?;
    let mut edges = Vec::new();
    for (k, line) in lines.enumerate() {
        let n = k as u64 + 2;
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            return Err(bad(
                path,
                n,
                None,
                InputErrorKind::Layout("an empty line in the graph".into()),
            ));
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 3 {
            return Err(bad(
                path,
                n,
                None,
                InputErrorKind::FieldCount {
                    expected: 3,
                    found: f.len(),
                },
            ));
        }
        let id = |i: usize, name: &str| -> Result<i64> {
            f[cols[i]].parse::<i64>().map_err(|_| {
                bad(
                    path,
                    n,
                    Some(name),
                    InputErrorKind::NotANumber {
                        found: f[cols[i]].into(),
                    },
                )
            })
        };
        let (u, v) = (id(0, "u")?, id(1, "v")?);
        let c = f[cols[2]];
        let created = if c.is_empty() {
            None
        } else {
            match c.parse::<f64>() {
                Ok(t) if t.is_finite() => Some(t),
                _ => {
                    return Err(bad(
                        path,
                        n,
                        Some("created"),
                        InputErrorKind::NotANumber { found: c.into() },
                    ));
                }
            }
        };
        edges.push((u, v, created, n));
    }
    build(path, edges)
}

fn build(path: &Path, edges: Vec<(i64, i64, Option<f64>, u64)>) -> Result<SocialGraph> {
    let mut g = SocialGraph::default();
    let intern = |id: i64, g: &mut SocialGraph| -> u32 {
        *g.index.entry(id).or_insert_with(|| {
            g.ids.push(id);
            (g.ids.len() - 1) as u32
        })
    };
    let mut pairs: Vec<(u32, u32, f64, u64)> = Vec::with_capacity(edges.len());
    for &(u, v, c, line) in &edges {
        if u == v {
            return Err(bad(
                path,
                line,
                Some("v"),
                InputErrorKind::Layout(format!("self-loop {u}–{v}: a tie joins two users")),
            ));
        }
        let (a, b) = (intern(u, &mut g), intern(v, &mut g));
        pairs.push((a, b, c.unwrap_or(f64::NAN), line));
    }
    // Duplicates, either direction: sort by the unordered pair.
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.par_sort_unstable_by_key(|&k| {
        let (a, b) = (pairs[k].0, pairs[k].1);
        (a.min(b), a.max(b), pairs[k].3)
    });
    for w in order.windows(2) {
        let (p, q) = (&pairs[w[0]], &pairs[w[1]]);
        if p.0.min(p.1) == q.0.min(q.1) && p.0.max(p.1) == q.0.max(q.1) {
            return Err(bad(
                path,
                q.3,
                None,
                InputErrorKind::Layout(format!(
                    "duplicate edge {}–{} (first on line {}); list each tie once",
                    g.ids[q.0 as usize], g.ids[q.1 as usize], p.3
                )),
            ));
        }
    }
    let n = g.ids.len();
    let mut deg = vec![0u64; n + 1];
    for &(a, b, _, _) in &pairs {
        deg[a as usize + 1] += 1;
        deg[b as usize + 1] += 1;
    }
    for i in 0..n {
        deg[i + 1] += deg[i];
    }
    let total = deg[n] as usize;
    let mut fill = deg.clone();
    g.nbr = vec![0; total];
    g.created = vec![f64::NAN; total];
    g.rev = vec![0; total];
    g.edges = Vec::with_capacity(pairs.len());
    for &(a, b, c, _) in &pairs {
        // Slot in b's list: a → b; slot in a's list: b → a.
        let sb = fill[b as usize];
        fill[b as usize] += 1;
        let sa = fill[a as usize];
        fill[a as usize] += 1;
        g.nbr[sb as usize] = a;
        g.nbr[sa as usize] = b;
        g.created[sb as usize] = c;
        g.created[sa as usize] = c;
        g.rev[sb as usize] = sa;
        g.rev[sa as usize] = sb;
        g.edges.push(sa);
    }
    g.ptr = deg;
    Ok(g)
}

/// A log row that was not used, and why (`--skip-invalid`, unknown users, duplicates).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogIssue {
    /// Line in the log file.
    pub line: u64,
    /// `empty_line`, `field_count`, `not_a_number`, `unknown_user`, `duplicate`.
    pub kind: &'static str,
    /// What was found.
    pub detail: String,
}

/// The action log, sorted by (action, time, user id), one row per (user, action).
#[derive(Clone, Debug, Default)]
pub struct ActionLog {
    /// Distinct actions, ascending.
    pub actions: Vec<i64>,
    /// Row offsets per action (`actions.len() + 1`).
    pub start: Vec<usize>,
    /// Node of each row.
    pub user: Vec<u32>,
    /// Time of each row.
    pub time: Vec<f64>,
    /// Rows not used, by line.
    pub issues: Vec<LogIssue>,
    /// Data rows read.
    pub rows: u64,
    /// Rows naming a user the graph lacks (skipped).
    pub unknown_users: u64,
    /// Repeated (user, action) rows (the first in file order kept).
    pub duplicates: u64,
    /// Malformed rows skipped with `skip_invalid`.
    pub invalid: u64,
}

impl ActionLog {
    /// Rows of action `a` (its index in `actions`).
    pub fn rows_of(&self, a: usize) -> std::ops::Range<usize> {
        self.start[a]..self.start[a + 1]
    }

    /// Builds a log from `(user, action, time)` rows over `graph` (as read: unknown users
    /// skipped, duplicates keep the first).
    pub fn from_rows(graph: &SocialGraph, rows: &[(i64, i64, f64)]) -> Self {
        let mut raw = Raw::default();
        for (k, &(u, a, t)) in rows.iter().enumerate() {
            raw.push(graph, k as u64 + 2, u, a, t);
        }
        raw.finish(graph)
    }
}

#[derive(Default)]
struct Raw {
    rows: Vec<(i64, f64, u32, u32)>,
    lines: Vec<u64>,
    log: ActionLog,
}

impl Raw {
    fn push(&mut self, graph: &SocialGraph, line: u64, u: i64, a: i64, t: f64) {
        self.log.rows += 1;
        match graph.node(u) {
            Some(node) => {
                self.rows.push((a, t, node, self.lines.len() as u32));
                self.lines.push(line);
            }
            None => {
                self.log.unknown_users += 1;
                self.log.issues.push(LogIssue {
                    line,
                    kind: "unknown_user",
                    detail: format!("user {u} is not in the graph"),
                });
            }
        }
    }

    fn finish(mut self, graph: &SocialGraph) -> ActionLog {
        // Duplicates: by (action, user, line), the first in file order kept.
        self.rows.par_sort_unstable_by_key(|r| (r.0, r.2, r.3));
        let mut keep = Vec::with_capacity(self.rows.len());
        for (k, r) in self.rows.iter().enumerate() {
            if k > 0 {
                let p = &self.rows[k - 1];
                if p.0 == r.0 && p.2 == r.2 {
                    self.log.duplicates += 1;
                    self.log.issues.push(LogIssue {
                        line: self.lines[r.3 as usize],
                        kind: "duplicate",
                        detail: format!(
                            "user {} already performed action {} (line {}); the first row is kept",
                            graph.ids[r.2 as usize], r.0, self.lines[p.3 as usize]
                        ),
                    });
                    continue;
                }
            }
            keep.push(*r);
        }
        // The scans' order: (action, time, user id).
        keep.par_sort_unstable_by(|x, y| {
            x.0.cmp(&y.0)
                .then(x.1.total_cmp(&y.1))
                .then(graph.ids[x.2 as usize].cmp(&graph.ids[y.2 as usize]))
        });
        let log = &mut self.log;
        log.user = keep.iter().map(|r| r.2).collect();
        log.time = keep.iter().map(|r| r.1).collect();
        for (k, r) in keep.iter().enumerate() {
            if log.actions.last() != Some(&r.0) {
                log.actions.push(r.0);
                log.start.push(k);
            }
        }
        log.start.push(keep.len());
        log.issues.sort_by_key(|i| i.line);
        self.log
    }
}

/// Reads `log.csv` (`user,action,time`) against `graph`. Each row is checked in the spec's
/// order: empty line, number of fields, numbers, user in the graph, (user, action) seen. The
/// first two kinds and non-numbers are errors, or with `skip_invalid` skipped and reported;
/// unknown users and duplicates are always skipped, counted and reported.
///
/// # Errors
/// A malformed row (without `skip_invalid`), a missing column, an unreadable file.
pub fn read_log(path: &Path, graph: &SocialGraph, skip_invalid: bool) -> Result<ActionLog> {
    let mut lines = lines_of(path)?;
    let cols = header(
        path,
        &mut lines,
        &["user", "action", "time"],
        "the log is `user,action,time`",
    )?;
    let mut raw = Raw::default();
    for (k, line) in lines.enumerate() {
        let n = k as u64 + 2;
        let line = line.map_err(|e| Error::io(path, e))?;
        let problem: Option<(&'static str, Error)> = if line.trim().is_empty() {
            Some((
                "empty_line",
                bad(
                    path,
                    n,
                    None,
                    InputErrorKind::Layout(
                        "an empty line; the log has one `user,action,time` row per line".into(),
                    ),
                ),
            ))
        } else {
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() != 3 {
                Some((
                    "field_count",
                    bad(
                        path,
                        n,
                        None,
                        InputErrorKind::FieldCount {
                            expected: 3,
                            found: f.len(),
                        },
                    ),
                ))
            } else {
                let (u, a, t) = (f[cols[0]], f[cols[1]], f[cols[2]]);
                match (u.parse::<i64>(), a.parse::<i64>(), t.parse::<f64>()) {
                    (Ok(u), Ok(a), Ok(t)) if t.is_finite() => {
                        raw.push(graph, n, u, a, t);
                        None
                    }
                    (Err(_), _, _) => Some((
                        "not_a_number",
                        bad(
                            path,
                            n,
                            Some("user"),
                            InputErrorKind::NotANumber { found: u.into() },
                        ),
                    )),
                    (_, Err(_), _) => Some((
                        "not_a_number",
                        bad(
                            path,
                            n,
                            Some("action"),
                            InputErrorKind::NotANumber { found: a.into() },
                        ),
                    )),
                    _ => Some((
                        "not_a_number",
                        bad(
                            path,
                            n,
                            Some("time"),
                            InputErrorKind::NotANumber { found: t.into() },
                        ),
                    )),
                }
            }
        };
        if let Some((kind, err)) = problem {
            if !skip_invalid {
                return Err(err);
            }
            raw.log.rows += 1;
            raw.log.invalid += 1;
            raw.log.issues.push(LogIssue {
                line: n,
                kind,
                detail: err.to_string(),
            });
        }
    }
    Ok(raw.finish(graph))
}
