//! Loads the bundled sample of retweet cascades, computes tweet and user influence with the
//! paper's parameters, and prints the five most influential users.
//!
//! Run: `cargo run --example influence_quickstart`
//!
//! Example output (abridged):
//! ```text
//! 400 cascades, 3021 events, 861 users
//! u1684  influence   13.423  (1 events in 1 cascades)
//! u257   influence   10.073  (2 events in 2 cascades)
//! ```

use cascadia::influence::{Discard, InfluenceParams, Preset, RunResult, Runner};
use cascadia::io::{Format, ReadOptions, open_cascades};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-retweets.csv");
    let source = open_cascades(path, Format::Auto, ReadOptions::default())?;
    let params = InfluenceParams::preset(Preset::Paper).check()?;
    // Tweets go to a sink (a CSV writer, a closure: `influence::sink_fn`); here we discard
    // them and keep the user table.
    let RunResult {
        summary,
        users,
        names,
    } = Runner::new(&params).run(source, &mut Discard)?;
    println!(
        "{} cascades, {} events, {} users",
        summary.cascades, summary.events, summary.users
    );
    let mut top: Vec<_> = users.iter().collect();
    top.sort_by(|a, b| b.influence.total_cmp(&a.influence));
    for u in top.iter().take(5) {
        println!(
            "{:<6} influence {:>8.3}  ({} events in {} cascades)",
            names.name(u.user),
            u.influence,
            u.events,
            u.cascades
        );
    }
    Ok(())
}
