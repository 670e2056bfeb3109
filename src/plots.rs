//! Plots as self-contained SVG documents, for every capability: curves on a rectangle of the
//! plane (precision–recall, ROC, coverage, true-vs-fitted), with a grid, tick labels every
//! fifth of the range, axis labels and a legend when there is more than one series.
//!
//! Hand-written SVG rather than `plotters`: a few dozen lines, no font or image dependency,
//! and byte-for-byte reproducible output (the NetInf plot is compared across builds).

use crate::metrics::edges::PrPoint;
use std::fmt::Write;

/// One curve: its points in data coordinates, drawn in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Name in the legend (shown when a plot has more than one series).
    pub label: String,
    /// `(x, y)` points.
    pub points: Vec<(f64, f64)>,
}

/// A line plot.
#[derive(Clone, Debug, PartialEq)]
pub struct LinePlot {
    /// Title above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// `(min, max)` of the x axis.
    pub x_range: (f64, f64),
    /// `(min, max)` of the y axis.
    pub y_range: (f64, f64),
    /// Draw the diagonal from the lower left to the upper right corner (a ROC curve's chance
    /// line, a true-vs-fitted plot's identity).
    pub diagonal: bool,
    /// Draw each point as a dot instead of joining the points (a scatter plot).
    pub markers: bool,
    /// The curves.
    pub series: Vec<Series>,
}

/// Colours of the series, in order (matplotlib's).
const COLOURS: [&str; 6] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
];

/// Escapes text for SVG.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

impl LinePlot {
    /// A plot of the unit square, `[0, 1]` on both axes.
    pub fn unit(title: &str, x_label: &str, y_label: &str) -> Self {
        LinePlot {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
            diagonal: false,
            markers: false,
            series: Vec::new(),
        }
    }

    /// The SVG document.
    pub fn svg(&self) -> String {
        let (w, h, m) = (480.0, 400.0, 50.0);
        let (x_lo, x_hi) = self.x_range;
        let (y_lo, y_hi) = self.y_range;
        let x = |v: f64| m + (v - x_lo) / (x_hi - x_lo) * (w - 1.5 * m);
        let y = |v: f64| h - m - (v - y_lo) / (y_hi - y_lo) * (h - 1.5 * m);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="20" text-anchor="middle">{}</text>"#,
            w / 2.0,
            esc(&self.title)
        );
        for i in 0..=10 {
            let f = f64::from(i) / 10.0;
            let (xv, yv) = (x_lo + f * (x_hi - x_lo), y_lo + f * (y_hi - y_lo));
            let _ = writeln!(
                s,
                r##"<line x1="{x0}" y1="{yv}" x2="{x1}" y2="{yv}" stroke="#eee"/><line x1="{xv}" y1="{y0}" x2="{xv}" y2="{y1}" stroke="#eee"/>"##,
                x0 = x(x_lo),
                x1 = x(x_hi),
                yv = y(yv),
                xv = x(xv),
                y0 = y(y_lo),
                y1 = y(y_hi)
            );
            if i % 2 == 0 {
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="middle">{}</text><text x="{}" y="{}" text-anchor="end">{}</text>"#,
                    x(xv),
                    y(y_lo) + 16.0,
                    tick(xv, x_hi - x_lo),
                    x(x_lo) - 6.0,
                    y(yv) + 4.0,
                    tick(yv, y_hi - y_lo)
                );
            }
        }
        let mid_x = x(x_lo + 0.5 * (x_hi - x_lo));
        let mid_y = y(y_lo + 0.5 * (y_hi - y_lo));
        let _ = writeln!(
            s,
            r#"<text x="{mid_x}" y="{}" text-anchor="middle">{}</text><text x="14" y="{mid_y}" transform="rotate(-90 14 {mid_y})" text-anchor="middle">{}</text>"#,
            h - 12.0,
            esc(&self.x_label),
            esc(&self.y_label),
        );
        if self.diagonal {
            let _ = writeln!(
                s,
                r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999" stroke-dasharray="4 4"/>"##,
                x(x_lo),
                y(y_lo),
                x(x_hi),
                y(y_hi)
            );
        }
        for (k, series) in self.series.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            if self.markers {
                for &(px, py) in &series.points {
                    let _ = writeln!(
                        s,
                        r#"<circle cx="{:.2}" cy="{:.2}" r="2" fill="{colour}" fill-opacity="0.5"/>"#,
                        x(px),
                        y(py)
                    );
                }
            } else {
                let mut points = String::new();
                for &(px, py) in &series.points {
                    let _ = write!(points, "{:.2},{:.2} ", x(px), y(py));
                }
                let _ = writeln!(
                    s,
                    r##"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"##,
                    points.trim_end()
                );
            }
            if self.series.len() > 1 {
                let ly = 40.0 + 16.0 * k as f64;
                let _ = writeln!(
                    s,
                    r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
                    w - 150.0,
                    ly - 4.0,
                    w - 130.0,
                    ly - 4.0,
                    w - 125.0,
                    ly,
                    esc(&series.label)
                );
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

/// A tick label: one decimal on a range of about 1, fewer or more as the range asks.
fn tick(v: f64, range: f64) -> String {
    let decimals = if range >= 10.0 {
        0
    } else if range >= 1.0 {
        1
    } else {
        (-(range.log10().floor()) as usize) + 1
    };
    format!("{v:.decimals$}")
}

/// NetInf's precision–recall curve (recall on x, precision on y, after every step).
pub fn pr_svg(curve: &[PrPoint], title: &str) -> String {
    let mut plot = LinePlot::unit(title, "recall", "precision");
    plot.series.push(Series {
        label: "precision–recall".into(),
        points: curve.iter().map(|p| (p.recall, p.precision)).collect(),
    });
    plot.svg()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pr_plot_has_its_curve_axes_and_escaped_title() {
        let curve = crate::metrics::edges::precision_recall(&[true, false, true], 4);
        let svg = pr_svg(&curve, "a<b & c");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("a&lt;b &amp; c"), "title escaped");
        assert!(svg.contains(">recall<") && svg.contains(">precision<"));
        assert_eq!(svg.matches("<polyline").count(), 1);
        // Three points: (0.25, 1), (0.25, 0.5), (0.5, 0.667) on a 405 x 325 plot area from (50, 350).
        assert!(
            svg.contains(r#"points="151.25,25.00 151.25,187.50 252.50,133.33""#),
            "{svg}"
        );
        assert!(!svg.contains("stroke-dasharray"), "no diagonal");
    }

    #[test]
    fn several_series_get_a_legend_and_ranges_scale() {
        let mut p = LinePlot::unit("ROC", "false positive rate", "true positive rate");
        p.diagonal = true;
        p.x_range = (0.0, 100.0);
        for (label, pts) in [
            ("static", vec![(0.0, 0.0), (100.0, 1.0)]),
            ("CT", vec![(50.0, 0.5)]),
        ] {
            p.series.push(Series {
                label: label.into(),
                points: pts,
            });
        }
        let svg = p.svg();
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(">static<") && svg.contains(">CT<"), "legend");
        assert!(svg.contains("stroke-dasharray"), "diagonal");
        assert!(
            svg.contains(">100<") && svg.contains(">0.4<"),
            "tick labels: {svg}"
        );
        assert!(
            svg.contains(r#"points="50.00,350.00 455.00,25.00""#),
            "scaled x: {svg}"
        );
    }
}
