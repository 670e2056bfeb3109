//! `cascadia influence politics` and `cascadia synth debate`: political behaviour and
//! populations (the paper's Sec. 4 and 6).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail, ensure};
use cascadia::influence::politics::{self, Party, Profile, Thresholds, Unmatched};
use cascadia::plots::{LinePlot, Series, heatmap_png, heatmap_svg};
use clap::Args;
use serde_json::json;

use super::output::Outputs;

/// Arguments of `cascadia influence politics`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  cascadia influence politics --users users.csv --tweets tweets.csv --partisan-hashtags ../shared/fixtures/debatenight/partisan-hashtags.csv --botness botness.csv --output-dir report/ --plot"
)]
pub(crate) struct PoliticsArgs {
    /// `users.csv` of `cascadia influence --users-output` (user_id,influence,percentile,...).
    #[arg(long)]
    users: PathBuf,
    /// Per-user partisan counts `user_id,dem,rep`.
    #[arg(long, conflicts_with = "tweets", required_unless_present = "tweets")]
    hashtag_counts: Option<PathBuf>,
    /// Raw tweets `user_id,hashtags` (hashtags separated by spaces or |, case-insensitive, #
    /// optional), counted against --partisan-hashtags.
    #[arg(long, requires = "partisan_hashtags")]
    tweets: Option<PathBuf>,
    /// The partisan hashtag list `hashtag,party[,frequency]` (the authors' list:
    /// ../shared/fixtures/debatenight/partisan-hashtags.csv).
    #[arg(long)]
    partisan_hashtags: Option<PathBuf>,
    /// Botness `user_id,botness[,population]` (botness in [0,1]; population protected or
    /// suspended, botness then may be empty).
    #[arg(long)]
    botness: Option<PathBuf>,
    /// Democrat if P <= -this.
    #[arg(long, default_value_t = 0.4)]
    democrat: f64,
    /// Republican if P >= this.
    #[arg(long, default_value_t = 0.4)]
    republican: f64,
    /// Human if botness <= this.
    #[arg(long, default_value_t = 0.2)]
    human: f64,
    /// Bot if botness >= this.
    #[arg(long, default_value_t = 0.6)]
    bot: f64,
    /// Directory for profiles.csv, populations.csv, summary.json and the plots.
    #[arg(long)]
    output_dir: PathBuf,
    /// Plots: CCDF of influence per population, density of polarisation, P(party | φ%), and
    /// the polarisation map (SVG and PNG).
    #[arg(long)]
    plot: bool,
    /// No human summary.
    #[arg(long, short)]
    quiet: bool,
}

