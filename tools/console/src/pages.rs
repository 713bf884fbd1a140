//! The console's HTML: one layout, the live view's rows (also sent to the page as it polls), a
//! person's timeline, a message's funnel and the quarantine inbox. The overview's charts are in
//! `charts.rs`. maud escapes every value; phone numbers go through [`Shown`].

use maud::{html, Markup, PreEscaped, DOCTYPE};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use webhook_payload::MessageRef;
use webhook_table::QuarantinedBody;

use crate::event::Entry;
use crate::mask::{mask_digit_runs, mask_number_in, masked};
use crate::message::MessageView;
use crate::time::human;

const STYLE: &str = include_str!("../assets/console.css");
const SCRIPT: &str = include_str!("../assets/console.js");

/// What a URL segment keeps unescaped: letters, digits and `-._~` (RFC 3986's unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` escaped for one URL path segment (a `/` inside becomes `%2F`).
pub fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// The URL of a message's page.
pub fn message_url(message: &MessageRef) -> String {
    let mut url = "/messages".to_owned();
    for part in message.segments() {
        url.push('/');
        url.push_str(&segment(&part));
    }
    url
}

/// Whether numbers are shown whole on this page (the operator clicked "reveal").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// Show phone numbers whole.
    pub reveal: bool,
}

impl Shown {
    /// A phone number as this page shows it.
    pub fn phone(self, digits: &str) -> String {
        if self.reveal {
            format!("+{digits}")
        } else {
            masked(digits)
        }
    }

    /// The start of a message's text as this page shows it: the row's own number masked
    /// however it is written, and so is any other number a person typed into it.
    pub fn text(self, row: &Entry) -> String {
        let text = row.text.as_deref().unwrap_or("");
        if self.reveal {
            return text.to_owned();
        }
        let known = match row.phone.as_deref() {
            Some(phone) => mask_number_in(text, phone),
            None => text.to_owned(),
        };
        mask_digit_runs(&known)
    }

    /// A raw body as this page shows it: as stored, laid out when it is JSON (whitespace only:
    /// [`crate::pretty`]), the `phones` it is known to hold masked; a body whose numbers are not
    /// known (`phones` is `None`) has every long digit run masked.
    pub fn body(self, raw: &str, phones: Option<&[String]>) -> String {
        let pretty = crate::pretty::pretty(raw).unwrap_or_else(|| raw.to_owned());
        if self.reveal {
            return pretty;
        }
        match phones {
            Some(phones) => phones
                .iter()
                .fold(pretty, |text, phone| mask_number_in(&text, phone)),
            None => mask_digit_runs(&pretty),
        }
    }
}

/// Everything around a page's content.
pub struct Frame<'a> {
    /// The page's title.
    pub title: &'a str,
    /// The table the console reads.
    pub table: &'a str,
    /// Whether numbers are revealed.
    pub shown: Shown,
    /// What the page's reads cost, as DynamoDB reported it.
    pub read_units: Option<f64>,
}

/// A whole page.
pub fn layout(frame: &Frame, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " · webhook console" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    nav {
                        a href="/" { "Live" }
                        a href="/overview" { "Overview" }
                        a href="/quarantine" { "Quarantine" }
                        form #person-search action="/people" method="get" {
                            input name="number" type="search" placeholder="+44 7700 900000"
                                aria-label="A person's phone number";
                            button type="submit" { "Timeline" }
                        }
                    }
                    span .table { "table " code { (frame.table) } }
                }
                main { (content) }
                footer {
                    @if let Some(units) = frame.read_units {
                        span .cost { "This page read " (format!("{units:.1}")) " read units." }
                    }
                    @if frame.shown.reveal {
                        a #hide href="?" { "Hide numbers" }
                    } @else {
                        a #reveal href="?reveal=1" { "Reveal numbers" }
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

fn cell(value: Option<&str>) -> &str {
    value.unwrap_or("")
}

/// One row of the live view (also what `/api/events` sends a polling page).
pub fn live_row(seq: u64, row: &Entry, shown: Shown) -> Markup {
    html! {
        tr .event data-seq=(seq) data-provider=(cell(row.provider.as_deref()))
            data-kind=(row.kind) data-outcome=(row.outcome.as_str()) {
            td .received { time datetime=(row.received_at) { (short_time(&row.received_at)) } }
            td .provider { (cell(row.provider.as_deref())) }
            td .kind { (row.kind) }
            td .phone { @if let Some(phone) = &row.phone { (shown.phone(phone)) } }
            td .status { (cell(row.status.as_deref().or(row.reason.as_deref()))) }
            td .text { (shown.text(row)) }
            td .outcome { span class={"outcome " (row.outcome.as_str())} { (row.outcome.as_str()) } }
            td {
                @if let Some(message) = &row.message {
                    a .open href=(message_url(message)) { "open" }
                } @else if row.kind == "quarantine" {
                    a .open href="/quarantine" { "inbox" }
                }
            }
        }
    }
}

fn short_time(at: &str) -> &str {
    // `2026-12-04T10:00:00.000Z` reads as `2026-12-04 10:00:00`.
    at.get(..19).unwrap_or(at)
}

/// The live view: the newest rows, and what the page asks for next.
pub fn live(
    rows: &[(u64, &Entry)],
    feed: &crate::feed::Feed,
    filter: &crate::feed::Filter,
    shown: Shown,
) -> Markup {
    let option = |value: &str, chosen: &Option<String>| {
        html! { option value=(value) selected[chosen.as_deref() == Some(value)] { (value) } }
    };
    html! {
        h1 { "Live events" }
        p .hint {
            "The table's stream, the last 24 hours, newest first: " (feed.len()) " events in memory, at most "
            (feed.capacity())
            @if feed.dropped() > 0 { " (" (feed.dropped()) " older ones let go)" }
            ". A retry that was a duplicate wrote nothing, so it is not here."
        }
        form #filters method="get" {
            label { "Provider " select name="provider" onchange="this.form.submit()" {
                option value="" { "all" }
                (option("edna", &filter.provider))
                (option("botlinkd", &filter.provider))
            } }
            label { " Kind " select name="kind" onchange="this.form.submit()" {
                option value="" { "all" }
                @for kind in crate::overview::KINDS { (option(kind, &filter.kind)) }
            } }
            @if shown.reveal { input type="hidden" name="reveal" value="1"; }
            noscript { button type="submit" { "Filter" } }
            span #live-status data-after=(feed.next() - 1) { "connecting…" }
        }
        table #events {
            thead { tr {
                th { "Received (UTC)" } th { "Provider" } th { "Kind" } th { "Phone" }
                th { "Status" } th { "Text" } th { "Outcome" } th {}
            } }
            tbody {
                @for (seq, row) in rows { (live_row(*seq, row, shown)) }
            }
        }
        @if feed.is_empty() { p .empty { "No event in the stream yet: post one, it shows here within a second or two." } }
    }
}

