//! Political behaviour and populations (spec `influence.md`, "Political behaviour"; the
//! paper's Sec. 4 and 6): per-user partisan hashtag counts → polarisation
//! `P = (rep − dem)/(rep + dem)` and engagement `E = rep + dem`; parties by P (Democrat
//! P ≤ −0.4, Republican P ≥ 0.4); reference populations by botness ζ (Human ζ ≤ 0.2, Bot
//! ζ ≥ 0.6) or given (`protected`, `suspended`); per population × party summaries with
//! Welch's t-test against Human; the polarisation map (Fig. 7).

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::{InputErrorKind, Result};
use crate::io::table::Table;

/// The paper's thresholds, each a flag of the CLI.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Thresholds {
    /// Democrat if P ≤ −this.
    pub democrat: f64,
    /// Republican if P ≥ this.
    pub republican: f64,
    /// Human if ζ ≤ this.
    pub human: f64,
    /// Bot if ζ ≥ this.
    pub bot: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            democrat: 0.4,
            republican: 0.4,
            human: 0.2,
            bot: 0.6,
        }
    }
}

/// A party.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// P ≤ −0.4.
    Democrat,
    /// P ≥ 0.4.
    Republican,
    /// Engaged, in between.
    Neutral,
    /// No partisan hashtag.
    None,
}

impl Party {
    /// Output name.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Democrat => "democrat",
            Party::Republican => "republican",
            Party::Neutral => "neutral",
            Party::None => "none",
        }
    }
}

/// One user's profile.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    /// User id.
    pub user_id: String,
    /// φ(u).
    pub influence: f64,
    /// φ(u)% (from users.csv).
    pub percentile: f64,
    /// Pro-Democrat hashtags.
    pub dem: u64,
    /// Pro-Republican hashtags.
    pub rep: u64,
    /// P (NaN without partisan hashtags).
    pub polarisation: f64,
    /// E.
    pub engagement: u64,
    /// Party.
    pub party: Party,
    /// ζ (NaN: unknown).
    pub botness: f64,
    /// `human`, `bot`, `protected`, `suspended`, `mid` (0.2 < ζ < 0.6) or `unknown`.
    pub population: String,
}

/// What was read and not used.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Unmatched {
    /// Count or tweet rows naming users absent from users.csv.
    pub count_rows_unknown_users: u64,
    /// Botness rows naming users absent from users.csv.
    pub botness_rows_unknown_users: u64,
    /// Tweets read.
    pub tweets: u64,
    /// Tweets with at least one partisan hashtag.
    pub partisan_tweets: u64,
    /// Tweets with hashtags of both parties.
    pub both_polarities: u64,
}

/// The user id of column `col`, refused if an earlier row (in `seen`) had it.
fn once(
    seen: &mut FxHashMap<String, u64>,
    r: &crate::io::table::Row<'_>,
    col: usize,
) -> Result<String> {
    let id = r.text(col).to_string();
    if let Some(first) = seen.insert(id.clone(), r.line) {
        return Err(r.row_error(format!("user {id:?} appears twice (first on line {first})")));
    }
    Ok(id)
}

/// Reads `users.csv` of `cascadia influence` (`user_id,influence,percentile`, other columns
/// ignored).
///
/// # Errors
/// A missing column, a bad number, a repeated user: with file and line.
pub fn read_users(path: &Path) -> Result<Vec<(String, f64, f64)>> {
    let t = Table::open(path)?;
    let hint =
        "users.csv is cascadia influence's --users-output (user_id,influence,percentile,...)";
    let (cu, ci, cp) = (
        t.column("user_id", hint)?,
        t.column("influence", hint)?,
        t.column("percentile", hint)?,
    );
    let mut out = Vec::new();
    let mut seen: FxHashMap<String, u64> = FxHashMap::default();
    t.for_each(|r| {
        let id = once(&mut seen, r, cu)?;
        out.push((id, r.f64(ci, false)?, r.f64(cp, false)?));
        Ok(())
    })?;
    Ok(out)
}

