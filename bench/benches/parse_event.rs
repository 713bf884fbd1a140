//! In-process cost of one event: `webhook_payload::parse_event` (parse, validate, id and record
//! build, body hash) per event kind, and lambda_http's API Gateway v2 request decoding beside it.
//! `parse_event` runs each function's first route and then each documented body no first route
//! reads (edna's message status and incoming message), named by its route.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use webhook_payload::{parse_event, Function, Route};

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The API Gateway event of a route's fixture (`Route::apigw_fixture`), as text.
fn apigw_event(route: Route) -> String {
    read(&format!("fixtures/apigw/{}", route.apigw_fixture()))
}

/// The body of a route's fixture, decoded: a provider's documented body of a kind the route
/// stores, verbatim (`fixtures/payloads/`).
fn documented_body(route: Route) -> Vec<u8> {
    let request = lambda_http::request::from_str(&apigw_event(route)).expect("valid event");
    request.body().to_vec()
}

/// Each function by its binary name, with its first route.
fn functions() -> impl Iterator<Item = (&'static str, Route)> {
    Function::ALL
        .into_iter()
        .map(|function| (function.binary(), function.routes()[0]))
}

/// [`functions`], then a route for each documented body they do not read, named by its path
/// (`edna-statuses`).
fn documented_bodies() -> Vec<(String, Route)> {
    let mut cases: Vec<(String, Route)> = functions()
        .map(|(name, route)| (name.to_owned(), route))
        .collect();
    for route in Route::ALL {
        if !cases
            .iter()
            .any(|(_, read)| documented_body(*read) == documented_body(route))
        {
            let name = route.path().trim_start_matches('/').replace('/', "-");
            cases.push((name, route));
        }
    }
    cases
}

fn parse_event_per_kind(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_event");
    for (kind, route) in documented_bodies() {
        let body = documented_body(route);
        parse_event(route, &body).expect("the fixture is a valid event");
        group.bench_function(&kind, |b| {
            b.iter(|| parse_event(black_box(route), black_box(&body)))
        });
    }
    group.finish();
}

fn apigw_request_per_kind(c: &mut Criterion) {
    let mut group = c.benchmark_group("apigw_v2_request_from_str");
    for (kind, route) in functions() {
        let event = apigw_event(route);
        group.bench_function(kind, |b| {
            b.iter(|| lambda_http::request::from_str(black_box(&event)).expect("valid event"))
        });
    }
    group.finish();
}

criterion_group!(benches, parse_event_per_kind, apigw_request_per_kind);
criterion_main!(benches);