/// A person's timeline.
pub fn person(digits: &str, rows: &[Entry], next: Option<&str>, shown: Shown) -> Markup {
    html! {
        h1 { "Timeline of " (shown.phone(digits)) }
        @if rows.is_empty() {
            p .empty { "No click or message of this number is stored." }
        }
        table #timeline {
            thead { tr { th { "When (provider time, UTC)" } th { "Provider" } th { "Kind" } th { "Text" } th {} } }
            tbody {
                @for row in rows {
                    tr .event data-kind=(row.kind) data-provider=(cell(row.provider.as_deref())) {
                        td .occurred { (short_time(cell(row.occurred_at.as_deref()))) }
                        td .provider { (cell(row.provider.as_deref())) }
                        td .kind { (row.kind) @if let Some(template) = row.template { " (template " (template) ")" } }
                        td .text { (shown.text(row)) }
                        td { @if let Some(message) = &row.message { a .open href=(message_url(message)) { "message" } } }
                    }
                }
            }
        }
        @if let Some(next) = next {
            a .older href={ "?after=" (next) @if shown.reveal { "&reveal=1" } } { "Older" }
        }
    }
}

/// A message's funnel, events and raw bodies.
pub fn message(message: &MessageRef, view: &MessageView, truncated: bool, shown: Shown) -> Markup {
    html! {
        h1 { "Message " code { (message.segments().join(" ")) } }
        p { "Current status: " strong #current-status { (view.status.as_deref().unwrap_or("no status yet")) }
            " (derived from its acks: the furthest of sent, delivered, read)" }
        @if let Some(failure) = &view.failure {
            p #failure { "Failed at " (short_time(&failure.at)) @if let Some(error) = &failure.error { ": " code { (error) } } }
        }
        @if truncated { p .warning { "This partition holds more items than the console reads; the first are shown." } }
        h2 { "Funnel" }
        table #funnel {
            thead { tr { th { "Step" } th { "When (provider time, UTC)" } th { "Since the step before" } } }
            tbody {
                @for step in &view.steps {
                    tr .step data-step=(step.name) {
                        td .name { (step.name) }
                        td .at { (short_time(&step.at)) }
                        td .since { @if let Some(seconds) = step.since_previous { (human(seconds)) } }
                    }
                }
            }
        }
        h2 { "Events" }
        table #message-events {
            thead { tr { th { "When" } th { "Kind" } th { "Status" } th { "Phone" } th { "Text" } th { "Outcome" } } }
            tbody {
                @for row in &view.events {
                    tr .event data-kind=(row.kind) data-outcome=(row.outcome.as_str()) {
                        td .occurred { (short_time(cell(row.occurred_at.as_deref()))) }
                        td .kind { (row.kind) }
                        td .status { (cell(row.status.as_deref())) }
                        td .phone { @if let Some(phone) = &row.phone {
                            // The timeline's URL holds the number: linked once revealed.
                            @if shown.reveal { a href={ "/people/" (phone) } { (shown.phone(phone)) } }
                            @else { (shown.phone(phone)) }
                        } }
                        td .text { (shown.text(row)) }
                        td .outcome { (row.outcome.as_str()) }
                    }
                }
            }
        }
        @if view.events.is_empty() {
            p .empty { "No event item in this message's partition." }
        }
        h2 { "Raw bodies" }
        @let phones = view.phones();
        @for body in &view.bodies {
            details .raw {
                summary { (body.label) @if let Some(at) = &body.at { " · " (short_time(at)) } }
                pre { (shown.body(&body.raw, Some(&phones))) }
            }
        }
    }
}

