//! `scripts/rotate-secret` against a stub `aws` on PATH that plays the deployed stack (its
//! functions and their environments as template.yaml declares them, one SSM parameter per
//! provider) and records every call. Step one writes OLD,NEW and recycles exactly the functions
//! whose environment names the provider's parameter, which are the functions the `Function`
//! table says authenticate that provider; step two keeps NEW and recycles them again; a dry run
//! writes nothing; no secret is ever on an `aws` command line or printed (but a generated
//! BotLinkd token, once).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use integration_tests::repo_root;
use integration_tests::template::{environment, load_template, template_functions};
use serde_json::{json, Value};
use webhook_payload::{Function, Provider};

const STACK: &str = "whatsapp-webhooks";
const EDNA_PARAMETER: &str = "/whatsapp-webhooks/whatsapp-webhooks/edna-api-keys";
const BOTLINKD_PARAMETER: &str = "/whatsapp-webhooks/whatsapp-webhooks/botlinkd-tokens";
const OLD_KEY: &str = "old-edna-key-0123456789";
const NEW_KEY: &str = "new-edna-key-9876543210";
const OLD_TOKEN: &str = "old-botlinkd-token-0123456789abcdef0123";

/// The stub `aws`: answers from, and writes to, `state.json` beside it; logs each call's
/// arguments, one line per call.
const STUB: &str = r#"#!/usr/bin/env python3
import json, os, sys
here = os.environ["AWS_STUB_DIR"]
args = sys.argv[1:]
with open(os.path.join(here, "calls.log"), "a", encoding="utf-8") as log:
    log.write("\t".join(args) + "\n")
path = os.path.join(here, "state.json")
state = json.load(open(path, encoding="utf-8"))
def opt(name):
    return args[args.index(name) + 1] if name in args else None
def save():
    json.dump(state, open(path, "w", encoding="utf-8"))
service, operation = args[0], args[1]
if (service, operation) == ("cloudformation", "list-stack-resources"):
    assert opt("--stack-name") == state["stack"], args
    assert "AWS::Lambda::Function" in opt("--query"), args
    for logical, physical in state["functions"]:
        print(logical + "\t" + physical)
elif (service, operation) == ("lambda", "get-function-configuration"):
    env = state["env"][opt("--function-name")]
    query = opt("--query")
    if query == "Environment":
        print(json.dumps({"Variables": env}))
    elif query.startswith("Environment.Variables."):
        print(env.get(query.split(".", 2)[2], "None"))
    else:
        sys.exit("unexpected query " + query)
elif (service, operation) == ("lambda", "update-function-configuration"):
    request = json.load(open(opt("--environment")[len("file://"):], encoding="utf-8"))
    state["env"][opt("--function-name")] = request["Variables"]
    save()
    print("InProgress")
elif (service, operation) == ("lambda", "wait"):
    assert args[2] == "function-updated", args
elif (service, operation) == ("ssm", "get-parameter"):
    assert "--with-decryption" in args, args
    print(state["parameters"][opt("--name")])
elif (service, operation) == ("ssm", "put-parameter"):
    request = json.load(open(opt("--cli-input-json")[len("file://"):], encoding="utf-8"))
    assert request["Type"] == "SecureString" and request["Overwrite"] is True, request
    state["parameters"][request["Name"]] = request["Value"]
    save()
    print(2)
else:
    sys.exit("the stub does not play " + " ".join(args))
"#;

/// The deployed stack as the stub plays it, from template.yaml: each function's physical name
/// and environment (the parameters' variables naming the default parameters).
struct Deployed {
    dir: PathBuf,
    /// Logical id -> physical name.
    functions: BTreeMap<String, String>,
}

