//! The alarms and the topic that exist only for some parameters: the quiet alarms (`QuietHours`),
//! the topic with its e-mail subscription (`AlarmEmail` without `AlarmTopicArn`) and the pipes'
//! dead-letter alarm (`EventBusArn`).

use std::collections::BTreeSet;

use integration_tests::stack::Stack;
use integration_tests::template::load_template;
use integration_tests::wiring::alarms::{
    alarms, stored_series, Series, ALARM_TOPIC, PIPE_DEAD_LETTER_QUEUE,
};
use webhook_receiver::PROVIDER_DIMENSION;

use super::{lag, number, read, text, BUS, TOPIC};

#[test]
fn quiet_alarms_exist_only_when_asked_one_per_provider_over_its_stored_kinds() {
    let template = load_template();
    let quiet = |stack: &Stack| -> Vec<String> {
        alarms(stack)
            .into_iter()
            .map(|(id, _)| id.to_owned())
            .filter(|id| id.ends_with("QuietAlarm"))
            .collect()
    };
    assert!(
        quiet(&Stack::new(&template, &[])).is_empty(),
        "off by default"
    );
    let stack = Stack::new(&template, &[("QuietHours", "6")]);
    let ids = quiet(&stack);
    let providers: BTreeSet<&str> = stored_series().iter().map(|(p, _)| *p).collect();
    assert_eq!(ids.len(), providers.len(), "{ids:?}");
    let mut covered = BTreeSet::new();
    for id in &ids {
        let (metrics, _) = read(&stack, id);
        let provider_of: BTreeSet<String> = metrics
            .iter()
            .map(|(series, _, _)| series.dimensions[PROVIDER_DIMENSION].clone())
            .collect();
        assert_eq!(provider_of.len(), 1, "{id}: one provider");
        let provider = provider_of.into_iter().next().unwrap();
        let want: BTreeSet<(Series, String, u64)> = stored_series()
            .into_iter()
            .filter(|(p, _)| *p == provider)
            .map(|combo| (lag(&stack, combo), "SampleCount".to_owned(), 3600))
            .collect();
        assert_eq!(metrics, want, "{id}: every stored kind of {provider}");
        assert_eq!(text(&stack, id, "TreatMissingData"), "breaching", "{id}");
        assert_eq!(
            text(&stack, id, "ComparisonOperator"),
            "LessThanThreshold",
            "{id}"
        );
        assert_eq!(
            number(&stack, id, "EvaluationPeriods"),
            6.0,
            "{id}: QuietHours hours"
        );
        covered.insert(provider);
    }
    assert_eq!(covered.len(), providers.len());
}

#[test]
fn an_alarm_email_gets_a_topic_with_its_subscription_unless_a_topic_is_given() {
    let template = load_template();
    let topic = |overrides: &[(&str, &str)]| {
        let stack = Stack::new(&template, overrides);
        stack.exists(ALARM_TOPIC).then(|| {
            let subscriptions = &template["Resources"][ALARM_TOPIC]["Properties"]["Subscription"];
            let subscription = &subscriptions[0];
            (
                subscription["Protocol"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                stack.eval(&subscription["Endpoint"]).unwrap_or_default(),
            )
        })
    };
    assert_eq!(topic(&[]), None);
    assert_eq!(
        topic(&[("AlarmEmail", "ops@example.com")]),
        Some(("email".to_owned(), "ops@example.com".to_owned()))
    );
    assert_eq!(
        topic(&[("AlarmEmail", "ops@example.com"), ("AlarmTopicArn", TOPIC)]),
        None
    );
}

#[test]
fn the_pipes_dead_letter_alarm_exists_with_the_pipes() {
    let template = load_template();
    let ids = |overrides: &[(&str, &str)]| -> BTreeSet<String> {
        alarms(&Stack::new(&template, overrides))
            .into_iter()
            .map(|(id, _)| id.to_owned())
            .collect()
    };
    assert!(!ids(&[]).contains("PipeDeadLetterAlarm"));
    assert!(ids(&[("EventBusArn", BUS)]).contains("PipeDeadLetterAlarm"));
    let stack = Stack::new(&template, &[("EventBusArn", BUS)]);
    let (metrics, _) = read(&stack, "PipeDeadLetterAlarm");
    let queue = metrics.iter().next().expect("one metric");
    assert_eq!(queue.0.metric, "ApproximateNumberOfMessagesVisible");
    assert_eq!(
        queue.0.dimensions["QueueName"],
        format!("<{PIPE_DEAD_LETTER_QUEUE}.QueueName>")
    );
    assert_eq!(number(&stack, "PipeDeadLetterAlarm", "Threshold"), 1.0);
}