/// The quarantine inbox of one day.
pub fn quarantine(
    day: &str,
    bodies: &[&QuarantinedBody],
    next: Option<&str>,
    shown: Shown,
) -> Markup {
    html! {
        h1 { "Quarantine · " (day) }
        p .day-nav {
            @if let Some(before) = crate::time::day_step(day, -1) { a .prev-day href={ "?day=" (before) } { "← " (before) } }
            " "
            @if let Some(after) = crate::time::day_step(day, 1) { a .next-day href={ "?day=" (after) } { (after) " →" } }
        }
        p .hint { "Authenticated bodies that could not be read as their event. " em { "Try replay" }
            " parses one with today's code and writes nothing; " em { "Replay" } " stores it as the `replay` command does." }
        @if bodies.is_empty() { p .empty { "Nothing was quarantined on this day." } }
        table #quarantine {
            thead { tr { th { "Received (UTC)" } th { "Route" } th { "Reason" } th { "Field" } th { "Detail and body" } th {} } }
            tbody {
                @for found in bodies {
                    @let pk = found.key.partition();
                    tr .quarantined data-key=(webhook_payload::key_hash(pk)) data-pk=(pk) {
                        td .received { (short_time(&found.received_at)) }
                        td .route { (found.route.map(|route| route.path()).unwrap_or_default()) }
                        td .reason { (found.reason) }
                        td .field { (found.field.as_deref().unwrap_or_default()) }
                        td .detail {
                            div .detail-text { (shown.body(&found.detail, None)) }
                            details .raw {
                                summary { "raw body" }
                                pre { (shown.body(&String::from_utf8_lossy(&found.raw_body), None)) }
                            }
                        }
                        td .actions {
                            @if let Some(replayed) = &found.replayed {
                                span .replay-result { "replayed " (replayed.at) " (" (replayed.outcome) ")" }
                            } @else {
                                button .try-replay type="button" { "Try replay" }
                                button .replay type="button" { "Replay" }
                                span .replay-result {}
                            }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            a .older href={ "?day=" (day) "&after=" (next) @if shown.reveal { "&reveal=1" } } { "More" }
        }
    }
}

/// A page that says what went wrong.
pub fn problem(heading: &str, detail: &str) -> Markup {
    html! {
        h1 { (heading) }
        p .problem { (detail) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_url_escapes_each_id_as_one_segment() {
        let message = MessageRef::Botlinkd {
            instance_id: "10922".into(),
            message_id: "wamid.HBg/M+x=".into(),
        };
        assert_eq!(
            message_url(&message),
            "/messages/botlinkd/10922/wamid.HBg%2FM%2Bx%3D"
        );
    }

    #[test]
    fn a_body_shows_its_known_numbers_masked_until_revealed() {
        let raw = r#"{"data":{"from":"447123456789","body":"hi"}}"#;
        let phones = vec!["447123456789".to_owned()];
        let hidden = Shown { reveal: false }.body(raw, Some(&phones));
        assert!(
            !hidden.contains("447123456789") && hidden.contains("•••6789"),
            "{hidden}"
        );
        assert!(hidden.contains("\n"), "pretty-printed: {hidden}");
        let revealed = Shown { reveal: true }.body(raw, Some(&phones));
        assert!(revealed.contains("447123456789"));
    }

    #[test]
    fn a_number_written_with_spaces_is_masked_in_bodies_and_texts() {
        let raw = r#"{"data":{"from":"447123456789","body":"call me on +44 7123 456789"}}"#;
        let phones = vec!["447123456789".to_owned()];
        for reveal in [false, true] {
            let shown = Shown { reveal };
            for body in [shown.body(raw, Some(&phones)), shown.body(raw, None)] {
                assert_eq!(body.contains("7123 456789"), reveal, "{body}");
                assert_eq!(body.contains("447123456789"), reveal, "{body}");
            }
        }
        let row = Entry {
            phone: Some("447123456789".into()),
            text: Some("call me on +44 7123-456-789 or 020 7946 0958".into()),
            ..Entry::stored("message", "botlinkd", "2025-08-10T12:32:56.000Z")
        };
        assert_eq!(
            Shown { reveal: false }.text(&row),
            "call me on +•••6789 or •••0958"
        );
        assert_eq!(Shown { reveal: true }.text(&row), row.text.unwrap());
    }

    #[test]
    fn an_unread_body_has_every_long_digit_run_masked() {
        let hidden = Shown { reveal: false }.body("not json 79991234567", None);
        assert_eq!(hidden, "not json •••4567");
    }
}
