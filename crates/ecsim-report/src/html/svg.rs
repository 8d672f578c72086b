//! Small SVG charts drawn by hand: line charts over simulated time (with vertical markers),
//! horizontal bars (instance packing) and box plots (sweep variants). A few hundred lines of our
//! own instead of a charting crate: the page must be self-contained, deterministic to the byte
//! and free of scripts, and these three shapes are all it needs.

use std::fmt::Write;

/// Width and height of a chart, in SVG user units.
const W: f64 = 900.0;
const H: f64 = 260.0;
/// Margins: left (axis labels), right (legend), top, bottom.
const ML: f64 = 70.0;
const MR: f64 = 170.0;
const MT: f64 = 30.0;
const MB: f64 = 40.0;

/// Series colors, in order (a palette that stays apart for the colour-blind).
pub const COLORS: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
];

/// `text` with `&`, `<`, `>`, `"` and `'` as entities: safe in element content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for SVG coordinates: two decimals, no `-0`.
fn n(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

/// A tick label: integers as such, else up to 3 significant decimals.
fn label(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// A "nice" step for about `target` ticks over `span`.
fn step(span: f64, target: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// A step of whole time units (seconds, minutes, hours, days) for about `target` ticks.
fn time_step(span: f64, target: f64) -> f64 {
    const STEPS: [f64; 17] = [
        1.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        10_800.0, 21_600.0, 43_200.0, 86_400.0,
    ];
    let raw = span / target;
    match STEPS.iter().find(|&&s| s >= raw) {
        Some(&s) => s,
        None => (raw / 86_400.0).ceil() * 86_400.0,
    }
}

/// Simulated seconds as a time axis label (`0`, `30m`, `2h`, `1d 6h`).
pub fn time_label(s: f64) -> String {
    let s = s.max(0.0) as u64;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let mut out = String::new();
    if d > 0 {
        let _ = write!(out, "{d}d");
    }
    if h > 0 {
        let _ = write!(out, "{}{h}h", if out.is_empty() { "" } else { " " });
    }
    if m > 0 && d == 0 {
        let _ = write!(out, "{}{m}m", if out.is_empty() { "" } else { " " });
    }
    if sec > 0 && d == 0 && h == 0 {
        let _ = write!(out, "{}{sec}s", if out.is_empty() { "" } else { " " });
    }
    if out.is_empty() {
        out.push('0');
    }
    out
}

/// One line of a chart.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed (a target, a registered capacity).
    pub dashed: bool,
}

/// A line chart over simulated seconds, with vertical markers (time, label) and a legend.
/// `id` is the chart's element id; every text is escaped.
pub fn line_chart(
    id: &str,
    title: &str,
    y_label: &str,
    series: &[Series],
    markers: &[(f64, String)],
) -> String {
    let mut out = String::new();
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0f64);
    for s in series {
        for &(x, y) in &s.points {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    if x0 > x1 {
        x0 = 0.0;
        x1 = 1.0;
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let y1 = if y1 <= 0.0 { 1.0 } else { y1 * 1.05 };
    let (pw, ph) = (W - ML - MR, H - MT - MB);
    let sx = |x: f64| ML + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| MT + ph - y / y1 * ph;
    let _ = write!(
        out,
        r#"<svg id="{}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{}">"#,
        escape(id),
        escape(title)
    );
    let _ = write!(
        out,
        r#"<text x="{}" y="18" class="title">{}</text>"#,
        n(ML),
        escape(title)
    );
    // Axes and ticks.
    let ys = step(y1, 5.0);
    let mut y = 0.0;
    while y <= y1 + 1e-9 {
        y_gridline(&mut out, sy(y), pw, &label(y));
        y += ys;
    }
    let xs = time_step(x1 - x0, 8.0);
    let mut x = (x0 / xs).ceil() * xs;
    while x <= x1 + 1e-9 {
        let _ = write!(
            out,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/><text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
            n(sx(x)),
            n(MT + ph),
            n(sx(x)),
            n(MT + ph + 4.0),
            n(sx(x)),
            n(MT + ph + 16.0),
            escape(&time_label(x))
        );
        x += xs;
    }
    let _ = write!(
        out,
        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/>"##,
        n(ML),
        n(MT),
        n(ML),
        n(MT + ph),
        n(ML),
        n(MT + ph),
        n(ML + pw),
        n(MT + ph)
    );
    let _ = write!(
        out,
        r#"<text x="14" y="{}" class="tick" transform="rotate(-90 14 {})" text-anchor="middle">{}</text>"#,
        n(MT + ph / 2.0),
        n(MT + ph / 2.0),
        escape(y_label)
    );
    for (t, what) in markers {
        let _ = write!(
            out,
            r##"<line class="marker" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888" stroke-dasharray="2 3"><title>{}</title></line>"##,
            n(sx(*t)),
            n(MT),
            n(sx(*t)),
            n(MT + ph),
            escape(what)
        );
    }
    for (k, s) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let mut d = String::new();
        for (j, &(x, y)) in s.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{},{}",
                if j == 0 { "M" } else { " L" },
                n(sx(x)),
                n(sy(y))
            );
        }
        let dash = if s.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<path class="series" d="{d}" fill="none" stroke="{color}" stroke-width="1.6"{dash}><title>{}</title></path>"#,
            escape(&s.name)
        );
        let ly = MT + 14.0 * k as f64;
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="3"{dash}/><text x="{}" y="{}" class="legend">{}</text>"#,
            n(W - MR + 10.0),
            n(ly),
            n(W - MR + 30.0),
            n(ly),
            n(W - MR + 34.0),
            n(ly + 4.0),
            escape(&s.name)
        );
    }
    out.push_str("</svg>");
    out
}

