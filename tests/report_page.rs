//! `serve`'s live diagnosis page, `/report?target=NAME`, read the way the on-call reads it: in
//! Debian's Chromium (headless, `--dump-dom`) during a real lock incident on a throwaway
//! PostgreSQL whose password is in the fleet file. The DOM Chromium built is parsed and asserted
//! on: the root blocker's pid in the tree with its waiters nested under it, the `dbrunbook end`
//! command and the step SQL in `<pre><code>`, hostile values from the database as text that made
//! no element, and no password. Also the 404 for a name not in the file, the headers, and the
//! rules export's `--report-url`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::fleet::{Exporter, FleetDir, Silent};
use crate::support::*;

/// A password to find nowhere in the page: only in the fleet file.
const SENTINEL: &str = "Sentinel7pwQx93";
/// The root blocker's application_name: closes the page's blocks and opens elements if it is
/// not escaped (35 characters: within PostgreSQL's 63).
const HOSTILE_APP: &str = "</pre><b>x<script>alert(1)</script>";
/// A comment in the root's last query, which the tree and the steps quote.
const HOSTILE_QUERY: &str = "/* </code></pre><i>q</i> */";

/// An element or a text node of the DOM Chromium serialized.
#[derive(Debug)]
enum Dom {
    Element {
        tag: String,
        attrs: Vec<(String, String)>,
        children: Vec<Dom>,
    },
    Text(String),
}

impl Dom {
    fn attr(&self, name: &str) -> Option<&str> {
        match self {
            Dom::Element { attrs, .. } => attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
            Dom::Text(_) => None,
        }
    }

    fn is(&self, tag_name: &str) -> bool {
        matches!(self, Dom::Element { tag, .. } if tag == tag_name)
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }

    fn children(&self) -> &[Dom] {
        match self {
            Dom::Element { children, .. } => children,
            Dom::Text(_) => &[],
        }
    }

    /// Every element at or below this one matching `pred`, in document order.
    fn find_all<'a>(&'a self, pred: &dyn Fn(&Dom) -> bool, out: &mut Vec<&'a Dom>) {
        if let Dom::Element { children, .. } = self {
            if pred(self) {
                out.push(self);
            }
            for c in children {
                c.find_all(pred, out);
            }
        }
    }

    fn all(&self, pred: &dyn Fn(&Dom) -> bool) -> Vec<&Dom> {
        let mut out = Vec::new();
        self.find_all(pred, &mut out);
        out
    }

    fn text(&self) -> String {
        match self {
            Dom::Text(t) => t.clone(),
            Dom::Element { children, .. } => children.iter().map(Dom::text).collect(),
        }
    }
}

/// Parses the HTML serialization Chromium writes (`outerHTML` of the document): well formed,
/// text escaped, raw text only inside `<style>` and `<script>`. Enough for its own output,
/// not a general HTML parser.
fn parse_dom(html: &str) -> Dom {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ];
    let mut stack: Vec<Dom> = vec![Dom::Element {
        tag: "#document".into(),
        attrs: vec![],
        children: vec![],
    }];
    let push = |stack: &mut Vec<Dom>, node: Dom| {
        if let Some(Dom::Element { children, .. }) = stack.last_mut() {
            children.push(node);
        }
    };
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r);
        } else if rest.starts_with("<!") {
            rest = rest.split_once('>').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("</") {
            let (name, r) = after.split_once('>').expect("end tag");
            rest = r;
            let name = name.trim().to_ascii_lowercase();
            let node = stack.pop().expect("open element");
            assert!(node.is(&name), "</{name}> closes {node:?}");
            push(&mut stack, node);
        } else if let Some(after) = rest.strip_prefix('<') {
            let name_len = after
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .expect("tag name");
            let tag = after[..name_len].to_ascii_lowercase();
            let mut r = &after[name_len..];
            let mut attrs = Vec::new();
            loop {
                r = r.trim_start();
                if let Some(x) = r.strip_prefix('>') {
                    r = x;
                    break;
                }
                if let Some(x) = r.strip_prefix("/>") {
                    r = x;
                    break;
                }
                let key_len = r
                    .find(|c: char| c == '=' || c.is_whitespace() || c == '>')
                    .expect("attribute");
                let key = r[..key_len].to_ascii_lowercase();
                r = &r[key_len..];
                let value = if let Some(x) = r.strip_prefix("=\"") {
                    let end = x.find('"').expect("closing quote");
                    r = &x[end + 1..];
                    entities(&x[..end])
                } else {
                    String::new()
                };
                attrs.push((key, value));
            }
            rest = r;
            if tag == "style" || tag == "script" {
                let close = format!("</{tag}>");
                let end = rest.find(&close).expect("raw text end");
                let node = Dom::Element {
                    tag,
                    attrs,
                    children: vec![Dom::Text(rest[..end].to_string())],
                };
                push(&mut stack, node);
                rest = &rest[end + close.len()..];
            } else if VOID.contains(&tag.as_str()) {
                push(
                    &mut stack,
                    Dom::Element {
                        tag,
                        attrs,
                        children: vec![],
                    },
                );
            } else {
                stack.push(Dom::Element {
                    tag,
                    attrs,
                    children: vec![],
                });
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            push(&mut stack, Dom::Text(entities(&rest[..end])));
            rest = &rest[end..];
        }
    }
    while stack.len() > 1 {
        let node = stack.pop().unwrap();
        push(&mut stack, node);
    }
    stack.pop().unwrap()
}

