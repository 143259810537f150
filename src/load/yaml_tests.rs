//! The value of a YAML document read from the parser's events
//! (`yaml_events`) is the one serde-saphyr's deserializer makes
//! (`yaml::parse_plain_saphyr`), or none: on every YAML file of the
//! repository, and on documents made to tell the two apart.

use super::yaml::{MAX_DEPTH, MAX_NODES, parse_plain_saphyr};
use super::yaml_events::plain_value;

/// What the events give, serde-saphyr gives too; whether they gave one.
fn same_as_saphyr(text: &str) -> bool {
    let fast = plain_value(text, MAX_DEPTH, MAX_NODES);
    if let Some(value) = &fast {
        let slow = parse_plain_saphyr(text);
        assert_eq!(slow.as_ref().ok(), Some(value), "{text:?}: {slow:?}");
    }
    fast.is_some()
}

/// Every YAML file of the repository: the bundled runbooks, the test
/// fixtures (valid and not), the fuzzing seeds.
#[test]
fn every_yaml_file_of_the_repository_reads_as_with_serde_saphyr() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut read = 0;
    let mut files = 0;
    for dir in ["runbooks", "tests", "fuzz", "gtdocs.yaml"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
            let path = entry.path();
            let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if !yaml || !entry.file_type().is_file() {
                continue;
            }
            files += 1;
            read += usize::from(same_as_saphyr(&text));
        }
    }
    assert!(files > 100, "{files} YAML files found");
    // The bundled runbooks are what this path is for.
    for entry in std::fs::read_dir(root.join("runbooks")).expect("runbooks") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            plain_value(&text, MAX_DEPTH, MAX_NODES).is_some(),
            "{path:?} not read"
        );
    }
    assert!(read * 2 > files, "{read} of {files} read");
}

/// Every plain scalar of up to three characters from those numbers,
/// nulls and bools are written with (and a few that end a scalar), and
/// every spelling of their words with a sign or none, as a value and
/// as a key: read the same, or left to serde-saphyr.
#[test]
fn short_and_typed_looking_scalars_read_the_same_or_not_at_all() {
    let chars = [
        '0', '1', '9', 'a', 'e', 'E', 'x', 'X', 'o', 'b', 'n', 'N', 'i', 'f', 't', 'y', '.', '-',
        '+', '_', ':', '~', '/', ' ',
    ];
    let mut scalars: Vec<String> = Vec::new();
    for a in chars {
        scalars.push(a.to_string());
        for b in chars {
            scalars.push(format!("{a}{b}"));
            for c in chars {
                scalars.push(format!("{a}{b}{c}"));
            }
        }
    }
    let words = [
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf", "infinity",
        ".inf", ".nan", "0x1f", "0o17", "1e5", "1_0", "012",
    ];
    for word in words {
        for variant in [word.to_string(), word.to_uppercase(), capitalized(word)] {
            for sign in ["", "-", "+"] {
                scalars.push(format!("{sign}{variant}"));
            }
        }
    }
    let mut read = 0;
    for scalar in &scalars {
        read += usize::from(same_as_saphyr(&format!("a: {scalar}\n")));
        same_as_saphyr(&format!("{scalar}: a\n"));
    }
    assert!(read > scalars.len() / 4, "{read} of {} read", scalars.len());
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Cases made to tell the two apart: every kind of scalar YAML types,
/// and every construct this leaves to serde-saphyr.
#[test]
fn documents_made_to_differ_read_the_same_or_not_at_all() {
    let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
    let cases = [
        "a: 1\nb: 01\nc: 0x1F\nd: 1_000\ne: 1e3\nf: .5\ng: -5\nh: +5\ni: 0\nj: 0o17\n",
        "k: 18446744073709551615\nl: 18446744073709551616\nm: 1.0\nn: 0.\n",
        "a: true\nb: True\nc: TRUE\nd: yes\ne: no\nf: on\ng: off\nh: y\ni: n\nj: tRUE\n",
        "a: null\nb: Null\nc: NULL\nd: ~\ne:\nf: nULL\n",
        "a: nan\nb: NaN\nc: .nan\nd: inf\ne: -inf\nf: .inf\ng: -.inf\nh: infinity\ni: -Infinity\nj: +.nan\n",
        "a: 2025-01-01\nb: 12:30\nc: 1:20:30\nd: 2025-01-01T10:00:00Z\n",
        "a: --flag\nb: -x\nc: +y\nd: -\ne: /\nf: a:b\ng: http://x/y\nh: e5\ni: E5\nj: +\nk: .\nl: _\n",
        "a: -e5\nb: --5\nc: +-5\nd: x_1\ne: 5x\nf: 5 x\ng: a b c\nh: 1,000\n",
        "a: &x 1\nb: *x\n",
        "base: &b {x: 1}\nd:\n  <<: *b\n",
        "<<: {a: 1}\nb: 2\n",
        "'<<': x\n",
        "a: !!str 5\nb: !!int '5'\nc: !custom x\n",
        "!!map {a: b}\n",
        "a: 1\na: 2\n",
        "a: 1\n'a': 2\n",
        "? [a, b]\n: c\n",
        "{[a]: b}\n",
        "? a\n: b\n",
        "a: 1\n---\nb: 2\n",
        "--- a\n...\n",
        "%YAML 1.1\n---\na: yes\n",
        "%TAG ! tag:example.com,2000:\n---\na: !x b\n",
        "",
        "# only a comment\n",
        "---\n",
        "a: '5'\nb: \"true\"\nc: 'null'\nd: \"\\u0041\"\ne: ''\nf: \"\"\n",
        "a: |\n  x\n  y\nb: >-\n  p\n  q\nc: |+\n  r\n\nd: >\n  s\n",
        "a: [1, two, 'three', {b: c}]\nb: {c: d, e: 5}\nc: []\nd: {}\n",
        &deep,
        "hello\n",
        "- a\n- b\n- - c\n  - d\n",
        "1: a\ntrue: b\nnull: c\n~: d\n",
        "a: [1, 2\n",
        "a: b: c\n",
        "\tkey: v\n",
        "\u{FEFF}a: b\n",
        "a: b\r\nc: d\r\n",
        "a: é\nb: 日本\nc: \u{200B}x\n",
        "a: plain\n  folded\n  text\n",
        "a: x # comment\nb: 'y' # comment\n",
        "- &a x\n- *a\n",
        "a: !!null ''\n",
        "key with spaces: value\n\"quoted key\": 1\n",
    ];
    for case in cases {
        same_as_saphyr(case);
    }
    // Around the node limit: a list of n scalars is n + 1 nodes.
    for n in MAX_NODES - 3..=MAX_NODES {
        same_as_saphyr(&format!("[{}]", vec!["a"; n].join(",")));
    }
    // The kinds this is for are read.
    for case in [
        cases[26], cases[27], cases[28], cases[31], cases[38], cases[39],
    ] {
        assert!(same_as_saphyr(case), "{case:?} not read");
    }
}
