//! The rule each alarm states (docs/operations.md; docs/deploy.md) is the one it computes: the
//! series it watches, with which statistic and period, its expressions and its threshold.

use std::collections::BTreeSet;

use integration_tests::stack::Stack;
use integration_tests::template::{load_template, resources_of_type};
use integration_tests::wiring::alarms::{stored_series, Series};
use serde_yaml_ng::Value as Yaml;
use webhook_receiver::{RequestClass, CAUSE_DIMENSION, REQUESTS_METRIC};
use webhook_table::FaultCause;

use super::{lag, number, ours, read, requests};

/// What each alarm computes, for the rule docs/operations.md's runbook and docs/deploy.md state.
pub(super) fn rule_problems(template: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    let stack = Stack::new(template, &[]);
    let s = &stack;
    let mut expect = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    let stored: Vec<_> = stored_series();
    let set = |items: Vec<(Series, &str, u64)>| -> BTreeSet<(Series, String, u64)> {
        items
            .into_iter()
            .map(|(series, stat, period)| (series, stat.to_owned(), period))
            .collect()
    };

    // A burst of 401 (>= 5 in 15 min) while nothing is stored or recognised as a duplicate.
    let (metrics, expressions) = read(s, "RefusedCredentialsAlarm");
    let want = set(stored
        .iter()
        .map(|combo| (lag(s, *combo), "SampleCount", 900))
        .chain([
            (requests(s, RequestClass::Unauthorized), "Sum", 900),
            (requests(s, RequestClass::Duplicate), "Sum", 900),
        ])
        .collect());
    expect(
        metrics == want,
        &format!("RefusedCredentialsAlarm watches {metrics:?}, expected {want:?}"),
    );
    let expression = expressions.first().cloned().unwrap_or_default();
    // What it computes, on the 15 minutes it watches: refused, stored (each kind), duplicate.
    let stored_ids: Vec<String> = stored
        .iter()
        .map(|(provider, kind)| format!("{provider}_{kind}"))
        .collect();
    let fires = |unauthorized: f64, stored: &[(&str, f64)], duplicate: f64| {
        let value = |id: &str| match id {
            "unauthorized" => Some(unauthorized),
            "duplicate" => Some(duplicate),
            _ => stored
                .iter()
                .find(|(kind, _)| *kind == id)
                .map(|(_, count)| *count),
        };
        metric_math(&expression, &value)
            .map(|answer| answer >= number(s, "RefusedCredentialsAlarm", "Threshold"))
    };
    for (case, unauthorized, stored, duplicate, want) in [
        ("a burst with nothing stored", 5.0, vec![], 0.0, true),
        ("four refusals", 4.0, vec![], 0.0, false),
        // The rotation half done: ack and inbound-message on the old edna key, click on the new.
        (
            "edna statuses refused while clicks and BotLinkd are stored",
            60.0,
            vec![
                ("edna_click", 200.0),
                ("botlinkd_message", 300.0),
                ("botlinkd_ack", 400.0),
            ],
            10.0,
            true,
        ),
        (
            "a scanner's few 401s among real traffic",
            6.0,
            vec![("edna_click", 500.0), ("botlinkd_ack", 700.0)],
            20.0,
            false,
        ),
    ] {
        let answer = fires(unauthorized, &stored, duplicate);
        expect(
            answer == Ok(want),
            &format!("RefusedCredentialsAlarm: {case}: {expression} gives {answer:?}, expected firing {want}"),
        );
    }
    for id in &stored_ids {
        expect(
            integration_tests::wiring::alarms::mentions(&expression, id),
            &format!("RefusedCredentialsAlarm: {expression} does not count {id} as stored"),
        );
    }

    // Any oversized body; any quarantined body (not an unmodelled event); any storage fault.
    for (id, class) in [
        ("OversizedBodyAlarm", RequestClass::TooLarge),
        ("QuarantinedEventsAlarm", RequestClass::Quarantined),
        ("FailedEventsAlarm", RequestClass::Failed),
    ] {
        let (metrics, _) = read(s, id);
        let want = set(vec![(requests(s, class), "Sum", 300)]);
        expect(
            metrics == want,
            &format!("{id} watches {metrics:?}, expected {want:?}"),
        );
        expect(
            number(s, id, "Threshold") == 1.0,
            &format!("{id}: fires on the first one"),
        );
    }

    // Permanent storage errors, at once: exactly the causes metrics.rs calls permanent.
    let (metrics, _) = read(s, "PermanentStorageErrorAlarm");
    let want = set(FaultCause::ALL
        .into_iter()
        .filter(|cause| cause.is_permanent())
        .map(|cause| {
            (
                ours(s, REQUESTS_METRIC, &[(CAUSE_DIMENSION, cause.as_str())]),
                "Sum",
                60,
            )
        })
        .collect());
    expect(
        metrics == want,
        &format!("PermanentStorageErrorAlarm watches {metrics:?}, expected {want:?}"),
    );

    // The worst p90 lag of any stored kind, against LagAlarmSeconds.
    let (metrics, expressions) = read(s, "DeliveryLagAlarm");
    let want = set(stored
        .iter()
        .map(|combo| (lag(s, *combo), "p90", 900))
        .collect());
    expect(
        metrics == want,
        &format!("DeliveryLagAlarm watches {metrics:?}, expected {want:?}"),
    );
    expect(
        expressions.iter().any(|e| e.starts_with("MAX(")),
        "DeliveryLagAlarm: MAX over the p90s",
    );
    expect(
        number(s, "DeliveryLagAlarm", "Threshold") == 900.0
            && number(
                &Stack::new(template, &[("LagAlarmSeconds", "300")]),
                "DeliveryLagAlarm",
                "Threshold",
            ) == 300.0,
        "DeliveryLagAlarm: Threshold is LagAlarmSeconds (default 900)",
    );

    // AWS's own metrics: API Gateway 4xx share and 5xx, table write throttling.
    let api = resources_of_type(template, "AWS::Serverless::HttpApi")[0].0;
    let aws = |namespace: &str, metric: &str, name: &str, value: String| Series {
        namespace: namespace.to_owned(),
        metric: metric.to_owned(),
        dimensions: [(name.to_owned(), value)].into_iter().collect(),
    };
    let (metrics, expressions) = read(s, "Api4xxAlarm");
    let want = set(vec![
        (
            aws("AWS/ApiGateway", "4xx", "ApiId", format!("<{api}>")),
            "Sum",
            900,
        ),
        (
            aws("AWS/ApiGateway", "Count", "ApiId", format!("<{api}>")),
            "Sum",
            900,
        ),
    ]);
    expect(metrics == want, &format!("Api4xxAlarm watches {metrics:?}"));
    expect(
        expressions
            .iter()
            .any(|e| e.contains("100 * FILL(refused, 0) / requests"))
            && number(s, "Api4xxAlarm", "Threshold") == 10.0,
        "Api4xxAlarm: 4xx >= 10% of requests",
    );
    let (metrics, _) = read(s, "Api5xxAlarm");
    expect(
        metrics
            == set(vec![(
                aws("AWS/ApiGateway", "5xx", "ApiId", format!("<{api}>")),
                "Sum",
                300,
            )]),
        "Api5xxAlarm watches the API's 5xx",
    );
    let (metrics, _) = read(s, "TableWriteThrottleAlarm");
    expect(
        metrics
            == set(vec![(
                aws(
                    "AWS/DynamoDB",
                    "WriteThrottleEvents",
                    "TableName",
                    "<EventTable>".into(),
                ),
                "Sum",
                300,
            )])
            && number(s, "TableWriteThrottleAlarm", "Threshold") == 1.0,
        "TableWriteThrottleAlarm: any WriteThrottleEvents of the table",
    );
    problems
}

