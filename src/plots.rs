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
        open_svg(&mut s, w, h);
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

/// The SVG element of a `w × h` document on a white background.
fn open_svg(s: &mut String, w: f64, h: f64) {
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
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

/// A diverging colour for `v` in [−1, 1]: blue (−1) through white (0) to red (+1); light
/// grey for NaN (no data).
pub fn diverging(v: f64) -> [u8; 3] {
    if v.is_nan() {
        return [235, 235, 235];
    }
    let v = v.clamp(-1.0, 1.0);
    let (r, g, b) = if v < 0.0 {
        let f = -v;
        (1.0 - 0.9 * f, 1.0 - 0.6 * f, 1.0)
    } else {
        (1.0, 1.0 - 0.8 * v, 1.0 - 0.85 * v)
    };
    [
        (r * 255.0).round() as u8,
        (g * 255.0).round() as u8,
        (b * 255.0).round() as u8,
    ]
}

/// A square heat map of `size × size` cells (`values[j * size + i]`: column i, row j from the
/// bottom) on [0, 1]², coloured by [`diverging`], with a dashed horizontal line at `hline`
/// (data units) labelled, axis labels and a colour legend.
pub fn heatmap_svg(
    values: &[f64],
    size: usize,
    title: &str,
    x_label: &str,
    y_label: &str,
    hline: Option<(f64, &str)>,
    legend: (&str, &str),
) -> String {
    let (w, h, m) = (560.0, 520.0, 60.0);
    let side = h - 1.6 * m;
    let cell = side / size as f64;
    let x0 = m;
    let y0 = h - m;
    let mut s = String::new();
    open_svg(&mut s, w, h);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="20" text-anchor="middle">{}</text>"#,
        x0 + side / 2.0,
        esc(title)
    );
    for j in 0..size {
        for i in 0..size {
            let [r, g, b] = diverging(values[j * size + i]);
            let _ = writeln!(
                s,
                r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="rgb({r},{g},{b})"/>"#,
                x0 + i as f64 * cell,
                y0 - (j + 1) as f64 * cell,
                cell + 0.3,
                cell + 0.3
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<rect x="{x0}" y="{}" width="{side}" height="{side}" fill="none" stroke="#333"/>"##,
        y0 - side
    );
    for k in 0..=5 {
        let f = f64::from(k) / 5.0;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{f:.1}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{f:.1}</text>"#,
            x0 + f * side,
            y0 + 16.0,
            x0 - 6.0,
            y0 - f * side + 4.0
        );
    }
    if let Some((y, label)) = hline
        && y.is_finite()
    {
        let yy = y0 - y * side;
        let _ = writeln!(
            s,
            r##"<line x1="{x0}" y1="{yy:.2}" x2="{:.2}" y2="{yy:.2}" stroke="#444" stroke-width="1.5" stroke-dasharray="6 4"/><text x="{:.2}" y="{:.2}" text-anchor="end" fill="#444">{}</text>"##,
            x0 + side,
            x0 + side - 4.0,
            yy - 4.0,
            esc(label)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text><text x="16" y="{:.1}" transform="rotate(-90 16 {:.1})" text-anchor="middle">{}</text>"#,
        x0 + side / 2.0,
        h - 14.0,
        esc(x_label),
        y0 - side / 2.0,
        y0 - side / 2.0,
        esc(y_label)
    );
    // Legend: a vertical bar from −1 to +1.
    let lx = x0 + side + 20.0;
    for k in 0..40 {
        let v = -1.0 + 2.0 * (f64::from(k) + 0.5) / 40.0;
        let [r, g, b] = diverging(v);
        let _ = writeln!(
            s,
            r#"<rect x="{lx:.1}" y="{:.2}" width="16" height="{:.2}" fill="rgb({r},{g},{b})"/>"#,
            y0 - (f64::from(k) + 1.0) * side / 40.0,
            side / 40.0 + 0.3
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}">+1 {}</text><text x="{:.1}" y="{:.1}">−1 {}</text>"#,
        lx + 20.0,
        y0 - side + 10.0,
        esc(legend.1),
        lx + 20.0,
        y0,
        esc(legend.0)
    );
    s.push_str("</svg>\n");
    s
}

/// The same heat map as a PNG raster (`scale` pixels per cell, top row = highest y; the
/// horizontal line dashed in dark grey), without text: the SVG carries the labels.
pub fn heatmap_png(values: &[f64], size: usize, scale: usize, hline: Option<f64>) -> Vec<u8> {
    let side = size * scale;
    let mut rgb = vec![0u8; side * side * 3];
    for py in 0..side {
        let j = size - 1 - py / scale;
        for px in 0..side {
            let c = diverging(values[j * size + px / scale]);
            rgb[(py * side + px) * 3..(py * side + px) * 3 + 3].copy_from_slice(&c);
        }
    }
    if let Some(y) = hline.filter(|y| y.is_finite()) {
        let py = ((1.0 - y) * side as f64)
            .round()
            .clamp(0.0, side as f64 - 1.0) as usize;
        for px in 0..side {
            if (px / 6) % 2 == 0 {
                for dy in 0..2usize {
                    let row = (py + dy).min(side - 1);
                    rgb[(row * side + px) * 3..(row * side + px) * 3 + 3]
                        .copy_from_slice(&[60, 60, 60]);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("writing to memory");
        w.write_image_data(&rgb).expect("writing to memory");
    }
    out
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
