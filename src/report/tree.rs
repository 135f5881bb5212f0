//! The lock tree as people draw it, for the table format: one line per session
//! (`pid application state age lock query`), indented with the tree's branches, identical victims
//! collapsed into one line (`└─ 6 × orders-api AccessShareLock on orders (18825, 18826, …)`), and
//! under a root its `dbrunbook end` command when the finding carries a session reference. The
//! rows come from the locks check's `lock_tree` findings (pre-order, the `tree` field giving each
//! depth), PostgreSQL and MySQL/MariaDB alike; JSON keeps every field of every session. The
//! model ([`Forest`]) is the HTML page's too, which draws it as nested lists.

use serde_json::Value;

use super::Finding;
use crate::text::{sanitize, shorten};

/// A query's share of an unbounded line (piped, no width): as long as a table cell.
const QUERY_MAX: usize = 60;
/// The narrowest the query may get before other columns give way.
const QUERY_MIN: usize = 20;

/// One session of the tree, its texts sanitized for one line.
pub(super) struct Node {
    depth: usize,
    /// Its pid, or how the check names it (`prepared transaction 'x'`).
    pub(super) label: String,
    pub(super) who: String,
    pub(super) state: String,
    /// How long it has waited; a root, how long its transaction has been open.
    pub(super) age: String,
    pub(super) lock: String,
    pub(super) query: String,
    /// The session's reference for `dbrunbook end`: the locks check's `session` field, else a
    /// field named `*session_ref`. Shown under a root only (the table and the HTML page).
    pub(super) session: Option<String>,
    /// Indexes into [`Forest::nodes`] of the sessions waiting behind this one.
    pub(super) children: Vec<usize>,
}

