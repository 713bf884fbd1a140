//! Keeps docs/deploy.md in step with what it describes: the alarms it names and counts are the
//! `AWS::CloudWatch::Alarm` resources of template.yaml; the custom metrics it counts are the series
//! the functions' EMF lines can create (`integration_tests::wiring::alarms::emitted_series`, read
//! from `webhook_receiver::emf_line` over every measure: each name and dimension values is one
//! CloudWatch custom metric), and it names every `Outcome` and `Cause` value and every metric
//! metrics.rs defines. Both sides come from the files, so adding an alarm, an outcome, a cause, a
//! stored kind or a metric without updating the guide fails here. docs/table.md names every
//! attribute of the table the same way. README.md stays a front page (at most 300 lines, two
//! commands), and every relative link of README.md and docs/*.md reaches a file and a heading.

use integration_tests::repo_root;
use integration_tests::template::{load_template, resources_of_type};
use integration_tests::wiring::alarms::emitted_series;
use std::collections::BTreeSet;
use webhook_receiver::{RequestClass, REQUESTS_METRIC, WRONG_ROUTE_METRIC};
use webhook_table::testing as item;
use webhook_table::FaultCause;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path))
        .unwrap_or_else(|err| panic!("read {path}: {err}"))
}

/// The logical ids of the template's alarms.
fn template_alarms() -> BTreeSet<String> {
    resources_of_type(&load_template(), "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// The `Outcome` and `Cause` dimension values the functions emit.
fn dimension_values() -> BTreeSet<String> {
    RequestClass::ALL
        .iter()
        .map(|class| class.as_str().to_owned())
        .chain(
            FaultCause::ALL
                .iter()
                .map(|cause| cause.as_str().to_owned()),
        )
        .collect()
}

/// The values of the `pub const NAME: &str = "..."` lines of `source` whose name passes `keep`.
fn string_consts(source: &str, keep: impl Fn(&str) -> bool) -> BTreeSet<String> {
    source
        .lines()
        .filter_map(|line| {
            let (name, value) = line
                .trim()
                .strip_prefix("pub const ")?
                .split_once(": &str = ")?;
            keep(name).then_some(())?;
            Some(value.trim_end_matches(';').trim_matches('"').to_owned())
        })
        .collect()
}

/// The names of the metrics metrics.rs defines: the values of its `pub const *_METRIC: &str`.
fn metric_names(source: &str) -> BTreeSet<String> {
    string_consts(source, |name| name.ends_with("_METRIC"))
}

/// The names `text` does not write in backticks.
fn not_named<'a>(text: &str, names: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    names
        .filter(|name| !text.contains(&format!("`{name}`")))
        .collect()
}

/// A count written in words or digits, as the guide writes it.
fn number(word: &str) -> Option<usize> {
    const WORDS: [&str; 13] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    let word = word.to_ascii_lowercase();
    WORDS
        .iter()
        .position(|w| *w == word)
        .or_else(|| word.parse().ok())
}

/// Every "<count> <noun>" in `text` (noun like "alarms" or "custom metrics"), with its line.
fn stated_counts(text: &str, noun: &str) -> Vec<(usize, usize)> {
    let mut counts = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let words: Vec<&str> = line
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let noun: Vec<&str> = noun.split(' ').collect();
        for at in 1..words.len() {
            if words[at..].starts_with(&noun) {
                if let Some(count) = number(words[at - 1]) {
                    counts.push((index + 1, count));
                }
            }
        }
    }
    counts
}

/// Words ending in "Alarm" that look like logical ids (`FunctionErrorsAlarm`); an IAM action
/// (`cloudwatch:PutMetricAlarm`) is not one.
fn alarm_ids_in(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric()) {
        let after_colon = rest[..start].ends_with(':');
        let word_len = rest[start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        if !after_colon
            && word.len() > "Alarm".len()
            && word.ends_with("Alarm")
            && word.starts_with(|c: char| c.is_ascii_uppercase())
        {
            ids.insert(word.to_owned());
        }
        rest = &rest[start + word_len..];
    }
    ids
}