/// The partisan hashtag list `hashtag,party[,...]` (party `democrat` or `republican`),
/// lower-cased without `#`.
///
/// # Errors
/// A missing column or an unknown party, located.
pub fn read_partisan(path: &Path) -> Result<FxHashMap<String, Party>> {
    let t = Table::open(path)?;
    let hint = "the partisan list is `hashtag,party` (party democrat or republican)";
    let (ch, cp) = (t.column("hashtag", hint)?, t.column("party", hint)?);
    let mut m = FxHashMap::default();
    t.for_each(|r| {
        let party = match r.text(cp).to_ascii_lowercase().as_str() {
            "democrat" | "dem" => Party::Democrat,
            "republican" | "rep" => Party::Republican,
            other => {
                return Err(r.error(
                    cp,
                    InputErrorKind::Layout(format!(
                        "party {other:?}: expected democrat or republican"
                    )),
                ));
            }
        };
        m.insert(normalise_tag(r.text(ch)), party);
        Ok(())
    })?;
    Ok(m)
}

/// A hashtag as matched: lower case, without a leading `#`.
pub fn normalise_tag(tag: &str) -> String {
    tag.trim().trim_start_matches('#').to_lowercase()
}

/// Per-user (dem, rep) counts from `user_id,dem,rep`.
///
/// # Errors
/// A missing column, a negative or non-integer count, a repeated user.
pub fn read_counts(path: &Path) -> Result<FxHashMap<String, (u64, u64)>> {
    let t = Table::open(path)?;
    let hint = "counts are `user_id,dem,rep` (non-negative integers)";
    let (cu, cd, cr) = (
        t.column("user_id", hint)?,
        t.column("dem", hint)?,
        t.column("rep", hint)?,
    );
    let mut m = FxHashMap::default();
    let mut line_of: FxHashMap<String, u64> = FxHashMap::default();
    t.for_each(|r| {
        let id = once(&mut line_of, r, cu)?;
        let count = |c: usize| -> Result<u64> {
            r.text(c).parse::<u64>().map_err(|_| {
                r.error(
                    c,
                    InputErrorKind::Layout(format!(
                        "count {:?}: expected a non-negative integer",
                        r.text(c)
                    )),
                )
            })
        };
        m.insert(id, (count(cd)?, count(cr)?));
        Ok(())
    })?;
    Ok(m)
}

/// Per-user (dem, rep) counts from raw tweets `user_id,hashtags` (hashtags separated by
/// spaces or `|`, case-insensitive, `#` optional): every occurrence of a listed hashtag counts.
///
/// # Errors
/// A missing column or a bad row, located.
pub fn count_tweets(
    path: &Path,
    list: &FxHashMap<String, Party>,
    stats: &mut Unmatched,
) -> Result<FxHashMap<String, (u64, u64)>> {
    let t = Table::open(path)?;
    let hint = "tweets are `user_id,hashtags` (hashtags separated by spaces or |)";
    let (cu, ch) = (t.column("user_id", hint)?, t.column("hashtags", hint)?);
    let mut m: FxHashMap<String, (u64, u64)> = FxHashMap::default();
    t.for_each(|r| {
        stats.tweets += 1;
        let (mut d, mut p) = (0u64, 0u64);
        for tag in r.text(ch).split([' ', '|']).filter(|s| !s.is_empty()) {
            match list.get(&normalise_tag(tag)) {
                Some(Party::Democrat) => d += 1,
                Some(Party::Republican) => p += 1,
                _ => {}
            }
        }
        stats.partisan_tweets += u64::from(d + p > 0);
        stats.both_polarities += u64::from(d > 0 && p > 0);
        let e = m.entry(r.text(cu).to_string()).or_default();
        e.0 += d;
        e.1 += p;
        Ok(())
    })?;
    Ok(m)
}

/// Botness `user_id,botness[,population]`: botness in [0, 1] (may be empty when the
/// population is given), population `protected` or `suspended` (or empty).
///
/// # Errors
/// Botness outside [0, 1] or not a number, an unknown population, a repeated user.
pub fn read_botness(path: &Path) -> Result<FxHashMap<String, (f64, Option<String>)>> {
    let t = Table::open(path)?;
    let hint = "botness is `user_id,botness[,population]` (botness in [0,1]; population protected or suspended)";
    let (cu, cb) = (t.column("user_id", hint)?, t.column("botness", hint)?);
    let cpop = t.optional("population");
    let mut m = FxHashMap::default();
    let mut line_of: FxHashMap<String, u64> = FxHashMap::default();
    t.for_each(|r| {
        let id = once(&mut line_of, r, cu)?;
        let pop = cpop
            .map(|c| r.text(c).to_ascii_lowercase())
            .filter(|s| !s.is_empty());
        if let Some(p) = &pop
            && p != "protected"
            && p != "suspended"
        {
            return Err(r.error(
                cpop.expect("present"),
                InputErrorKind::Layout(format!(
                    "population {p:?}: expected protected, suspended or empty"
                )),
            ));
        }
        let b = if r.text(cb).is_empty() && pop.is_some() {
            f64::NAN
        } else {
            let b = r.f64(cb, false)?;
            if !(0.0..=1.0).contains(&b) {
                return Err(r.error(
                    cb,
                    InputErrorKind::Layout(format!("botness {b} is outside [0, 1]")),
                ));
            }
            b
        };
        m.insert(id, (b, pop));
        Ok(())
    })?;
    Ok(m)
}