impl Node {
    fn of(f: &Finding, who_key: &str) -> Node {
        let text = |key: &str| match f.fields.get(key) {
            Some(Value::String(s)) => sanitize(s, true),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let tree = text("tree");
        let (depth, label) = match tree.find("└─") {
            Some(at) => (
                tree[..at].chars().count() / 3 + 1,
                tree[at + "└─".len()..].trim().to_string(),
            ),
            None => (0, tree.trim().to_string()),
        };
        let age = [text("waiting_for"), text("transaction_for")]
            .into_iter()
            .find(|a| !a.is_empty())
            .unwrap_or_default();
        // The `end` command's argument: whatever field the check names a session reference.
        let session_ref = f
            .fields
            .iter()
            .find(|(k, v)| k.contains("session_ref") && !v.is_null())
            .map(|(k, _)| text(k))
            .filter(|r| !r.is_empty());
        let session = Some(text("session"))
            .filter(|r| !r.is_empty())
            .or_else(|| session_ref.clone());
        Node {
            depth,
            label,
            who: text(who_key),
            state: text("state"),
            age,
            lock: text("lock"),
            query: text("query"),
            session,
            children: Vec::new(),
        }
    }

    /// Victims alike enough to be one line: same application, state and lock, nobody behind them.
    fn alike(&self, other: &Node) -> bool {
        self.children.is_empty()
            && other.children.is_empty()
            && self.depth > 0
            && (&self.who, &self.state, &self.lock) == (&other.who, &other.state, &other.lock)
    }
}

/// What a line of the tree is: a session, or several alike victims.
enum Line<'a> {
    Session(&'a Node),
    Alike(Vec<&'a Node>),
}

/// The sessions of a lock tree linked to the ones waiting behind them.
pub(super) struct Forest {
    pub(super) nodes: Vec<Node>,
    /// The root blockers, in the check's order.
    pub(super) roots: Vec<usize>,
    /// `application` (PostgreSQL) or `user` (MySQL, which has no application name).
    pub(super) who_key: &'static str,
}

impl Forest {
    /// The `lock_tree` findings (pre-order, each `tree` field giving its depth) as a forest.
    pub(super) fn of(rows: &[&Finding]) -> Forest {
        let who_key = if rows.iter().any(|f| f.fields.contains_key("application")) {
            "application"
        } else {
            "user"
        };
        let mut nodes: Vec<Node> = rows.iter().map(|f| Node::of(f, who_key)).collect();
        let mut roots = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        for i in 0..nodes.len() {
            path.truncate(nodes[i].depth);
            match path.last() {
                Some(&parent) => nodes[parent].children.push(i),
                None => roots.push(i),
            }
            path.push(i);
        }
        Forest { nodes, roots, who_key }
    }
}

/// The tree's lines, header first, each at most `width` characters when one is given.
pub fn lines(rows: &[&Finding], width: Option<u16>) -> Vec<String> {
    let forest = Forest::of(rows);
    let mut drawn: Vec<(String, Line)> = Vec::new();
    for &root in &forest.roots {
        draw(&forest.nodes, root, String::new(), None, &mut drawn);
    }
    layout(&drawn, forest.who_key, width)
}

/// Depth-first: the node's line, its `end` command, then its children grouped.
fn draw<'a>(nodes: &'a [Node], at: usize, prefix: String, branch: Option<bool>, out: &mut Vec<(String, Line<'a>)>) {
    let node = &nodes[at];
    let (lead, below) = match branch {
        None => (String::new(), String::new()),
        Some(last) => (
            format!("{prefix}{}", if last { "└─ " } else { "├─ " }),
            format!("{prefix}{}", if last { "   " } else { "│  " }),
        ),
    };
    out.push((lead, Line::Session(node)));
    // Ending the root is the remedy: its reference, never a waiter's (those stay in the JSON).
    if let Some(reference) = node.session.as_ref().filter(|_| branch.is_none()) {
        let bar = if node.children.is_empty() { "   " } else { "│  " };
        out.push((
            format!("{below}{bar}dbrunbook end {reference}"),
            Line::Alike(Vec::new()),
        ));
    }
    let groups = group(nodes, &node.children);
    let n = groups.len();
    for (i, g) in groups.into_iter().enumerate() {
        let last = i + 1 == n;
        match g.as_slice() {
            [one] => draw(nodes, *one, below.clone(), Some(last), out),
            many => out.push((
                format!("{below}{}", if last { "└─ " } else { "├─ " }),
                Line::Alike(many.iter().map(|&c| &nodes[c]).collect()),
            )),
        }
    }
}

/// Children in order, consecutive alike victims together.
fn group(nodes: &[Node], children: &[usize]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &c in children {
        match groups.last_mut() {
            Some(g) if nodes[g[0]].alike(&nodes[c]) => g.push(c),
            _ => groups.push(vec![c]),
        }
    }
    groups
}

/// The columns aligned; on a narrow screen the state gives way first, then the lock and the
/// application are cut, so the query keeps some room and no line wraps.
fn layout(drawn: &[(String, Line)], who_key: &str, width: Option<u16>) -> Vec<String> {
    let sessions: Vec<(&String, &Node)> = drawn
        .iter()
        .filter_map(|(lead, l)| match l {
            Line::Session(n) => Some((lead, *n)),
            Line::Alike(_) => None,
        })
        .collect();
    let widest = |header: &str, f: &dyn Fn(&String, &Node) -> usize| {
        sessions
            .iter()
            .map(|(lead, n)| f(lead, n))
            .max()
            .unwrap_or(0)
            .max(header.chars().count())
    };
    let first = widest("pid", &|lead, n| lead.chars().count() + n.label.chars().count());
    // "application" is wider than most names under it: "app" on a screen without the room.
    let mut who_header = who_key;
    let mut who = widest(who_key, &|_, n| n.who.chars().count()).min(24);
    let state = widest("state", &|_, n| n.state.chars().count());
    let age = widest("age", &|_, n| n.age.chars().count());
    let mut lock = widest("lock", &|_, n| n.lock.chars().count()).min(40);
    let mut show_state = true;
    let fixed = |first: usize, who: usize, state: Option<usize>, lock: usize| {
        first + who + state.map_or(0, |s| s + 2) + age + lock + 8
    };
    if let Some(w) = width.map(usize::from) {
        if fixed(first, who, Some(state), lock) + QUERY_MIN > w {
            show_state = false;
        }
        if who_key == "application" && fixed(first, who, None, lock) + QUERY_MIN > w {
            who_header = "app";
            who = widest("app", &|_, n| n.who.chars().count()).min(24);
        }
        let room = |first, who, lock| w.saturating_sub(fixed(first, who, None, lock) + QUERY_MIN);
        if room(first, who, lock) == 0 {
            let over = fixed(first, who, None, lock) + QUERY_MIN - w;
            lock = lock.saturating_sub(over).max(12);
        }
        if room(first, who, lock) == 0 {
            let over = fixed(first, who, None, lock) + QUERY_MIN - w;
            who = who.saturating_sub(over).max(8);
        }
    }
    let row = |cells: [&str; 6]| {
        let mut line = format!("{:<first$}  {:<who$}  ", cells[0], cut(cells[1], who));
        if show_state {
            line.push_str(&format!("{:<state$}  ", cells[2]));
        }
        line.push_str(&format!("{:<age$}  {:<lock$}  ", cells[3], cut(cells[4], lock)));
        let room = match width {
            Some(w) => usize::from(w).saturating_sub(line.chars().count()).max(1),
            None => QUERY_MAX,
        };
        line.push_str(&cut(cells[5], room));
        line.trim_end().to_string()
    };
    let mut out = vec![row(["pid", who_header, "state", "age", "lock", "query"])];
    for (lead, line) in drawn {
        match line {
            Line::Session(n) => {
                let first_cell = format!("{lead}{}", n.label);
                let dash = |s: &str| if s.is_empty() { "-".to_string() } else { s.to_string() };
                out.push(row([
                    &first_cell,
                    &dash(&n.who),
                    &dash(&n.state),
                    &dash(&n.age),
                    &dash(&n.lock),
                    &dash(&n.query),
                ]));
            }
            Line::Alike(nodes) if nodes.is_empty() => out.push(fit(lead, width)),
            Line::Alike(nodes) => out.push(fit(&alike_line(lead, nodes, width), width)),
        }
    }
    out
}

/// `└─ 6 × orders-api AccessShareLock on orders (18825, 18826, …)`: as many pids as fit.
fn alike_line(lead: &str, nodes: &[&Node], width: Option<u16>) -> String {
    let n = nodes[0];
    let what = [n.who.as_str(), n.lock.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let head = format!("{lead}{} × {what}", nodes.len());
    let room = width.map_or(usize::MAX, usize::from);
    let mut pids = String::new();
    for (i, node) in nodes.iter().enumerate() {
        let next = if i == 0 {
            node.label.clone()
        } else {
            format!(", {}", node.label)
        };
        // Room for the closing ", …)" when more pids follow.
        if head.chars().count() + pids.chars().count() + next.chars().count() + 6 > room {
            pids.push_str(if i == 0 { "…" } else { ", …" });
            break;
        }
        pids.push_str(&next);
    }
    format!("{head} ({pids})")
}

/// A cell cut to `max` characters.
fn cut(text: &str, max: usize) -> String {
    shorten(text, max.max(1))
}

/// A line cut to the width, its indentation kept.
pub(super) fn fit(line: &str, width: Option<u16>) -> String {
    match width {
        Some(w) if line.chars().count() > usize::from(w) => {
            let mut s: String = line.chars().take(usize::from(w).saturating_sub(1)).collect();
            s.push('…');
            s
        }
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(tree: &str, pid: i64, app: &str, lock: Option<&str>, age: &str) -> Finding {
        Finding::new("lock_tree")
            .with("tree", tree)
            .with("pid", pid)
            .with("state", "active")
            .with("application", app)
            .with("waiting_for", lock.map(|_| age))
            .with("transaction_for", age)
            .with("lock", lock)
            .with("query", format!("query of {pid}"))
    }

    fn queue() -> Vec<Finding> {
        let mut rows = vec![
            session("100", 100, "batch", None, "5m02s"),
            session("└─ 200", 200, "alembic", Some("AccessExclusiveLock on orders"), "40s"),
        ];
        for pid in 301..=306 {
            rows.push(session(
                &format!("   └─ {pid}"),
                pid,
                "orders-api",
                Some("AccessShareLock on orders"),
                "30s",
            ));
        }
        rows.push(session(
            "└─ 400",
            400,
            "report",
            Some("RowExclusiveLock on orders"),
            "3s",
        ));
        rows
    }

    #[test]
    fn a_queue_behind_ddl_is_drawn_with_its_branches_and_alike_victims_as_one_line() {
        let rows = queue();
        let refs: Vec<&Finding> = rows.iter().collect();
        let out = lines(&refs, None);
        assert_eq!(
            out[0],
            "pid     application  state   age    lock                           query"
        );
        assert!(
            out[1].starts_with("100     batch        active  5m02s  -  "),
            "{out:#?}"
        );
        assert!(
            out[2].starts_with("├─ 200  alembic      active  40s    AccessExclusiveLock on orders  query of 200"),
            "{out:#?}"
        );
        assert_eq!(
            out[3],
            "│  └─ 6 × orders-api AccessShareLock on orders (301, 302, 303, 304, 305, 306)"
        );
        assert!(out[4].starts_with("└─ 400  report "), "{out:#?}");
        assert_eq!(out.len(), 5, "{out:#?}");
    }

    #[test]
    fn a_narrow_screen_drops_the_state_and_cuts_instead_of_wrapping() {
        let rows = queue();
        let refs: Vec<&Finding> = rows.iter().collect();
        let out = lines(&refs, Some(60));
        assert!(out.iter().all(|l| l.chars().count() <= 60), "{out:#?}");
        assert!(!out[0].contains("state"), "{out:#?}");
        assert!(out[3].contains("6 × orders-api") && out[3].ends_with("…)"), "{out:#?}");
    }

    #[test]
    fn a_root_with_a_session_reference_gets_its_end_command_and_without_one_nothing() {
        let mut rows = queue();
        rows[0] = rows[0].clone().with("session_ref", "100@1733550000");
        let refs: Vec<&Finding> = rows.iter().collect();
        let out = lines(&refs, None);
        assert_eq!(out[2], "│  dbrunbook end 100@1733550000", "{out:#?}");
        let plain = queue();
        let refs: Vec<&Finding> = plain.iter().collect();
        assert!(lines(&refs, None).iter().all(|l| !l.contains("dbrunbook end")));
    }

    #[test]
    fn mysql_sessions_are_named_by_user() {
        let rows = [Finding::new("lock_tree")
            .with("tree", "7")
            .with("pid", 7)
            .with("user", "app")
            .with("state", "Sleep")
            .with("transaction_for", "2m")
            .with("query", Value::Null)];
        let refs: Vec<&Finding> = rows.iter().collect();
        let out = lines(&refs, None);
        assert!(out[0].starts_with("pid  user  state"), "{out:#?}");
        assert!(out[1].starts_with("7    app   Sleep  2m   -"), "{out:#?}");
    }
}