impl Deployed {
    fn new(name: &str, edna: &str, botlinkd: &str) -> Deployed {
        let template = load_template();
        let dir = std::env::temp_dir().join(format!("rotate-secret-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let stub = dir.join("aws");
        std::fs::write(&stub, STUB).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut functions = BTreeMap::new();
        let mut env = serde_json::Map::new();
        for (logical, _, function) in template_functions(&template) {
            let physical = format!("{STACK}-{logical}-AbC123");
            let variables: serde_json::Map<String, Value> = environment(&template, function)
                .into_keys()
                .map(|variable| {
                    let value = match variable.as_str() {
                        "EDNA_API_KEYS_PARAMETER" => EDNA_PARAMETER.to_owned(),
                        "BOTLINKD_TOKENS_PARAMETER" => BOTLINKD_PARAMETER.to_owned(),
                        _ => format!("value-of-{variable}"),
                    };
                    (variable, json!(value))
                })
                .collect();
            env.insert(physical.clone(), Value::Object(variables));
            functions.insert(logical.to_owned(), physical);
        }
        let state = json!({
            "stack": STACK,
            "functions": functions.iter().collect::<Vec<_>>(),
            "env": env,
            "parameters": { EDNA_PARAMETER: edna, BOTLINKD_PARAMETER: botlinkd },
        });
        std::fs::write(dir.join("state.json"), state.to_string()).unwrap();
        Deployed { dir, functions }
    }

    /// Runs the script with `args`, `stdin` as its standard input, the stub first on PATH.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let path = format!(
            "{}:{}",
            self.dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut child = Command::new(repo_root().join("scripts/rotate-secret"))
            .args(["--stack", STACK])
            .args(args)
            .env("PATH", path)
            .env("AWS_STUB_DIR", &self.dir)
            .env_remove("STACK")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run scripts/rotate-secret");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn state(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.join("state.json")).unwrap())
            .unwrap()
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.dir.join("calls.log")).unwrap_or_default()
    }

    /// The logical ids of the functions recycled (their configuration updated) so far, each
    /// with how many times.
    fn recycled(&self) -> BTreeMap<String, usize> {
        let mut recycled = BTreeMap::new();
        for call in self.calls().lines() {
            let args: Vec<&str> = call.split('\t').collect();
            if args.starts_with(&["lambda", "update-function-configuration"]) {
                let at = args.iter().position(|a| *a == "--function-name").unwrap();
                let logical = self
                    .functions
                    .iter()
                    .find(|(_, physical)| **physical == args[at + 1])
                    .map(|(logical, _)| logical.clone())
                    .unwrap();
                *recycled.entry(logical).or_default() += 1;
            }
        }
        recycled
    }