/// The character references the serializer writes.
fn entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Chromium headless, the DOM of `url` after load, within a bound.
fn chromium_dom(chromium: &std::path::Path, url: &str) -> String {
    let profile = tempfile::Builder::new()
        .prefix("dbrunbook-chromium-")
        .tempdir()
        .unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 180s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let dom = reader.join().unwrap();
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    assert!(
        status.success() && dom.contains("<html"),
        "chromium: {status}\n{err}\n{dom}"
    );
    dom
}

/// `GET path` with the response's head kept: (status line and headers lowercased, body).
fn get_with_head(port: u16, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_ascii_lowercase(), body.to_string())
}

/// A throwaway PostgreSQL with a password (scram), a row lock held by an idle transaction of
/// `HOSTILE_APP` and two updates queued behind it, polled until the locks check sees all three.
/// Returns the held connections, the server, the root's pid and the waiters' pids.
fn hostile_lock_incident() -> (Held, ThrowawayPg, i64, Vec<i64>) {
    let pg = ThrowawayPg::start(PgOptions {
        password: Some(SENTINEL),
        ..Default::default()
    });
    let conn = |app: &str| {
        format!(
            "{} password={SENTINEL} application_name={app}",
            pg.keyvalue("postgres", "postgres")
        )
    };
    let mut held = Held::new();
    held.pg(
        &conn("setup"),
        1,
        "CREATE TABLE orders (id int PRIMARY KEY, v int); INSERT INTO orders VALUES (1, 0)",
    );
    held.pg(
        &conn(HOSTILE_APP),
        1,
        &format!("BEGIN; UPDATE orders SET v = 1 WHERE id = 1 {HOSTILE_QUERY}"),
    );
    held.pg_background(&conn("waiter"), "UPDATE orders SET v = 2 WHERE id = 1");
    held.pg_background(&conn("waiter"), "UPDATE orders SET v = 3 WHERE id = 1");
    let url = format!("postgres://postgres:{SENTINEL}@127.0.0.1:{}/postgres", pg.port);
    let r = poll(&["locks", "--url", &url, "--warning", "1ms", "--critical", "1h"], |r| {
        findings(r, "lock_tree").len() == 3 && r["status"] != "ok"
    });
    let rows = findings(&r, "lock_tree");
    let pid_of = |app: &str| -> Vec<i64> {
        rows.iter()
            .filter(|f| f["application"] == app)
            .map(|f| f["pid"].as_i64().unwrap())
            .collect()
    };
    let root = pid_of(HOSTILE_APP);
    assert_eq!(root.len(), 1, "{r:#}");
    (held, pg, root[0], pid_of("waiter"))
}

