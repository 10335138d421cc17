//! A minimal line-and-marker plot written as SVG text (no plotting dependency).

use std::fmt::Write as _;

/// One entry of the legend: a label and how its mark is drawn.
#[derive(Clone, Debug)]
struct LegendEntry {
    label: String,
    mark: String,
}

/// A plot with linear axes; data is added in data coordinates.
#[derive(Debug)]
pub struct Plot {
    width: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
    body: String,
    legend: Vec<LegendEntry>,
    legend_at: (f64, f64),
    id: String,
}

const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 50.0;

impl Plot {
    /// A `width`×`height` pixel plot showing `x` and `y` ranges (min, max).
    pub fn new(width: f64, height: f64, x: (f64, f64), y: (f64, f64)) -> Self {
        Plot {
            width,
            height,
            x,
            y,
            body: String::new(),
            legend: Vec::new(),
            legend_at: (LEFT + 4.0, TOP + 4.0),
            id: "plot".to_string(),
        }
    }

    /// Names the plot (used for its clip path id; unique per document).
    pub fn id(mut self, id: &str) -> Self {
        self.id = id.to_string();
        self
    }

    /// Puts the legend's top-left corner at this pixel position.
    pub fn legend_at(mut self, x: f64, y: f64) -> Self {
        self.legend_at = (x, y);
        self
    }

    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x.0) / (self.x.1 - self.x.0) * (self.width - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        self.height - BOTTOM - (y - self.y.0) / (self.y.1 - self.y.0) * (self.height - TOP - BOTTOM)
    }

    /// A shaded vertical band from `x0` to `x1` (behind the data added after it).
    pub fn band(&mut self, x0: f64, x1: f64, fill: &str) {
        let (a, b) = (self.px(x0), self.px(x1));
        let _ = writeln!(
            self.body,
            r#"<rect x="{a:.1}" y="{TOP}" width="{:.1}" height="{:.1}" fill="{fill}"/>"#,
            (b - a).max(0.5),
            self.height - TOP - BOTTOM
        );
    }

    /// A polyline through `points`; `dash` is an SVG dash array or "".
    pub fn line(
        &mut self,
        label: &str,
        points: &[(f64, f64)],
        stroke: &str,
        width: f64,
        dash: &str,
    ) {
        let mut d = String::new();
        for &(x, y) in points {
            let _ = write!(d, "{:.1},{:.1} ", self.px(x), self.py(y));
        }
        let style = format!(
            r#"fill="none" stroke="{stroke}" stroke-width="{width}" stroke-dasharray="{dash}" stroke-linejoin="round""#
        );
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" {style}/>"#,
            d.trim_end()
        );
        self.legend.push(LegendEntry {
            label: label.to_string(),
            mark: format!(r#"<line x1="0" y1="0" x2="22" y2="0" {style}/>"#),
        });
    }

    /// Filled circles at `points`.
    pub fn dots(&mut self, label: &str, points: &[(f64, f64)], radius: f64, fill: &str) {
        for &(x, y) in points {
            let _ = writeln!(
                self.body,
                r#"<circle cx="{:.1}" cy="{:.1}" r="{radius}" fill="{fill}"/>"#,
                self.px(x),
                self.py(y)
            );
        }
        self.legend.push(LegendEntry {
            label: label.to_string(),
            mark: format!(r#"<circle cx="11" cy="0" r="{radius}" fill="{fill}"/>"#),
        });
    }

    /// Small crosses at `points`.
    pub fn crosses(&mut self, label: &str, points: &[(f64, f64)], size: f64, stroke: &str) {
        let cross = |cx: f64, cy: f64| {
            format!(
                r#"<path d="M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}" stroke="{stroke}" stroke-width="1.5"/>"#,
                cx - size,
                cy - size,
                cx + size,
                cy + size,
                cx - size,
                cy + size,
                cx + size,
                cy - size
            )
        };
        for &(x, y) in points {
            let _ = writeln!(self.body, "{}", cross(self.px(x), self.py(y)));
        }
        self.legend.push(LegendEntry {
            label: label.to_string(),
            mark: cross(11.0, 0.0),
        });
    }

    /// Adds a legend entry for a band colour (bands themselves have no label).
    pub fn band_legend(&mut self, label: &str, fill: &str) {
        self.legend.push(LegendEntry {
            label: label.to_string(),
            mark: format!(r#"<rect x="0" y="-6" width="22" height="12" fill="{fill}"/>"#),
        });
    }

    /// The finished SVG document with axes, ticks every `x_step`/`y_step`, labels
    /// and the legend.
    pub fn finish(
        &self,
        title: &str,
        x_label: &str,
        y_label: &str,
        x_step: f64,
        y_step: f64,
    ) -> String {
        let (w, h) = (self.width, self.height);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{}</text>"#,
            escape(title)
        );
        s.push_str(&self.grid(x_step, y_step));
        let (x0, y0, x1, y1) = (LEFT, TOP, w - RIGHT, h - BOTTOM);
        let id = &self.id;
        let _ = writeln!(
            s,
            r#"<clipPath id="{id}-area"><rect x="{x0}" y="{y0}" width="{}" height="{}"/></clipPath>"#,
            x1 - x0,
            y1 - y0
        );
        let _ = writeln!(s, r#"<g clip-path="url(#{id}-area)">"#);
        s.push_str(&self.body);
        s.push_str("</g>\n");
        let _ = writeln!(
            s,
            r#"<rect x="{x0}" y="{y0}" width="{}" height="{}" fill="none" stroke="black"/>"#,
            x1 - x0,
            y1 - y0
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            (x0 + x1) / 2.0,
            h - 12.0,
            escape(x_label)
        );
        let _ = writeln!(
            s,
            r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">{}</text>"#,
            (y0 + y1) / 2.0,
            (y0 + y1) / 2.0,
            escape(y_label)
        );
        s.push_str(&self.legend_svg());
        s.push_str("</svg>\n");
        s
    }

    fn grid(&self, x_step: f64, y_step: f64) -> String {
        let mut s = String::new();
        let (top, bottom) = (TOP, self.height - BOTTOM);
        for i in 0..=((self.x.1 - self.x.0) / x_step).floor().min(1000.0) as u32 {
            let x = self.x.0 + f64::from(i) * x_step;
            let px = self.px(x);
            let _ = writeln!(
                s,
                r##"<line x1="{px:.1}" y1="{top}" x2="{px:.1}" y2="{bottom}" stroke="#e4e4e4"/>"##
            );
            let _ = writeln!(
                s,
                r#"<text x="{px:.1}" y="{}" text-anchor="middle">{}</text>"#,
                bottom + 16.0,
                trim(x)
            );
        }
        let (left, right) = (LEFT, self.width - RIGHT);
        for i in 0..=((self.y.1 - self.y.0) / y_step).floor().min(1000.0) as u32 {
            let y = self.y.0 + f64::from(i) * y_step;
            let py = self.py(y);
            let _ = writeln!(
                s,
                r##"<line x1="{left}" y1="{py:.1}" x2="{right}" y2="{py:.1}" stroke="#e4e4e4"/>"##
            );
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                left - 6.0,
                py + 4.0,
                trim(y)
            );
        }
        s
    }

    fn legend_svg(&self) -> String {
        let mut s = String::new();
        let (lx, ly) = self.legend_at;
        let x = lx + 8.0;
        for (i, entry) in self.legend.iter().enumerate() {
            let y = ly + 12.0 + 18.0 * i as f64;
            let _ = writeln!(
                s,
                r#"<g transform="translate({x},{y})">{}<text x="30" y="4">{}</text></g>"#,
                entry.mark,
                escape(&entry.label)
            );
        }
        let height = 18.0 * self.legend.len() as f64 + 8.0;
        format!(
            r##"<rect x="{lx}" y="{ly}" width="290" height="{height}" fill="white" fill-opacity="0.9" stroke="#bbb"/>
{s}"##
        )
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Stacks finished plots (each `(svg, height)`) top to bottom in one SVG document.
pub fn stack(width: f64, plots: &[(String, f64)]) -> String {
    let total: f64 = plots.iter().map(|(_, h)| h).sum();
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" viewBox="0 0 {width} {total}">"#
    );
    s.push('\n');
    let mut y = 0.0;
    for (svg, h) in plots {
        // A nested <svg> keeps each plot's own coordinate system.
        let inner = svg.replacen("<svg ", &format!(r#"<svg x="0" y="{y}" "#), 1);
        s.push_str(&inner);
        y += h;
    }
    s.push_str("</svg>\n");
    s
}