    fn parameter(&self, name: &str) -> String {
        self.state()["parameters"][name]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

impl Drop for Deployed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The functions whose environment in template.yaml names `variable`, by logical id.
fn naming(variable: &str) -> BTreeSet<String> {
    let template = load_template();
    template_functions(&template)
        .into_iter()
        .filter(|(_, _, function)| environment(&template, function).contains_key(variable))
        .map(|(logical, _, _)| logical.to_owned())
        .collect()
}

/// The functions the `Function` table says authenticate `provider`, by their template logical id.
fn authenticating(provider: Provider) -> BTreeSet<String> {
    let template = load_template();
    template_functions(&template)
        .into_iter()
        .filter(|(_, binary, _)| {
            Function::from_binary(binary).is_some_and(|f| f.providers().contains(&provider))
        })
        .map(|(logical, _, _)| logical.to_owned())
        .collect()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_nothing_leaked(deployed: &Deployed, output: &Output, secrets: &[&str]) {
    let calls = deployed.calls();
    for secret in secrets {
        assert!(
            !calls.contains(secret),
            "{secret} on an aws command line:\n{calls}"
        );
        assert!(
            !text(output).contains(secret),
            "{secret} printed:\n{}",
            text(output)
        );
    }
}

#[test]
fn the_functions_that_read_a_secret_are_those_the_function_table_says() {
    let edna = naming("EDNA_API_KEYS_PARAMETER");
    assert_eq!(edna, authenticating(Provider::Edna));
    assert_eq!(
        edna.len(),
        3,
        "click, ack and inbound-message all read the edna key: {edna:?}"
    );
    assert_eq!(
        naming("BOTLINKD_TOKENS_PARAMETER"),
        authenticating(Provider::Botlinkd)
    );
}

#[test]
fn rotating_the_edna_key_recycles_every_function_that_reads_it_twice() {
    let deployed = Deployed::new("edna", OLD_KEY, OLD_TOKEN);
    let readers = naming("EDNA_API_KEYS_PARAMETER");

    // A dry run reads, and writes nothing.
    let dry = deployed.run(&["edna", "add"], &format!("{NEW_KEY}\n"));
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).contains("dry run"), "{}", text(&dry));
    assert_eq!(deployed.parameter(EDNA_PARAMETER), OLD_KEY);
    assert!(deployed.recycled().is_empty());
    assert_nothing_leaked(&deployed, &dry, &[OLD_KEY, NEW_KEY]);

    // Step one: both keys, every reader recycled once, its environment otherwise kept.
    let before = deployed.state()["env"].clone();
    let added = deployed.run(&["--apply", "edna", "add"], &format!("{NEW_KEY}\n"));
    assert!(added.status.success(), "{}", text(&added));
    assert_eq!(
        deployed.parameter(EDNA_PARAMETER),
        format!("{OLD_KEY},{NEW_KEY}")
    );
    let recycled = deployed.recycled();
    assert_eq!(recycled.keys().cloned().collect::<BTreeSet<_>>(), readers);
    assert!(recycled.values().all(|times| *times == 1), "{recycled:?}");
    let after = deployed.state()["env"].clone();
    for (logical, physical) in &deployed.functions {
        let mut env = after[physical].as_object().unwrap().clone();
        let rotated = env.remove("SECRETS_ROTATED_AT");
        assert_eq!(rotated.is_some(), readers.contains(logical), "{logical}");
        assert_eq!(
            Value::Object(env),
            before[physical],
            "{logical} keeps its environment"
        );
        let waited = format!("lambda\twait\tfunction-updated\t--function-name\t{physical}");
        assert_eq!(
            deployed.calls().contains(&waited),
            readers.contains(logical)
        );
    }
    assert_nothing_leaked(&deployed, &added, &[OLD_KEY, NEW_KEY]);

    // While rotating, step one again is refused.
    let again = deployed.run(&["--apply", "edna", "add"], "another-key-0123456789\n");
    assert!(!again.status.success());
    assert!(text(&again).contains("retire"), "{}", text(&again));

    // Step two: the new key alone, every reader recycled again.
    let retired = deployed.run(&["--apply", "edna", "retire"], "");
    assert!(retired.status.success(), "{}", text(&retired));
    assert_eq!(deployed.parameter(EDNA_PARAMETER), NEW_KEY);
    assert!(deployed.recycled().values().all(|times| *times == 2));
    assert_nothing_leaked(&deployed, &retired, &[OLD_KEY, NEW_KEY]);
    let nothing = deployed.run(&["--apply", "edna", "retire"], "");
    assert!(!nothing.status.success(), "one key: nothing to retire");
    // BotLinkd's token was never touched.
    assert_eq!(deployed.parameter(BOTLINKD_PARAMETER), OLD_TOKEN);
}

#[test]
fn rotating_the_botlinkd_token_generates_one_and_recycles_its_readers() {
    let deployed = Deployed::new("botlinkd", OLD_KEY, OLD_TOKEN);
    let short = deployed.run(&["--apply", "botlinkd", "add"], "too-short\n");
    assert!(
        !short.status.success(),
        "a token under 32 characters is refused"
    );
    assert_eq!(deployed.parameter(BOTLINKD_PARAMETER), OLD_TOKEN);

    let added = deployed.run(&["--apply", "botlinkd", "add"], "\n");
    assert!(added.status.success(), "{}", text(&added));
    let value = deployed.parameter(BOTLINKD_PARAMETER);
    let (old, new) = value.split_once(',').expect("OLD,NEW");
    assert_eq!(old, OLD_TOKEN);
    assert!(
        new.len() == 64 && new.chars().all(|c| c.is_ascii_hexdigit()),
        "{new}"
    );
    assert!(
        text(&added).contains(new),
        "the generated token is shown once"
    );
    assert!(!deployed.calls().contains(new) && !deployed.calls().contains(OLD_TOKEN));
    assert_eq!(
        deployed.recycled().keys().cloned().collect::<BTreeSet<_>>(),
        naming("BOTLINKD_TOKENS_PARAMETER")
    );
    let retired = deployed.run(&["--apply", "botlinkd", "retire"], "");
    assert!(retired.status.success(), "{}", text(&retired));
    assert_eq!(deployed.parameter(BOTLINKD_PARAMETER), new);
    assert_eq!(deployed.parameter(EDNA_PARAMETER), OLD_KEY);
}

#[test]
fn the_runbook_and_the_configuration_doc_name_the_script_and_every_reader_of_the_edna_key() {
    let read = |path: &str| std::fs::read_to_string(repo_root().join(path)).unwrap();
    let guide = read("docs/deploy.md");
    let rotate = guide
        .split("## 6. Rotate secrets")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/deploy.md has section 6");
    assert!(rotate.contains("scripts/rotate-secret"), "{rotate}");
    assert!(!rotate.contains("recycle ClickFunction"), "{rotate}");
    let configuration = read("docs/configuration.md");
    let row = configuration
        .lines()
        .find(|line| line.starts_with("| `EDNA_API_KEYS_PARAMETER` |"))
        .expect("docs/configuration.md's table has the edna parameter");
    for function in Function::ALL
        .into_iter()
        .filter(|f| f.providers().contains(&Provider::Edna))
    {
        assert!(row.contains(function.binary()), "{row} lacks {function}");
    }
}