/// A float field: empty for NaN, scientific below 1e-4 (p-values), else shortest round trip.
fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v != 0.0 && v.abs() < 1e-4 {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

pub(crate) fn run(a: PoliticsArgs) -> Result<ExitCode> {
    let th = Thresholds {
        democrat: a.democrat,
        republican: a.republican,
        human: a.human,
        bot: a.bot,
    };
    ensure!(
        (0.0..=1.0).contains(&th.democrat) && (0.0..=1.0).contains(&th.republican),
        "--democrat and --republican must be in [0, 1]"
    );
    ensure!(
        (0.0..=1.0).contains(&th.human) && (0.0..=1.0).contains(&th.bot) && th.human < th.bot,
        "--human and --bot must be in [0, 1] with human < bot"
    );
    let users = politics::read_users(&a.users)?;
    if users.is_empty() {
        bail!("{}: no users", a.users.display());
    }
    let mut stats = Unmatched::default();
    let counts = match (&a.hashtag_counts, &a.tweets) {
        (Some(p), _) => politics::read_counts(p)?,
        (None, Some(t)) => {
            let list =
                politics::read_partisan(a.partisan_hashtags.as_ref().expect("clap requires it"))?;
            politics::count_tweets(t, &list, &mut stats)?
        }
        (None, None) => unreachable!("clap requires one"),
    };
    let botness = a
        .botness
        .as_ref()
        .map(|p| politics::read_botness(p))
        .transpose()?
        .unwrap_or_default();
    let prof = politics::profiles(&users, &counts, &botness, &th, &mut stats);
    let pops = politics::populations(&prof);
    std::fs::create_dir_all(&a.output_dir).map_err(|e| cascadia::Error::io(&a.output_dir, e))?;
    let d = |name: &str| a.output_dir.join(name);
    let mut outputs = Outputs::default();
    outputs.write(&d("profiles.csv"), |w| {
        use std::io::Write;
        writeln!(
            w,
            "user_id,influence,percentile,dem,rep,polarisation,engagement,party,botness,population"
        )?;
        for p in &prof {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{}",
                p.user_id,
                p.influence,
                p.percentile,
                p.dem,
                p.rep,
                num(p.polarisation),
                p.engagement,
                p.party.as_str(),
                num(p.botness),
                p.population
            )?;
        }
        Ok(())
    })?;
    outputs.write(&d("populations.csv"), |w| {
        use std::io::Write;
        writeln!(w, "population,party,users,mean_influence,median_influence,mean_engagement,ratio_to_human,p_value_vs_human")?;
        for r in &pops {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{}",
                r.population,
                r.party,
                r.users,
                num(r.mean_influence),
                num(r.median_influence),
                num(r.mean_engagement),
                num(r.ratio_to_human),
                num(r.p_value_vs_human)
            )?;
        }
        Ok(())
    })?;
    let count_party = |party: Party| prof.iter().filter(|p| p.party == party).count();
    let summary = json!({
        "users": prof.len(),
        "democrat": count_party(Party::Democrat),
        "republican": count_party(Party::Republican),
        "neutral": count_party(Party::Neutral),
        "not_engaged": count_party(Party::None),
        "thresholds": th,
        "unmatched": stats,
        "populations": pops,
    });
    outputs.json(&d("summary.json"), &summary)?;
    if a.plot {
        for (name, svg) in plots(&prof, &th) {
            outputs.write(&d(&name), |w| std::io::Write::write_all(w, svg.as_bytes()))?;
        }
        let (map, bot_y) = politics::polarisation_map(&prof, th.bot, 60, 2.0);
        let svg = heatmap_svg(
            &map,
            60,
            "polarisation map: ln(ρ_rep / ρ_dem), renormalised",
            "user influence φ(u)%",
            "botness ζ (rescaled: equal intervals, equal users)",
            Some((bot_y, &format!("bot threshold ζ = {}", th.bot))),
            ("Democrat", "Republican"),
        );
        outputs.write(&d("polarisation_map.svg"), |w| {
            std::io::Write::write_all(w, svg.as_bytes())
        })?;
        let png = heatmap_png(&map, 60, 8, Some(bot_y));
        outputs.write(&d("polarisation_map.png"), |w| {
            std::io::Write::write_all(w, &png)
        })?;
    }
    outputs.commit()?;
    if !a.quiet {
        eprintln!(
            "cascadia influence politics: {} users: {} Democrat, {} Republican, {} in between, {} without partisan hashtags",
            prof.len(),
            count_party(Party::Democrat),
            count_party(Party::Republican),
            count_party(Party::Neutral),
            count_party(Party::None)
        );
        if stats.count_rows_unknown_users + stats.botness_rows_unknown_users > 0 {
            eprintln!(
                "cascadia: {} count/tweet users and {} botness users are not in {} (not used)",
                stats.count_rows_unknown_users,
                stats.botness_rows_unknown_users,
                a.users.display()
            );
        }
        eprintln!("  population  party       users  mean φ      ratio to Human  p (Welch)");
        for r in pops.iter().filter(|r| r.population != "all") {
            eprintln!(
                "  {:<10}  {:<10} {:>6}  {:<10.4}  {:>14}  {}",
                r.population,
                r.party,
                r.users,
                r.mean_influence,
                if r.ratio_to_human.is_nan() {
                    "-".into()
                } else {
                    format!("{:.2}", r.ratio_to_human)
                },
                if r.p_value_vs_human.is_nan() {
                    "-".into()
                } else {
                    format!("{:.2e}", r.p_value_vs_human)
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The line plots: (file name, SVG).
fn plots(prof: &[Profile], th: &Thresholds) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // CCDF of influence per population (log10 axes; influence > 0).
    let mut ccdf = LinePlot::unit(
        "CCDF of user influence by population",
        "log10 φ(u)",
        "log10 P(Φ ≥ φ)",
    );
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut ymin = 0.0f64;
    for pop in ["human", "bot", "protected", "suspended"] {
        let mut v: Vec<f64> = prof
            .iter()
            .filter(|p| p.population == pop && p.influence > 0.0)
            .map(|p| p.influence)
            .collect();
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let pts: Vec<(f64, f64)> = v
            .iter()
            .enumerate()
            .map(|(i, &x)| (x.log10(), ((n - i as f64) / n).log10()))
            .collect();
        for p in &pts {
            lo = lo.min(p.0);
            hi = hi.max(p.0);
            ymin = ymin.min(p.1);
        }
        let mean = v.iter().sum::<f64>() / n;
        ccdf.series.push(Series {
            label: format!("{pop} (mean {mean:.3})"),
            points: pts,
        });
    }
    if lo.is_finite() && hi > lo {
        ccdf.x_range = (lo, hi);
        ccdf.y_range = (ymin.min(-0.1), 0.0);
        out.push(("influence_ccdf.svg".into(), ccdf.svg()));
    }
    // Density of polarisation (histogram of 40 bins over [−1, 1]).
    let pol: Vec<f64> = prof
        .iter()
        .filter(|p| !p.polarisation.is_nan())
        .map(|p| p.polarisation)
        .collect();
    if !pol.is_empty() {
        let bins = 40;
        let mut h = vec![0.0; bins];
        for &x in &pol {
            h[(((x + 1.0) / 2.0 * bins as f64) as usize).min(bins - 1)] += 1.0;
        }
        let width = 2.0 / bins as f64;
        let pts: Vec<(f64, f64)> = h
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                (
                    -1.0 + (i as f64 + 0.5) * width,
                    c / (pol.len() as f64 * width),
                )
            })
            .collect();
        let ymax = pts.iter().fold(0.0f64, |a, p| a.max(p.1));
        let mut dens = LinePlot::unit(
            "density of political polarisation P",
            "P = (rep − dem)/(rep + dem)",
            "density",
        );
        dens.x_range = (-1.0, 1.0);
        dens.y_range = (0.0, ymax * 1.05);
        dens.series.push(Series {
            label: "P".into(),
            points: pts,
        });
        out.push(("polarisation_density.svg".into(), dens.svg()));
    }
    // P(party | φ%): 10 bins of the influence percentile, among polarised users.
    let mut party = LinePlot::unit(
        "P(party | φ%) among polarised users",
        "user influence φ(u)%",
        "share",
    );
    for (label, want) in [
        ("Democrat", Party::Democrat),
        ("Republican", Party::Republican),
    ] {
        let mut pts = Vec::new();
        for b in 0..10 {
            let (a, z) = (f64::from(b) / 10.0, f64::from(b + 1) / 10.0);
            let inside: Vec<&Profile> = prof
                .iter()
                .filter(|p| {
                    matches!(p.party, Party::Democrat | Party::Republican)
                        && p.percentile >= a
                        && (p.percentile < z || (b == 9 && p.percentile <= 1.0))
                })
                .collect();
            if !inside.is_empty() {
                pts.push((
                    (a + z) / 2.0,
                    inside.iter().filter(|p| p.party == want).count() as f64 / inside.len() as f64,
                ));
            }
        }
        party.series.push(Series {
            label: label.into(),
            points: pts,
        });
    }
    out.push(("party_by_influence.svg".into(), party.svg()));
    let _ = th;
    out
}

/// `cascadia synth debate`.
#[derive(Debug, Args)]
pub(crate) struct SynthDebateArgs {
    /// Users.
    #[arg(long, default_value_t = 5000)]
    users: usize,
    /// Retweet cascades.
    #[arg(long, default_value_t = 6000)]
    cascades: usize,
    /// The partisan hashtag list to draw from by frequency (hashtag,party,frequency).
    #[arg(
        long,
        default_value = "../shared/fixtures/debatenight/partisan-hashtags.csv"
    )]
    partisan_hashtags: PathBuf,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for cascades.csv, tweets.csv, botness.csv and truth.json.
    #[arg(long)]
    output_dir: PathBuf,
}