#[test]
fn the_report_page_in_chromium_draws_the_lock_tree_with_its_commands_and_escapes_the_database() {
    let Some(chromium) = optional_program("chromium", "chromium") else {
        return;
    };
    let (_held, pg, root, waiters) = hostile_lock_incident();
    assert_eq!(waiters.len(), 2);
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: orders-prod\n    url: postgres://postgres:{SENTINEL}@127.0.0.1:{}/postgres\n    \
         thresholds:\n      locks: {{warning: 1ms, critical: 1h}}\n",
        pg.port
    ));
    let exporter = Exporter::start(fleet, &[]);

    // What the server sends: HTML, never cached, no password.
    let (head, body) = get_with_head(exporter.port, "/report?target=orders-prod");
    assert!(head.starts_with("http/1.1 200"), "{head}\n{body}");
    assert!(head.contains("content-type: text/html; charset=utf-8"), "{head}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    assert!(!body.contains(SENTINEL), "{body}");

    let dom_text = chromium_dom(
        &chromium,
        &format!("http://127.0.0.1:{}/report?target=orders-prod", exporter.port),
    );
    assert!(
        !dom_text.contains(SENTINEL),
        "the password reached the page:\n{dom_text}"
    );
    let dom = parse_dom(&dom_text);

    // The hostile values made no element: no script, no <b>, no <i>, anywhere.
    for tag in ["script", "b", "i"] {
        assert!(
            dom.all(&|n| n.is(tag)).is_empty(),
            "a <{tag}> element from the database:\n{dom_text}"
        );
    }

    // The tree: the root a top-level session of the list, its waiters nested under it.
    let trees = dom.all(&|n| n.is("ul") && n.has_class("lock-tree"));
    assert_eq!(trees.len(), 1, "{dom_text}");
    let pid = |n: &Dom| n.attr("data-pid").map(str::to_string);
    let top: Vec<String> = trees[0]
        .children()
        .iter()
        .filter(|n| n.is("li"))
        .filter_map(pid)
        .collect();
    assert_eq!(
        top,
        [root.to_string()],
        "the root is the tree's top session:\n{dom_text}"
    );
    let root_li = trees[0].children().iter().find(|n| n.is("li")).unwrap();
    let nested: Vec<String> = root_li
        .all(&|n| n.is("li") && n.attr("data-pid").is_some())
        .into_iter()
        .filter_map(pid)
        .collect();
    for w in &waiters {
        assert!(
            nested.contains(&w.to_string()),
            "waiter {w} not under the root {root}: {nested:?}\n{dom_text}"
        );
    }
    // The hostile name shows as the text it is, in the root's line.
    let who = root_li.all(&|n| n.has_class("who"));
    assert_eq!(
        who.first().map(|n| n.text()).as_deref(),
        Some(HOSTILE_APP),
        "{dom_text}"
    );
    assert!(root_li.text().contains(HOSTILE_QUERY), "{dom_text}");

    // The commands, copyable: `dbrunbook end` of the root and the step SQL, in <pre><code>.
    let code_in_pre: Vec<String> = dom
        .all(&|n| n.is("pre"))
        .into_iter()
        .flat_map(|pre| pre.all(&|n| n.is("code")))
        .map(Dom::text)
        .collect();
    let end = format!("dbrunbook end -- 'pg:{root}@");
    assert!(
        code_in_pre.iter().any(|c| c.contains(&end)),
        "no step `{end}…` in <pre><code>: {code_in_pre:#?}"
    );
    // And under the root in the tree, not under a waiter.
    let ends_in_tree: Vec<String> = trees[0].all(&|n| n.is("pre")).into_iter().map(Dom::text).collect();
    assert_eq!(ends_in_tree.len(), 1, "{ends_in_tree:?}");
    assert!(
        ends_in_tree[0].starts_with(&format!("dbrunbook end pg:{root}@")),
        "{ends_in_tree:?}"
    );
    let root_end = root_li
        .children()
        .iter()
        .find(|n| n.is("pre"))
        .map(Dom::text)
        .unwrap_or_default();
    assert_eq!(root_end, ends_in_tree[0], "the end command is the root's own");
    let terminate = format!("pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = {root} AND");
    assert!(
        code_in_pre.iter().any(|c| c.contains(&terminate)),
        "no step SQL `{terminate}` in <pre><code>: {code_in_pre:#?}"
    );
    // The statuses: the locks check's row says WARNING (1ms warning, 1h critical).
    let rows = dom.all(&|n| n.is("tr"));
    assert!(
        rows.iter().any(|r| {
            let t = r.text();
            t.starts_with("locks") && t.contains("WARNING")
        }),
        "{dom_text}"
    );
}

