//! The scheduled-scan recipes in `contrib/` (and quoted in the README) are checked for syntax:
//! the cron line's schedule, the systemd units' sections and keys, the GitHub Actions workflow's
//! YAML and structure, and every `cookiescan` command in them against the real argument parser.

use std::path::Path;

use clap::Parser;
use cookiescan::cli::Cli;
use yaml_rust2::{Yaml, YamlLoader};

fn contrib(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contrib")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// Parses a shell command line that runs cookiescan with clap, as the binary would. Shell
/// redirections and `VAR=value` prefixes are dropped first.
fn assert_cookiescan_command(command: &str) {
    let words = shlex::split(command).unwrap_or_else(|| panic!("unbalanced quotes: {command}"));
    let mut args: Vec<String> = Vec::new();
    let mut skip_next = false;
    for word in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        if word == ">" || word == ">>" || word == "2>" {
            skip_next = true;
            continue;
        }
        if word.starts_with('>') || word.starts_with("2>") {
            continue;
        }
        if args.is_empty() && word.contains('=') && !word.starts_with('-') {
            continue;
        }
        args.push(word);
    }
    assert!(
        args.first().is_some_and(|a| a.ends_with("cookiescan")),
        "not a cookiescan command: {command}"
    );
    if let Err(error) = Cli::try_parse_from(&args) {
        panic!("`{command}` does not parse: {error}");
    }
}

/// Every `cookiescan …` command of a shell script (lines joined; `&&`, `;` and `|` split).
fn cookiescan_commands(script: &str) -> Vec<String> {
    script
        .lines()
        .flat_map(|line| line.split("&&"))
        .flat_map(|part| part.split(';'))
        .flat_map(|part| part.split('|'))
        .map(str::trim)
        .filter(|part| {
            part.split_whitespace().next().is_some_and(|w| {
                w.ends_with("cookiescan") && !w.contains("/cookiescan.") && !w.starts_with('#')
            })
        })
        .map(str::to_string)
        .collect()
}

/// A cron field: `*`, `*/n`, numbers, ranges `a-b`, `a-b/n`, lists thereof, within bounds.
fn valid_cron_field(field: &str, low: u32, high: u32) -> bool {
    field.split(',').all(|part| {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (part, None),
        };
        if step.is_some_and(|s| s.parse::<u32>().map_or(true, |n| n == 0)) {
            return false;
        }
        let in_bounds = |text: &str| text.parse::<u32>().is_ok_and(|n| (low..=high).contains(&n));
        range == "*"
            || match range.split_once('-') {
                Some((a, b)) => {
                    in_bounds(a) && in_bounds(b) && a.parse::<u32>().unwrap() <= b.parse().unwrap()
                }
                None => in_bounds(range),
            }
    })
}

fn assert_cron_schedule(fields: &[&str]) {
    let bounds = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
    assert_eq!(fields.len(), 5, "five schedule fields: {fields:?}");
    for (field, (low, high)) in fields.iter().zip(bounds) {
        assert!(
            valid_cron_field(field, low, high),
            "bad cron field {field:?} in {fields:?}"
        );
    }
}

#[test]
fn the_cron_checker_itself_rejects_mistakes() {
    assert!(valid_cron_field("*/15", 0, 59));
    assert!(valid_cron_field("1-5", 0, 7));
    assert!(valid_cron_field("3,17", 0, 23));
    assert!(!valid_cron_field("60", 0, 59));
    assert!(!valid_cron_field("*/0", 0, 59));
    assert!(!valid_cron_field("5-1", 0, 7));
    assert!(!valid_cron_field("mon", 0, 7));
    let bad = std::panic::catch_unwind(|| assert_cookiescan_command("cookiescan scan --no-such"));
    assert!(bad.is_err(), "an unknown flag is caught");
}

#[test]
fn the_cron_line_is_valid() {
    let text = contrib("cookiescan.cron");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    assert_eq!(lines.len(), 1, "one crontab line");
    let fields: Vec<&str> = lines[0].split_whitespace().collect();
    assert_cron_schedule(&fields[..5]);
    let command = lines[0]
        .splitn(6, char::is_whitespace)
        .nth(5)
        .expect("a command");
    let commands = cookiescan_commands(command);
    assert_eq!(commands.len(), 1, "{command}");
    assert_cookiescan_command(&commands[0]);
}

/// Sections and keys of a systemd unit file; fails on anything that is not `[Section]`,
/// `Key=value`, a comment or blank.
fn unit_file(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut entries = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not Key=value: {line}"));
        assert!(!section.is_empty(), "{key} outside a section");
        entries.push((
            section.clone(),
            key.trim().to_string(),
            value.trim().to_string(),
        ));
    }
    entries
}

fn assert_keys(entries: &[(String, String, String)], allowed: &[(&str, &[&str])]) {
    for (section, key, _) in entries {
        let keys = allowed
            .iter()
            .find(|(s, _)| s == section)
            .unwrap_or_else(|| panic!("unexpected section [{section}]"))
            .1;
        assert!(
            keys.contains(&key.as_str()),
            "unknown key {key} in [{section}]"
        );
    }
}