fn assert_counts(doc: &str, noun: &str, expected: usize, source: &str) {
    let counts = stated_counts(doc, noun);
    assert!(
        !counts.is_empty(),
        "docs/deploy.md never says how many {noun} there are ({expected}, from {source})"
    );
    let wrong: Vec<String> = counts
        .iter()
        .filter(|(_, count)| *count != expected)
        .map(|(line, count)| format!("docs/deploy.md:{line} says {count} {noun}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "{source} has {expected} {noun}, but:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn the_deploy_guide_counts_and_names_the_alarms_of_the_template() {
    let doc = read("docs/deploy.md");
    let alarms = template_alarms();
    assert_counts(&doc, "alarms", alarms.len(), "template.yaml");
    let named = alarm_ids_in(&doc);
    assert_eq!(
        named, alarms,
        "docs/deploy.md names these alarms (left), template.yaml has these (right)"
    );
}

#[test]
fn the_deploy_guide_counts_and_lists_the_custom_metrics_the_functions_emit() {
    let doc = read("docs/deploy.md");
    let values = dimension_values();
    assert_counts(
        &doc,
        "custom metrics",
        emitted_series("ns").len(),
        "the series of shared/receiver/src/metrics.rs's EMF lines (emitted_series)",
    );
    let names = metric_names(&read("shared/receiver/src/metrics.rs"));
    assert!(
        names.contains(REQUESTS_METRIC) && names.contains(WRONG_ROUTE_METRIC),
        "metric_names found {names:?} in metrics.rs: update it to how metrics are named there"
    );
    let missing = not_named(&doc, values.iter().chain(&names));
    assert!(
        missing.is_empty(),
        "docs/deploy.md does not name these metrics or Outcome/Cause values: {missing:?}"
    );
}

/// Users query the table by these names, so a renamed attribute is a breaking change:
/// docs/table.md's "What is stored" names every attribute, index and `kind` value item.rs defines.
#[test]
fn the_table_doc_names_every_attribute_the_store_writes() {
    let doc = read("docs/table.md");
    let stored = doc
        .split_once("## What is stored")
        .and_then(|(_, rest)| rest.split_once("\n## "))
        .map(|(section, _)| section)
        .expect("docs/table.md has a \"What is stored\" section");
    // Names, not the expressions item.rs also keeps as constants.
    let names: BTreeSet<String> = string_consts(&read("shared/table/src/item.rs"), |_| true)
        .into_iter()
        .filter(|value| value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .collect();
    assert!(
        names.contains(item::RAW_BODY) && names.contains(item::BY_PHONE_INDEX),
        "string_consts found {names:?} in item.rs: update it to how names are defined there"
    );
    assert!(
        names.contains(item::QUARANTINE_SHARD),
        "string_consts found {names:?} in item.rs: it misses quarantine_shard"
    );
    let missing = not_named(stored, names.iter());
    assert!(
        missing.is_empty(),
        "docs/table.md's \"What is stored\" does not name {missing:?}"
    );
}

#[test]
fn the_counting_helpers_read_what_they_should() {
    assert_eq!(
        stated_counts(
            "the four alarms; 6 custom metrics\nup to Six custom metrics",
            "custom metrics"
        ),
        vec![(1, 6), (2, 6)]
    );
    assert_eq!(stated_counts("four alarms", "alarms"), vec![(1, 4)]);
    assert!(stated_counts("the alarms", "alarms").is_empty());
    let source =
        "pub const REQUESTS_METRIC: &str = \"Requests\";\n    pub const X: &str = \"no\";\n";
    assert_eq!(
        metric_names(source).into_iter().collect::<Vec<_>>(),
        ["Requests"]
    );
    assert_eq!(
        alarm_ids_in(
            "`FunctionErrorsAlarm` and Api5xxAlarm; an Alarm; alarms; cloudwatch:PutMetricAlarm"
        )
        .into_iter()
        .collect::<Vec<_>>(),
        ["Api5xxAlarm", "FunctionErrorsAlarm"]
    );
}

/// The text of `text`'s section under `heading` (a whole line such as `## Two commands`), up to
/// the next heading of the same or a higher level outside code blocks.
fn section<'a>(text: &'a str, heading: &str) -> Option<&'a str> {
    let level = heading.len() - heading.trim_start_matches('#').len();
    let start = text.lines().position(|line| line == heading)?;
    let body = text.split_inclusive('\n').skip(start + 1);
    let mut end = 0;
    let mut fenced = false;
    for line in body {
        fenced ^= line.trim_start().starts_with("```");
        let hashes = line.len() - line.trim_start_matches('#').len();
        if !fenced && (1..=level).contains(&hashes) && line[hashes..].starts_with(' ') {
            break;
        }
        end += line.len();
    }
    let offset = text
        .split_inclusive('\n')
        .take(start + 1)
        .map(str::len)
        .sum::<usize>();
    Some(&text[offset..offset + end])
}

/// The shell commands of the fenced code blocks in `text`: each line that is not a comment, one
/// that ends in `\` joined with the next.
fn commands_in(text: &str) -> Vec<String> {
    let mut commands: Vec<String> = Vec::new();
    let mut fenced = false;
    let mut continued = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let line = line.trim();
        if !fenced || line.is_empty() || (line.starts_with('#') && !continued) {
            continue;
        }
        match commands.last_mut() {
            Some(last) if continued => {
                last.truncate(last.trim_end_matches('\\').trim_end().len());
                last.push(' ');
                last.push_str(line);
            }
            _ => commands.push(line.to_owned()),
        }
        continued = line.ends_with('\\');
    }
    commands
}

/// The front page stays one: at most 300 lines, and under "Two commands" exactly two commands,
/// the one that runs the whole stack locally and the one that runs every test (which CI runs).
#[test]
fn the_readme_is_a_front_page_with_two_commands() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines: move reference material into docs/ (at most 300)"
    );
    let two =
        section(&readme, "## Two commands").expect("README.md has a \"Two commands\" section");
    let commands = commands_in(two);
    let programs: Vec<&str> = commands
        .iter()
        .filter_map(|command| command.split_whitespace().next())
        .collect();
    assert_eq!(
        programs,
        ["scripts/run-local", "scripts/test"],
        "README.md's \"Two commands\" shows these commands: {commands:#?}"
    );
    for program in &programs {
        assert!(
            repo_root().join(program).is_file(),
            "{program} is not a file"
        );
    }
    assert!(
        read(".ci/run")
            .lines()
            .any(|line| line.trim() == "scripts/test"),
        ".ci/run does not run README's test command"
    );
}