/// Builds every user's profile.
pub fn profiles(
    users: &[(String, f64, f64)],
    counts: &FxHashMap<String, (u64, u64)>,
    botness: &FxHashMap<String, (f64, Option<String>)>,
    th: &Thresholds,
    stats: &mut Unmatched,
) -> Vec<Profile> {
    let known: FxHashMap<&str, ()> = users.iter().map(|u| (u.0.as_str(), ())).collect();
    stats.count_rows_unknown_users = counts
        .keys()
        .filter(|k| !known.contains_key(k.as_str()))
        .count() as u64;
    stats.botness_rows_unknown_users = botness
        .keys()
        .filter(|k| !known.contains_key(k.as_str()))
        .count() as u64;
    users
        .iter()
        .map(|(id, infl, pct)| {
            let (dem, rep) = counts.get(id).copied().unwrap_or((0, 0));
            let e = dem + rep;
            let pol = if e == 0 {
                f64::NAN
            } else {
                (rep as f64 - dem as f64) / e as f64
            };
            let party = if e == 0 {
                Party::None
            } else if pol <= -th.democrat {
                Party::Democrat
            } else if pol >= th.republican {
                Party::Republican
            } else {
                Party::Neutral
            };
            let (b, pop) = botness.get(id).cloned().unwrap_or((f64::NAN, None));
            let population = match pop {
                Some(p) => p,
                None if b.is_nan() => "unknown".into(),
                None if b <= th.human => "human".into(),
                None if b >= th.bot => "bot".into(),
                None => "mid".into(),
            };
            Profile {
                user_id: id.clone(),
                influence: *infl,
                percentile: *pct,
                dem,
                rep,
                polarisation: pol,
                engagement: e,
                party,
                botness: b,
                population,
            }
        })
        .collect()
}

/// ln Γ(x) (Lanczos, g = 7), x > 0.
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, &c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised incomplete beta I_x(a, b) (continued fraction, Lentz).
pub fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - inc_beta(1.0 - x, b, a);
    }
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut f = d;
    for m in 1..=300 {
        let m = f64::from(m);
        for k in 0..2 {
            let num = if k == 0 {
                m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
            } else {
                -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
            };
            d = 1.0 + num * d;
            if d.abs() < tiny {
                d = tiny;
            }
            c = 1.0 + num / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * f / a
}

/// Welch's two-sample t-test: (t, degrees of freedom, two-sided p). `None` with fewer than 2
/// values on a side or zero variance on both.
pub fn welch(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64)> {
    let stats = |v: &[f64]| {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        (n, m, var)
    };
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let ((n1, m1, v1), (n2, m2, v2)) = (stats(a), stats(b));
    let se2 = v1 / n1 + v2 / n2;
    if se2 <= 0.0 {
        return None;
    }
    let t = (m1 - m2) / se2.sqrt();
    let df = se2 * se2 / ((v1 / n1).powi(2) / (n1 - 1.0) + (v2 / n2).powi(2) / (n2 - 1.0));
    let p = inc_beta(df / (df + t * t), df / 2.0, 0.5);
    Some((t, df, p))
}

/// One row of `populations.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct PopulationRow {
    /// Population (`all`, `human`, `bot`, `protected`, `suspended`, `mid`, `unknown`).
    pub population: String,
    /// Party (`all`, `democrat`, `republican`).
    pub party: String,
    /// Users.
    pub users: usize,
    /// Mean influence.
    pub mean_influence: f64,
    /// Median influence.
    pub median_influence: f64,
    /// Mean engagement.
    pub mean_engagement: f64,
    /// Mean influence over Human's (same party).
    pub ratio_to_human: f64,
    /// Welch t-test p-value of influence against Human (same party).
    pub p_value_vs_human: f64,
}

