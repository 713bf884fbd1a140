//! The overview page: four SVG charts drawn on the server (no script, no library: they read in a
//! screenshot and in a browser without JavaScript), each followed by a table of its numbers.

use maud::{html, Markup};

use crate::overview::{Overview, KINDS};
use crate::time::human;

const WIDTH: f64 = 760.0;
const COLOURS: [&str; KINDS.len()] = ["#2a7ab9", "#3a9d5d", "#e0a030", "#8c6bb1", "#d0453a"];

/// The overview page's content.
pub fn overview(overview: &Overview, kept: usize) -> Markup {
    html! {
        h1 { "The last 24 hours" }
        p .hint { "From the table's stream since " (overview.since.get(..16).unwrap_or(&overview.since))
            " UTC (the " (kept) " newest events kept in memory). Times are UTC." }
        section {
            h2 { "Events per hour" }
            (events_per_hour(overview))
            table #events-per-hour-table {
                thead { tr { th { "Hour" } @for kind in KINDS { th { (kind) } } th { "all" } } }
                tbody { @for hour in &overview.hours {
                    tr data-hour=(hour.label) {
                        td { (hour.label) }
                        @for count in hour.counts { td .count { (count) } }
                        td .total { (hour.counts.iter().sum::<usize>()) }
                    }
                } }
            }
        }
        section {
            h2 { "Delivery funnel" }
            (funnel(overview))
            table #delivery-funnel-table {
                thead { tr { th { "Step" } th { "Messages" } } }
                tbody {
                    @for (step, count) in funnel_steps(overview) {
                        tr data-step=(step) { td { (step) } td .count { (count) } }
                    }
                }
            }
            p { "Read rate: " span #read-rate { @match overview.funnel.read_rate() {
                Some(rate) => (format!("{:.1} %", rate * 100.0)),
                None => "no message sent in the window",
            } } }
        }
        section {
            h2 { "Clicks per edna template" }
            (bars("clicks-per-template", &overview.clicks_per_template.iter()
                .map(|(template, count)| (format!("template {template}"), *count as f64, count.to_string()))
                .collect::<Vec<_>>()))
            table #clicks-per-template-table {
                thead { tr { th { "Template" } th { "Clicks" } } }
                tbody { @for (template, count) in &overview.clicks_per_template {
                    tr data-template=(template) { td { (template) } td .count { (count) } }
                } }
            }
        }
        section {
            h2 { "Delivery lag (received − provider time)" }
            (bars("delivery-lag", &overview.lag.iter()
                .flat_map(|(provider, lag)| [
                    (format!("{provider} p50"), lag.p50.max(0.0), human(lag.p50)),
                    (format!("{provider} p90"), lag.p90.max(0.0), human(lag.p90)),
                ])
                .collect::<Vec<_>>()))
            table #delivery-lag-table {
                thead { tr { th { "Provider" } th { "Events" } th { "p50" } th { "p90" } } }
                tbody { @for (provider, lag) in &overview.lag {
                    tr data-provider=(provider) {
                        td { (provider) } td .events { (lag.events) }
                        td .p50 { (human(lag.p50)) } td .p90 { (human(lag.p90)) }
                    }
                } }
            }
        }
    }
}

fn funnel_steps(overview: &Overview) -> [(&'static str, usize); 4] {
    let funnel = overview.funnel;
    [
        ("sent", funnel.sent),
        ("delivered", funnel.delivered),
        ("read", funnel.read),
        ("failed", funnel.failed),
    ]
}

/// Stacked bars: one per hour, one colour per kind, with a legend and a scale.
fn events_per_hour(overview: &Overview) -> Markup {
    let (left, top, height) = (40.0, 24.0, 180.0);
    let most = overview
        .hours
        .iter()
        .map(|hour| hour.counts.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (WIDTH - left - 10.0) / overview.hours.len().max(1) as f64;
    html! {
        svg #events-per-hour xmlns="http://www.w3.org/2000/svg" role="img"
            width=(WIDTH) height=(top + height + 30.0) viewBox={ "0 0 " (WIDTH) " " (top + height + 30.0) } {
            title { "Events per hour, stacked by kind" }
            @for (at, kind) in KINDS.iter().enumerate() {
                rect x=(left + at as f64 * 110.0) y="4" width="10" height="10" fill=(COLOURS[at]) {}
                text x=(left + 14.0 + at as f64 * 110.0) y="13" font-size="11" { (kind) }
            }
            line x1=(left) y1=(top + height) x2=(WIDTH - 10.0) y2=(top + height) stroke="#888" {}
            text x=(left - 6.0) y=(top + 8.0) font-size="10" text-anchor="end" { (most) }
            text x=(left - 6.0) y=(top + height) font-size="10" text-anchor="end" { "0" }
            @for (at, hour) in overview.hours.iter().enumerate() {
                @let x = left + at as f64 * slot + 2.0;
                @for (kind, y, bar) in stack(&hour.counts, top + height, height / most) {
                    rect x=(x) y=(y) width=(slot - 4.0) height=(bar) fill=(COLOURS[kind]) {
                        title { (hour.label) " " (KINDS[kind]) ": " (hour.counts[kind]) }
                    }
                }
                @if at % 3 == 0 {
                    text x=(x + slot / 2.0) y=(top + height + 14.0) font-size="10" text-anchor="middle" { (hour.label) }
                }
            }
        }
    }
}

/// One hour's bar segments, bottom up: (kind, top edge, height), `scale` pixels per event.
fn stack(counts: &[usize], bottom: f64, scale: f64) -> Vec<(usize, f64, f64)> {
    let mut base = bottom;
    counts
        .iter()
        .enumerate()
        .filter(|(_, count)| **count > 0)
        .map(|(kind, count)| {
            let bar = *count as f64 * scale;
            base -= bar;
            (kind, base, bar)
        })
        .collect()
}

/// The funnel as horizontal bars, widest the messages sent.
fn funnel(overview: &Overview) -> Markup {
    let steps = funnel_steps(overview);
    bars(
        "delivery-funnel",
        &steps
            .iter()
            .map(|(step, count)| (step.to_string(), *count as f64, count.to_string()))
            .collect::<Vec<_>>(),
    )
}

/// Horizontal bars with their labels and values written beside them; "no data" when empty.
fn bars(id: &str, rows: &[(String, f64, String)]) -> Markup {
    let (label_width, row_height) = (130.0, 24.0);
    let height = (rows.len().max(1) as f64) * row_height + 8.0;
    let most = rows
        .iter()
        .map(|row| row.1)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let room = WIDTH - label_width - 90.0;
    html! {
        svg id=(id) xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(height)
            viewBox={ "0 0 " (WIDTH) " " (height) } {
            @if rows.is_empty() {
                text x="4" y="18" font-size="12" fill="#666" { "no data in the window" }
            }
            @for (at, (label, value, shown)) in rows.iter().enumerate() {
                @let y = 4.0 + at as f64 * row_height;
                text x=(label_width - 6.0) y=(y + 15.0) font-size="12" text-anchor="end" { (label) }
                rect x=(label_width) y=(y + 2.0) width=(room * value / most) height=(row_height - 6.0) fill=(COLOURS[at % COLOURS.len()]) {}
                text x=(label_width + room * value / most + 6.0) y=(y + 15.0) font-size="12" { (shown) }
            }
        }
    }
}