/// The anchors GitHub gives the headings of `text` (outside code blocks): lowercase, spaces to
/// `-`, punctuation other than `-` and `_` dropped, `-1`, `-2` ... after a repeated one.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut anchors = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let hashes = line.len() - line.trim_start_matches('#').len();
        if fenced || hashes == 0 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let anchor: String = line[hashes..]
            .trim()
            .chars()
            .flat_map(|c| match c {
                ' ' => vec!['-'],
                '-' | '_' => vec![c],
                c if c.is_alphanumeric() => c.to_lowercase().collect(),
                _ => Vec::new(),
            })
            .collect();
        let unique = (0..)
            .map(|n| match n {
                0 => anchor.clone(),
                n => format!("{anchor}-{n}"),
            })
            .find(|candidate| !anchors.contains(candidate))
            .expect("some suffix is free");
        anchors.insert(unique);
    }
    anchors
}

/// The targets of the Markdown links and images of `text`, outside code blocks and code spans.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            let target = rest[..end].split_whitespace().next().unwrap_or_default();
            targets.push(target.trim_matches(['<', '>']).to_owned());
            rest = &rest[end..];
        }
    }
    targets
}

/// The relative links of `text` (the file `path`, from the repository root) that reach no file,
/// or no heading of it, with what is wrong.
fn broken_links(path: &str, text: &str) -> Vec<String> {
    let dir = std::path::Path::new(path)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    let mut broken = Vec::new();
    for target in link_targets(text) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
        let headings = if file.is_empty() {
            anchors(text)
        } else {
            let linked = repo_root().join(dir.join(file));
            if !linked.exists() {
                broken.push(format!("{path}: ({target}): no such file"));
                continue;
            }
            if anchor.is_empty() {
                continue;
            }
            anchors(&std::fs::read_to_string(&linked).unwrap_or_default())
        };
        if !headings.contains(anchor) {
            broken.push(format!("{path}: ({target}): no such heading"));
        }
    }
    broken
}

/// README.md and every docs/*.md: each relative link reaches an existing file, and its `#anchor`
/// a heading of that file.
#[test]
fn every_relative_link_of_the_readme_and_the_docs_reaches_a_file_and_a_heading() {
    let mut files = vec!["README.md".to_owned()];
    let mut docs: Vec<String> = std::fs::read_dir(repo_root().join("docs"))
        .expect("docs/")
        .map(|entry| {
            entry
                .expect("docs/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    files.extend(docs);
    assert!(files.len() > 5, "found only {files:?}");
    let broken: Vec<String> = files
        .iter()
        .flat_map(|file| broken_links(file, &read(file)))
        .collect();
    assert!(
        broken.is_empty(),
        "broken links:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn the_link_helpers_read_what_they_should() {
    assert_eq!(
        anchors(
            "# A message's funnel\n## What `scripts/test` runs\n```\n# not a heading\n```\n\
             ## 8. What it costs\n### Exactly once\n## Exactly once\n#hashtag"
        ),
        [
            "8-what-it-costs",
            "a-messages-funnel",
            "exactly-once",
            "exactly-once-1",
            "what-scriptstest-runs"
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(
        link_targets(
            "[a](x.md#b) ![i](p.png) `[c](code.md)` [d](<y.md> \"t\")\n```\n[e](f.md)\n```"
        ),
        ["x.md#b", "p.png", "y.md"]
    );
    let text = "# Here\n[ok](table.md#what-is-stored) [self](#here) [web](https://x.test/#y)\n\
                [dir](../docs) [no file](no-such-file.md) [no heading](table.md#no-such-heading)\n\
                [gone](#gone) [dir anchor](../docs#x)";
    assert_eq!(
        broken_links("docs/example.md", text),
        [
            "docs/example.md: (no-such-file.md): no such file",
            "docs/example.md: (table.md#no-such-heading): no such heading",
            "docs/example.md: (#gone): no such heading",
            "docs/example.md: (../docs#x): no such heading",
        ]
    );
    let twice =
        "## Two commands\n```sh\nscripts/run-local  # a\n# a comment\nscripts/test \\\n  --x\n\
                 ```\n## Next\n```sh\nscripts/deploy\n```\n";
    assert_eq!(
        commands_in(section(twice, "## Two commands").expect("the section")),
        ["scripts/run-local  # a", "scripts/test --x"]
    );
}