/// Summaries per population × party.
pub fn populations(profiles: &[Profile]) -> Vec<PopulationRow> {
    let pops = [
        "all",
        "human",
        "bot",
        "protected",
        "suspended",
        "mid",
        "unknown",
    ];
    let parties = ["all", "democrat", "republican"];
    let select = |pop: &str, party: &str| -> Vec<&Profile> {
        profiles
            .iter()
            .filter(|p| {
                (pop == "all" || p.population == pop)
                    && (party == "all" || p.party.as_str() == party)
            })
            .collect()
    };
    let mut out = Vec::new();
    for party in parties {
        let human: Vec<f64> = select("human", party).iter().map(|p| p.influence).collect();
        let human_mean = human.iter().sum::<f64>() / human.len().max(1) as f64;
        for pop in pops {
            let sel = select(pop, party);
            if sel.is_empty() {
                continue;
            }
            let mut infl: Vec<f64> = sel.iter().map(|p| p.influence).collect();
            let mean = infl.iter().sum::<f64>() / infl.len() as f64;
            infl.sort_by(f64::total_cmp);
            let k = infl.len();
            let median = if k % 2 == 1 {
                infl[k / 2]
            } else {
                (infl[k / 2 - 1] + infl[k / 2]) / 2.0
            };
            out.push(PopulationRow {
                population: pop.into(),
                party: party.into(),
                users: k,
                mean_influence: mean,
                median_influence: median,
                mean_engagement: sel.iter().map(|p| p.engagement as f64).sum::<f64>() / k as f64,
                ratio_to_human: if human.is_empty() {
                    f64::NAN
                } else {
                    mean / human_mean
                },
                p_value_vs_human: if pop == "human" {
                    f64::NAN
                } else {
                    welch(&infl, &human).map_or(f64::NAN, |w| w.2)
                },
            });
        }
    }
    out
}