fn value<'a>(entries: &'a [(String, String, String)], section: &str, key: &str) -> &'a str {
    entries
        .iter()
        .find(|(s, k, _)| s == section && k == key)
        .map(|(_, _, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in [{section}]"))
}

#[test]
fn the_systemd_units_are_valid() {
    let unit_keys: &[&str] = &["Description", "Wants", "After", "Requires", "OnFailure"];
    let service = unit_file(&contrib("cookiescan.service"));
    assert_keys(
        &service,
        &[
            ("Unit", unit_keys),
            (
                "Service",
                &[
                    "Type",
                    "User",
                    "WorkingDirectory",
                    "ExecStart",
                    "TimeoutStartSec",
                    "Nice",
                    "Environment",
                ],
            ),
        ],
    );
    assert_eq!(value(&service, "Service", "Type"), "oneshot");
    let exec = value(&service, "Service", "ExecStart");
    assert!(
        exec.starts_with('/'),
        "ExecStart needs an absolute path: {exec}"
    );
    assert_cookiescan_command(exec);

    let timer = unit_file(&contrib("cookiescan.timer"));
    assert_keys(
        &timer,
        &[
            ("Unit", unit_keys),
            (
                "Timer",
                &["OnCalendar", "RandomizedDelaySec", "Persistent", "Unit"],
            ),
            ("Install", &["WantedBy"]),
        ],
    );
    assert_eq!(value(&timer, "Install", "WantedBy"), "timers.target");
    let calendar = value(&timer, "Timer", "OnCalendar");
    // systemd's own parser, where systemd is installed; the shape check everywhere.
    let shape = regex::Regex::new(r"^\*-\*-\* \d{2}:\d{2}:\d{2}$").unwrap();
    assert!(shape.is_match(calendar), "OnCalendar {calendar:?}");
    if let Ok(output) = std::process::Command::new("systemd-analyze")
        .args(["calendar", calendar])
        .output()
    {
        assert!(
            output.status.success(),
            "systemd-analyze calendar {calendar:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn yaml_key<'a>(node: &'a Yaml, key: &str) -> &'a Yaml {
    &node[key]
}

#[test]
fn the_github_workflow_is_valid() {
    let text = contrib("cookie-scan.yml");
    let docs = YamlLoader::load_from_str(&text).expect("the workflow is YAML");
    assert_eq!(docs.len(), 1);
    let workflow = &docs[0];
    assert!(yaml_key(workflow, "name").as_str().is_some());
    // `on` is a plain key in YAML 1.2.
    let on = yaml_key(workflow, "on");
    let cron = on["schedule"][0]["cron"]
        .as_str()
        .expect("on.schedule[0].cron");
    let fields: Vec<&str> = cron.split_whitespace().collect();
    assert_cron_schedule(&fields);
    assert!(!on["workflow_dispatch"].is_badvalue());
    assert_eq!(workflow["permissions"]["contents"].as_str(), Some("write"));
    let jobs = workflow["jobs"].as_hash().expect("jobs");
    assert!(!jobs.is_empty());
    let mut commands = Vec::new();
    for (_, job) in jobs {
        assert!(job["runs-on"].as_str().is_some(), "runs-on");
        let steps = job["steps"].as_vec().expect("steps");
        for step in steps {
            let uses = step["uses"].as_str();
            let run = step["run"].as_str();
            assert!(
                uses.is_some() != run.is_some(),
                "a step has either uses or run: {step:?}"
            );
            if let Some(uses) = uses {
                assert!(uses.contains('@'), "pin a version: {uses}");
            }
            if let Some(run) = run {
                commands.extend(cookiescan_commands(run));
            }
            // Conditions referring to a step's output name a step that exists.
            if let Some(condition) = step["if"].as_str()
                && let Some(rest) = condition.split("steps.").nth(1)
            {
                let id = rest.split('.').next().unwrap();
                assert!(
                    steps.iter().any(|s| s["id"].as_str() == Some(id)),
                    "no step with id {id}"
                );
            }
        }
    }
    assert!(
        commands.iter().any(|c| c.contains("--diff-output")),
        "the workflow writes the Markdown diff: {commands:?}"
    );
    for command in &commands {
        assert_cookiescan_command(command);
    }
}

#[test]
fn the_readme_quotes_the_recipes_as_they_are() {
    let readme = readme();
    for name in [
        "cookiescan.cron",
        "cookiescan.service",
        "cookiescan.timer",
        "cookie-scan.yml",
    ] {
        assert!(
            readme.contains(contrib(name).trim_end()),
            "README.md does not quote contrib/{name} verbatim"
        );
    }
}

/// Every `cookiescan` command in the README's shell blocks parses.
#[test]
fn the_readme_commands_parse() {
    let readme = readme();
    let mut in_shell = false;
    let mut checked = 0;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_shell = line == "```sh";
            continue;
        }
        if !in_shell {
            continue;
        }
        let code = line.split(" #").next().unwrap_or_default();
        for command in cookiescan_commands(code) {
            if command.contains('$') || command.contains('*') {
                continue;
            }
            assert_cookiescan_command(&command);
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} commands found");
}