#[test]
fn a_report_for_a_name_not_in_the_fleet_file_is_404_escaped_and_connects_nowhere() {
    let spy = Silent::start();
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: spied\n    url: postgres://postgres:{SENTINEL}@127.0.0.1:{}/postgres\n",
        spy.port
    ));
    let exporter = Exporter::start(fleet, &["--timeout", "1s"]);
    for asked in [
        "/report?target=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_string(),
        format!("/report?target=127.0.0.1:{}", spy.port),
    ] {
        let (head, body) = get_with_head(exporter.port, &asked);
        assert!(head.starts_with("http/1.1 404"), "{asked}: {head}\n{body}");
        assert!(head.contains("content-type: text/plain"), "{head}");
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
        assert!(body.contains("unknown target"), "{body}");
    }
    let (code, _) = crate::support::fleet::request(exporter.port, "HEAD", "/report?target=spied");
    assert_eq!(code, 405);
    let (code, _) = exporter.get("/report");
    assert_eq!(code, 400);
    assert_eq!(spy.accepted(), 0, "a connection for an unknown name or a HEAD");
    // The spy's own name is diagnosed (it hangs: the connect check says so), without the password.
    let (head, body) = get_with_head(exporter.port, "/report?target=spied");
    assert!(head.starts_with("http/1.1 200"), "{head}\n{body}");
    assert!(body.contains("UNKNOWN") || body.contains("CRITICAL"), "{body}");
    assert!(!body.contains(SENTINEL), "{body}");
    assert!(body.contains("postgres:&lt;redacted&gt;@127.0.0.1"), "{body}");
    assert_eq!(spy.accepted(), 1);
}

#[test]
fn the_rules_export_links_each_alert_to_its_targets_report_page() {
    let pattern = "http://dbrunbook-exporter:9187/report?target={target}";
    let plain = dbrunbook(&["runbooks", "export", "--format", "prometheus-rules"]);
    assert_eq!(plain.code, 0, "{}", plain.all());
    assert!(!plain.stdout.contains("report_url"), "{}", plain.stdout);
    let run = dbrunbook(&[
        "runbooks",
        "export",
        "--format",
        "prometheus-rules",
        "--report-url",
        pattern,
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let file: serde_json::Value = serde_norway::from_str(&run.stdout).unwrap();
    let rules = file["groups"][0]["rules"].as_array().unwrap();
    for rule in rules {
        let link = rule["annotations"]["report_url"].as_str().unwrap_or_default();
        assert!(
            link.contains("http://dbrunbook-exporter:9187/report?target={{ $labels.target | urlquery }}"),
            "{rule:#}"
        );
        assert!(
            rule["annotations"]["description"]
                .as_str()
                .unwrap()
                .contains("The live diagnosis: http://"),
            "{rule:#}"
        );
    }
    let bad = dbrunbook(&[
        "runbooks",
        "export",
        "--format",
        "prometheus-rules",
        "--report-url",
        "http://x/report",
    ]);
    assert_eq!(bad.code, 3, "{}", bad.all());
    assert!(bad.stderr.contains("{target}"), "{}", bad.stderr);

    let Some(promtool) = optional_program("promtool", "prometheus") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yml"), &run.stdout).unwrap();
    let check = Command::new(&promtool)
        .args(["check", "rules", "rules.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    // The template expanded by Prometheus itself: a fleet name percent-encoded into the link.
    let probe_failed = rules.iter().find(|r| r["alert"] == "DbrunbookProbeFailed").unwrap();
    let only_link = serde_json::json!({"groups": [{"name": "dbrunbook", "rules": [{
        "alert": "DbrunbookProbeFailed",
        "expr": probe_failed["expr"],
        "for": "1m",
        "labels": probe_failed["labels"],
        "annotations": {"report_url": probe_failed["annotations"]["report_url"]},
    }]}]});
    std::fs::write(
        dir.path().join("link.yml"),
        serde_norway::to_string(&only_link).unwrap(),
    )
    .unwrap();
    let test = serde_json::json!({
        "rule_files": ["link.yml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [{"series": "dbrunbook_last_run_success{target=\"orders prod/eu\",job=\"textfile\",instance=\"h:9100\"}", "values": "0x5"}],
            "alert_rule_test": [{"eval_time": "3m", "alertname": "DbrunbookProbeFailed", "exp_alerts": [{
                "exp_labels": {"severity": "critical", "runbook": "probe-failed", "target": "orders prod/eu", "job": "textfile", "instance": "h:9100"},
                "exp_annotations": {"report_url": "http://dbrunbook-exporter:9187/report?target=orders+prod%2Feu"},
            }]}],
        }],
    });
    std::fs::write(dir.path().join("test.yml"), serde_norway::to_string(&test).unwrap()).unwrap();
    let out = Command::new(&promtool)
        .args(["test", "rules", "test.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