/// One bar of a packing picture: a name and (reserved, registered) per resource.
pub struct Bar {
    pub name: String,
    pub cpu: (f64, f64),
    pub memory: (f64, f64),
}

/// Per-instance packing: for each instance, its reserved share of CPU and of memory as two bars.
pub fn packing(id: &str, title: &str, bars: &[Bar]) -> String {
    let row = 22.0;
    let h = MT + 20.0 + row * bars.len() as f64;
    let (x0, w) = (200.0, 300.0);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg id="{}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {}" role="img" aria-label="{}"><text x="10" y="18" class="title">{}</text>"#,
        escape(id),
        n(h),
        escape(title),
        escape(title)
    );
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" class="tick">CPU reserved</text><text x="{}" y="{}" class="tick">memory reserved</text>"#,
        n(x0),
        n(MT + 8.0),
        n(x0 + w + 40.0),
        n(MT + 8.0)
    );
    for (k, b) in bars.iter().enumerate() {
        let y = MT + 16.0 + row * k as f64;
        let _ = write!(
            out,
            r#"<text x="10" y="{}" class="tick">{}</text>"#,
            n(y + 12.0),
            escape(&b.name)
        );
        for (j, (res, reg)) in [b.cpu, b.memory].into_iter().enumerate() {
            let bx = x0 + j as f64 * (w + 40.0);
            let f = if reg > 0.0 {
                (res / reg).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let _ = write!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="14" fill="#eee" stroke="#bbb"/><rect class="bar" x="{}" y="{}" width="{}" height="14" fill="{}"><title>{} of {}</title></rect>"##,
                n(bx),
                n(y),
                n(w),
                n(bx),
                n(y),
                n(w * f),
                COLORS[j],
                label(res),
                label(reg)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// One box of a box plot: a name and its sorted values.
pub struct BoxData {
    pub name: String,
    pub values: Vec<f64>,
}

/// The q-quantile of sorted values (linear between closest ranks).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Box plots side by side: whiskers at min and max, the box from the first to the third quartile,
/// a line at the median.
pub fn box_plot(id: &str, title: &str, boxes: &[BoxData]) -> String {
    let mut out = String::new();
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for b in boxes {
        for &v in &b.values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo > hi {
        lo = 0.0;
        hi = 1.0;
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let (pw, ph) = (W - ML - 20.0, H - MT - MB);
    let sy = |y: f64| MT + ph - (y - lo) / (hi - lo) * ph;
    let _ = write!(
        out,
        r#"<svg id="{}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{}"><text x="{}" y="18" class="title">{}</text>"#,
        escape(id),
        escape(title),
        n(ML),
        escape(title)
    );
    let ys = step(hi - lo, 5.0);
    let mut y = (lo / ys).ceil() * ys;
    while y <= hi {
        y_gridline(&mut out, sy(y), pw, &label(y));
        y += ys;
    }
    let slot = pw / boxes.len().max(1) as f64;
    for (k, b) in boxes.iter().enumerate() {
        let mut v = b.values.clone();
        v.sort_by(f64::total_cmp);
        let cx = ML + slot * (k as f64 + 0.5);
        let bw = (slot * 0.5).min(60.0);
        let (q0, q1, q2, q3, q4) = (
            quantile(&v, 0.0),
            quantile(&v, 0.25),
            quantile(&v, 0.5),
            quantile(&v, 0.75),
            quantile(&v, 1.0),
        );
        let color = COLORS[k % COLORS.len()];
        let _ = write!(
            out,
            r##"<g class="box"><title>{}: min {}, median {}, max {} (n = {})</title><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/><rect x="{}" y="{}" width="{}" height="{}" fill="{color}" fill-opacity="0.35" stroke="{color}"/><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#000" stroke-width="2"/></g><text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
            escape(&b.name),
            label(q0),
            label(q2),
            label(q4),
            v.len(),
            n(cx),
            n(sy(q4)),
            n(cx),
            n(sy(q0)),
            n(cx - bw / 2.0),
            n(sy(q3)),
            n(bw),
            n((sy(q1) - sy(q3)).max(1.0)),
            n(cx - bw / 2.0),
            n(sy(q2)),
            n(cx + bw / 2.0),
            n(sy(q2)),
            n(cx),
            n(MT + ph + 16.0),
            escape(&b.name)
        );
    }
    out.push_str("</svg>");
    out
}

/// A horizontal grid line at `y` (pixels) across the plot's width `pw`, with its tick label.
fn y_gridline(out: &mut String, y: f64, pw: f64, tick: &str) {
    let _ = write!(
        out,
        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/><text x="{}" y="{}" class="tick" text-anchor="end">{}</text>"##,
        n(ML),
        n(y),
        n(ML + pw),
        n(y),
        n(ML - 6.0),
        n(y + 4.0),
        tick
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn time_labels() {
        assert_eq!(time_label(0.0), "0");
        assert_eq!(time_label(90.0), "1m 30s");
        assert_eq!(time_label(7200.0), "2h");
        assert_eq!(time_label(93_600.0), "1d 2h");
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 1.0), 4.0);
    }

    #[test]
    fn a_chart_names_its_series_escaped() {
        let s = line_chart(
            "c",
            "<b>t</b>",
            "y",
            &[Series {
                name: "<svc>".into(),
                points: vec![(0.0, 1.0), (60.0, 2.0)],
                dashed: false,
            }],
            &[(30.0, "<deploy>".into())],
        );
        assert!(s.contains("&lt;svc&gt;") && !s.contains("<svc>"));
        assert!(s.contains("&lt;b&gt;t&lt;/b&gt;"));
        assert!(s.contains(r#"class="series""#) && s.contains(r#"class="marker""#));
    }
}