/// The polarisation map (Fig. 7) on a `size × size` grid: x = φ%, y = the botness rank of the
/// polarised users with a botness (equal intervals hold equal numbers of users); Democrat and
/// Republican densities are binned and smoothed by a Gaussian of `bandwidth` cells; the cell
/// value is `ln(ρ_rep / ρ_dem)` (each density with a pseudo-density of 5 % of the uniform
/// one) divided by the 98th percentile of its magnitude and clamped to [−1, 1] (−1: mostly
/// Democrat, +1: mostly Republican; NaN where neither has density). Also returns the
/// rescaled bot threshold.
pub fn polarisation_map(
    profiles: &[Profile],
    bot: f64,
    size: usize,
    bandwidth: f64,
) -> (Vec<f64>, f64) {
    let mut pts: Vec<(f64, f64, Party)> = profiles
        .iter()
        .filter(|p| !p.botness.is_nan() && matches!(p.party, Party::Democrat | Party::Republican))
        .map(|p| (p.percentile, p.botness, p.party))
        .collect();
    let n = pts.len();
    if n == 0 {
        return (vec![f64::NAN; size * size], f64::NAN);
    }
    let mut b: Vec<f64> = pts.iter().map(|p| p.1).collect();
    b.sort_by(f64::total_cmp);
    // Mid-rank of each botness among the polarised users.
    let rank = |z: f64| -> f64 {
        let lo = b.partition_point(|&v| v < z) as f64;
        let hi = b.partition_point(|&v| v <= z) as f64;
        (lo + hi) / 2.0 / n as f64
    };
    for p in &mut pts {
        p.1 = rank(p.1);
    }
    let bot_y = b.partition_point(|&v| v < bot) as f64 / n as f64;
    let mut hist = [vec![0.0; size * size], vec![0.0; size * size]];
    for &(x, y, party) in &pts {
        let i = ((x.clamp(0.0, 1.0) * size as f64) as usize).min(size - 1);
        let j = ((y.clamp(0.0, 1.0) * size as f64) as usize).min(size - 1);
        hist[usize::from(party == Party::Republican)][j * size + i] += 1.0;
    }
    let radius = (3.0 * bandwidth).ceil() as i64;
    let kernel: Vec<f64> = (-radius..=radius)
        .map(|d| (-(d as f64).powi(2) / (2.0 * bandwidth * bandwidth)).exp())
        .collect();
    let smooth = |h: &[f64]| -> Vec<f64> {
        let mut tmp = vec![0.0; size * size];
        let mut out = vec![0.0; size * size];
        for j in 0..size {
            for i in 0..size {
                let mut s = 0.0;
                for (k, w) in kernel.iter().enumerate() {
                    let ii = i as i64 + k as i64 - radius;
                    if (0..size as i64).contains(&ii) {
                        s += w * h[j * size + ii as usize];
                    }
                }
                tmp[j * size + i] = s;
            }
        }
        for j in 0..size {
            for i in 0..size {
                let mut s = 0.0;
                for (k, w) in kernel.iter().enumerate() {
                    let jj = j as i64 + k as i64 - radius;
                    if (0..size as i64).contains(&jj) {
                        s += w * tmp[jj as usize * size + i];
                    }
                }
                out[j * size + i] = s;
            }
        }
        let total: f64 = out.iter().sum();
        out.iter().map(|v| v / total.max(1e-300)).collect()
    };
    let (dem, rep) = (smooth(&hist[0]), smooth(&hist[1]));
    // Densities below 5 % of the uniform density are "no data" for both; a pseudo-count of
    // that size keeps the log ratio finite where one party is absent.
    let floor = 0.05 / (size * size) as f64;
    let mut score: Vec<f64> = dem
        .iter()
        .zip(&rep)
        .map(|(&d, &r)| {
            if d < floor && r < floor {
                f64::NAN
            } else {
                ((r + floor) / (d + floor)).ln()
            }
        })
        .collect();
    // Renormalised to [−1, 1] by the 98th percentile of |score| (a few extreme cells would
    // otherwise wash the map out), clamped.
    let mut mags: Vec<f64> = score
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v.abs())
        .collect();
    mags.sort_by(f64::total_cmp);
    let scale = mags
        .get(((mags.len() as f64 * 0.98) as usize).min(mags.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    if scale > 0.0 {
        for v in &mut score {
            *v = (*v / scale).clamp(-1.0, 1.0);
        }
    }
    (score, bot_y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_matches_known_values() {
        // Two-sided p of t = 2 with 10 df is 0.07339 (tables); Welch with equal n and
        // variances reduces to Student's.
        let p = inc_beta(10.0 / (10.0 + 4.0), 5.0, 0.5);
        assert!((p - 0.073_388).abs() < 1e-5, "{p}");
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [3.0, 4.0, 5.0, 6.0, 7.0];
        let (t, df, p) = welch(&a, &b).unwrap();
        assert!(
            (t + 2.0).abs() < 1e-12 && (df - 8.0).abs() < 1e-12,
            "{t} {df}"
        );
        // scipy.stats.ttest_ind(a, b, equal_var=False).pvalue = 0.08051623795726257
        assert!((p - 0.080_516_237_957).abs() < 1e-9, "{p}");
        assert!(welch(&[1.0], &b).is_none());
    }

    #[test]
    fn profiles_by_hand() {
        let users = vec![
            ("a".to_string(), 4.0, 1.0),
            ("b".into(), 1.0, 0.5),
            ("c".into(), 0.5, 0.0),
        ];
        let mut counts = FxHashMap::default();
        counts.insert("a".to_string(), (0u64, 3u64));
        counts.insert("b".to_string(), (3, 2));
        counts.insert("z".to_string(), (1, 1));
        let mut bot = FxHashMap::default();
        bot.insert("a".to_string(), (0.7, None));
        bot.insert("b".to_string(), (0.1, None));
        bot.insert("c".to_string(), (f64::NAN, Some("protected".to_string())));
        let mut st = Unmatched::default();
        let p = profiles(&users, &counts, &bot, &Thresholds::default(), &mut st);
        assert_eq!(
            (p[0].polarisation, p[0].party, p[0].population.as_str()),
            (1.0, Party::Republican, "bot")
        );
        assert_eq!(
            (p[1].polarisation, p[1].party, p[1].engagement),
            (-0.2, Party::Neutral, 5)
        );
        assert_eq!(
            (
                p[1].population.as_str(),
                p[2].party,
                p[2].population.as_str()
            ),
            ("human", Party::None, "protected")
        );
        assert!(p[2].polarisation.is_nan());
        assert_eq!(st.count_rows_unknown_users, 1);
        let pops = populations(&p);
        let bot_all = pops
            .iter()
            .find(|r| r.population == "bot" && r.party == "all")
            .unwrap();
        assert_eq!((bot_all.users, bot_all.ratio_to_human), (1, 4.0));
    }
}