#[test]
fn each_alarm_computes_the_rule_it_states() {
    let problems = rule_problems(&load_template());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The value of a CloudWatch metric math `expression` (the subset the alarms use: numbers,
/// metric ids, `+ - * /`, comparisons, `AND`, `OR`, parentheses, `IF(c, a, b)` and
/// `FILL(id, v)`), with `value` giving each id's value on the period (`None`: no data).
pub(super) fn metric_math(
    expression: &str,
    value: &dyn Fn(&str) -> Option<f64>,
) -> Result<f64, String> {
    let mut tokens = Vec::new();
    let mut chars = expression.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            let mut word = String::new();
            while let Some(&c) = chars
                .peek()
                .filter(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '.')
            {
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        } else {
            chars.next();
            let two = chars.peek().is_some_and(|next| *next == '=') && "<>=!".contains(c);
            if two {
                chars.next();
                tokens.push(format!("{c}="));
            } else {
                tokens.push(c.to_string());
            }
        }
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        value,
    };
    let answer = parser.or()?.unwrap_or(f64::NAN);
    if parser.at != parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.tokens[parser.at]));
    }
    Ok(answer)
}

/// A recursive-descent reader of [`metric_math`]'s tokens; a value of `None` is "no data".
struct Parser<'a> {
    tokens: Vec<String>,
    at: usize,
    value: &'a dyn Fn(&str) -> Option<f64>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn eat(&mut self, token: &str) -> Result<(), String> {
        if self.peek() == Some(token) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected {token}, found {:?}", self.peek()))
        }
    }

    fn or(&mut self) -> Result<Option<f64>, String> {
        let mut left = self.and()?;
        while self.peek() == Some("OR") {
            self.at += 1;
            let right = self.and()?;
            left = Some(f64::from(truthy(left) || truthy(right)));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Option<f64>, String> {
        let mut left = self.comparison()?;
        while self.peek() == Some("AND") {
            self.at += 1;
            let right = self.comparison()?;
            left = Some(f64::from(truthy(left) && truthy(right)));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Option<f64>, String> {
        let left = self.sum()?;
        let op = match self.peek() {
            Some(op @ ("<" | ">" | "<=" | ">=" | "==" | "!=")) => op.to_owned(),
            _ => return Ok(left),
        };
        self.at += 1;
        let right = self.sum()?;
        let (Some(a), Some(b)) = (left, right) else {
            return Ok(None);
        };
        let holds = match op.as_str() {
            "<" => a < b,
            ">" => a > b,
            "<=" => a <= b,
            ">=" => a >= b,
            "==" => a == b,
            _ => a != b,
        };
        Ok(Some(f64::from(holds)))
    }

    fn sum(&mut self) -> Result<Option<f64>, String> {
        let mut left = self.product()?;
        while let Some(op @ ("+" | "-")) = self.peek() {
            let plus = op == "+";
            self.at += 1;
            let right = self.product()?;
            left = left
                .zip(right)
                .map(|(a, b)| if plus { a + b } else { a - b });
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Option<f64>, String> {
        let mut left = self.atom()?;
        while let Some(op @ ("*" | "/")) = self.peek() {
            let times = op == "*";
            self.at += 1;
            let right = self.atom()?;
            left = left
                .zip(right)
                .map(|(a, b)| if times { a * b } else { a / b });
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Option<f64>, String> {
        let token = self.peek().ok_or("unexpected end")?.to_owned();
        self.at += 1;
        if token == "(" {
            let inner = self.or()?;
            self.eat(")")?;
            return Ok(inner);
        }
        if let Ok(number) = token.parse::<f64>() {
            return Ok(Some(number));
        }
        match token.as_str() {
            "IF" => {
                self.eat("(")?;
                let condition = self.or()?;
                self.eat(",")?;
                let then = self.or()?;
                self.eat(",")?;
                let otherwise = self.or()?;
                self.eat(")")?;
                Ok(if truthy(condition) { then } else { otherwise })
            }
            "FILL" => {
                self.eat("(")?;
                let series = self.or()?;
                self.eat(",")?;
                let fill = self.or()?;
                self.eat(")")?;
                Ok(series.or(fill))
            }
            id if id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Ok((self.value)(id)),
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

fn truthy(value: Option<f64>) -> bool {
    value.is_some_and(|v| v != 0.0)
}

#[test]
fn metric_math_reads_what_the_alarms_write() {
    let value = |id: &str| match id {
        "a" => Some(6.0),
        "b" => Some(100.0),
        _ => None,
    };
    let eval = |e: &str| metric_math(e, &value).unwrap();
    assert_eq!(eval("IF(FILL(a, 0) >= 5 AND FILL(x, 0) == 0, 1, 0)"), 1.0);
    assert_eq!(eval("IF(a >= 0.05 * (a + b), 1, 0)"), 1.0);
    assert_eq!(eval("IF(a >= 0.1 * (a + b), 1, 0)"), 0.0);
    assert_eq!(eval("FILL(x, 3) + 2 * 2"), 7.0);
    assert!(metric_math("IF(a, 1", &value).is_err());
}