pub(crate) fn synth(a: SynthDebateArgs) -> Result<ExitCode> {
    use cascadia::synth::debate::{DebateConfig, debate};
    ensure!(
        a.users >= 10 && a.cascades >= 1,
        "--users >= 10 and --cascades >= 1"
    );
    let t = cascadia::io::table::Table::open(&a.partisan_hashtags)?;
    let hint = "the partisan list is `hashtag,party,frequency`";
    let (ch, cp, cf) = (
        t.column("hashtag", hint)?,
        t.column("party", hint)?,
        t.column("frequency", hint)?,
    );
    let (mut dem, mut rep) = (Vec::new(), Vec::new());
    t.for_each(|r| {
        let f = r.f64(cf, false)?;
        match r.text(cp) {
            "democrat" => dem.push((r.text(ch).to_string(), f)),
            "republican" => rep.push((r.text(ch).to_string(), f)),
            _ => {}
        }
        Ok(())
    })?;
    ensure!(
        !dem.is_empty() && !rep.is_empty(),
        "{}: needs democrat and republican hashtags",
        a.partisan_hashtags.display()
    );
    let w = debate(
        &DebateConfig {
            users: a.users,
            cascades: a.cascades,
            seed: a.seed,
        },
        &dem,
        &rep,
    );
    std::fs::create_dir_all(&a.output_dir).map_err(|e| cascadia::Error::io(&a.output_dir, e))?;
    let d = |name: &str| a.output_dir.join(name);
    let mut outputs = Outputs::default();
    outputs.write(&d("cascades.csv"), |f| {
        use std::io::Write;
        writeln!(f, "cascade_id,time,user_id,followers")?;
        let n = w.users.len() as u32;
        for &(c, t, u) in &w.cascades {
            if u < n {
                writeln!(f, "c{c},{t},u{u},{}", w.users[u as usize].followers)?;
            } else {
                writeln!(
                    f,
                    "c{c},{t},a{},{}",
                    u - n,
                    1 + u.wrapping_mul(2_654_435_761) % 100
                )?;
            }
        }
        Ok(())
    })?;
    outputs.write(&d("tweets.csv"), |f| {
        use std::io::Write;
        writeln!(f, "user_id,hashtags")?;
        for (u, tags) in &w.tweets {
            writeln!(f, "u{u},{tags}")?;
        }
        Ok(())
    })?;
    outputs.write(&d("botness.csv"), |f| {
        use std::io::Write;
        writeln!(f, "user_id,botness,population")?;
        for (u, user) in w.users.iter().enumerate() {
            writeln!(f, "u{u},{},{}", num(user.botness), user.population)?;
        }
        Ok(())
    })?;
    outputs.json(&d("truth.json"), &json!({
        "users": a.users, "cascades": a.cascades, "seed": a.seed,
        "planted": {"reach_human": 1.0, "reach_bot_democrat": 5.0 / 3.0, "reach_bot_republican": 10.0 / 3.0, "reach_suspended": 2.0, "reach_mid": 1.3,
                    "bot_republican_share": 0.65, "human_republican_share": 0.5,
                    "note": "cascade sizes ~ Poisson(3 × the originator's reach): bots ≈ 2.5× humans, pro-Republican bots 2× pro-Democrat bots"},
    }))?;
    outputs.commit()?;
    eprintln!(
        "cascadia synth debate: {} users, {} tweets, {} cascades ({} events), in {}",
        a.users,
        w.tweets.len(),
        a.cascades,
        w.cascades.len(),
        a.output_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
