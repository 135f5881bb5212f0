//! The 3 a.m. screen, under a real terminal: tmux runs dbrunbook in a pane of a given size and
//! `capture-pane` reads back what a person would see. A lock queue behind an ALTER TABLE on a
//! throwaway server is drawn as a tree at 160 and 80 columns without any line wrapping; at 80x24
//! `diagnose` fits one screen with the root's pid and the first command; `--watch` redraws that
//! screen in place without growing the scrollback.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::locks_postgres::setup;
use crate::support::*;

/// A tmux server of its own (its socket in a temp dir), killed on drop.
struct Tmux {
    dir: tempfile::TempDir,
}

impl Tmux {
    /// One pane of `width` x `height` running `args` (then holding the pane open), no status bar;
    /// `spare_row`: the pane is taller than the output, and the exit code is written under it.
    fn run(width: u16, height: u16, args: &[&str], spare_row: bool) -> Option<Tmux> {
        let tmux = optional_program("tmux", "tmux")?;
        let dir = tempfile::tempdir().unwrap();
        // The status bar would take a row of the pane; a config file turns it off before the
        // pane exists, so dbrunbook reads the size it keeps.
        std::fs::write(
            dir.path().join("tmux.conf"),
            "set -g status off\nset -g history-limit 1000\n",
        )
        .unwrap();
        let mut line = shell_words(&[env!("CARGO_BIN_EXE_dbrunbook")]);
        line.push(' ');
        line.push_str(&shell_words(args));
        // The pane stays after the command, so its last screen can be read; with room to spare,
        // the exit code is written under it.
        if spare_row {
            line.push_str("; code=$?; echo; echo dbrunbook exited $code");
        }
        line.push_str("; sleep 600");
        let t = Tmux { dir };
        let status = Command::new(&tmux)
            .args(t.base())
            .args(["new-session", "-d", "-x", &width.to_string(), "-y", &height.to_string()])
            .arg(format!("env -u COLUMNS -u LINES NO_COLOR=1 {line}"))
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        Some(t)
    }

    fn base(&self) -> Vec<String> {
        vec![
            "-S".into(),
            self.socket().to_string_lossy().into_owned(),
            "-f".into(),
            self.dir.path().join("tmux.conf").to_string_lossy().into_owned(),
        ]
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("socket")
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(self.base()).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible screen; `-J` joins a line the terminal wrapped, so a wrap shows as a line
    /// longer than the pane.
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J"])
    }

    /// Lines scrolled off the top of the pane so far.
    fn history(&self) -> usize {
        self.tmux(&["display-message", "-p", "#{history_size}"])
            .trim()
            .parse()
            .unwrap()
    }

    /// Polls the screen until `ready` holds (60 s at most: a hung binary).
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "never saw {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(self.base()).arg("kill-server").status();
    }
}

/// Arguments as one shell line, each single-quoted.
fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A migration's ALTER TABLE queued behind a forgotten transaction, with four identical readers
/// behind it: five blocked, so the locks check is CRITICAL at once. Returns the connections and
/// the pids of the root and the DDL.
fn alter_table_queue(url: &str, keyvalue: &str) -> (Held, i64, i64) {
    let conn = |app: &str| format!("{keyvalue} application_name={app}");
    let mut held = Held::new();
    held.pg(&conn("forgotten"), 1, "BEGIN; UPDATE orders SET v = 1 WHERE id = 1");
    held.pg_background(&conn("migration"), "ALTER TABLE orders ADD COLUMN note text");
    // The readers must queue behind the DDL, not beside it: wait until it waits.
    poll(&["locks", "--url", url], |r| findings(r, "lock_tree").len() == 2);
    for _ in 0..4 {
        held.pg_background(&conn("web"), "SELECT count(*) FROM orders");
    }
    let r = poll(&["locks", "--url", url], |r| findings(r, "lock_tree").len() == 6);
    let rows = findings(&r, "lock_tree");
    (held, rows[0]["pid"].as_i64().unwrap(), rows[1]["pid"].as_i64().unwrap())
}

/// No line of the screen is wider than the pane, except a runbook's command (indented nine
/// spaces): a command is never cut or broken, so it stays one line to copy.
fn assert_no_line_wider(screen: &str, width: usize) {
    for line in screen.lines().filter(|l| !l.starts_with("         ")) {
        assert!(
            line.chars().count() <= width,
            "a line wrapped at {width} columns ({} characters):\n{line}\n\n{screen}",
            line.chars().count()
        );
    }
}

#[test]
fn lock_queue_is_a_tree_that_fits_160_and_80_columns() {
    let pg = setup();
    let url = pg.url("postgres", "postgres");
    let (_held, root, ddl) = alter_table_queue(&url, &pg.keyvalue("postgres", "postgres"));
    for width in [160u16, 80] {
        let Some(tmux) = Tmux::run(width, 200, &["locks", &url, "--full"], true) else {
            return;
        };
        let screen = tmux.wait_for("the report", |s| s.contains("dbrunbook exited"));
        assert!(
            screen.contains("dbrunbook exited 2"),
            "CRITICAL: five sessions blocked\n{screen}"
        );
        assert_no_line_wider(&screen, usize::from(width));
        let lines: Vec<&str> = screen.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.starts_with("pid ") && l.contains(" app"))
            .unwrap_or_else(|| panic!("no tree header:\n{screen}"));
        assert!(lines[header + 1].starts_with(&format!("{root} ")), "{screen}");
        assert!(lines[header + 1].contains("forgotten"), "{screen}");
        assert!(
            lines[header + 2].starts_with(&format!("│  dbrunbook end pg:{root}@")),
            "the root's end command under it:\n{screen}"
        );
        assert!(lines[header + 3].starts_with(&format!("└─ {ddl} ")), "{screen}");
        assert!(lines[header + 3].contains("AccessExclusiveLock on"), "{screen}");
        assert!(
            lines[header + 4].starts_with("   └─ 4 × web AccessShareLock on orders ("),
            "the four readers are one line under the DDL:\n{screen}"
        );
        if width == 160 {
            assert!(
                lines[header + 3].contains("ALTER TABLE orders ADD COLUMN note text"),
                "{screen}"
            );
            assert!(lines[header].contains("state"), "{screen}");
        }
        // The runbook's prose is wrapped at word boundaries: every line of a step's text ends
        // at a whole word (the next line's first word would not have fitted).
        let steps_from = lines.iter().position(|l| l.starts_with("Runbook ")).unwrap();
        for pair in lines[steps_from..].windows(2) {
            let (this, next) = (pair[0], pair[1]);
            let continues = next.starts_with("       ") && !next.starts_with("         ");
            if this.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit()) && continues {
                let first_word = next.split_whitespace().next().unwrap();
                assert!(
                    this.chars().count() + 1 + first_word.chars().count() > usize::from(width),
                    "wrapped too early or mid-word:\n{this}\n{next}"
                );
            }
        }
    }
}

#[test]
fn diagnose_at_80x24_is_one_screen_with_the_root_and_the_first_command() {
    let pg = setup();
    let url = pg.url("postgres", "postgres");
    let (_held, root, _ddl) = alter_table_queue(&url, &pg.keyvalue("postgres", "postgres"));
    let report = dbrunbook(&["diagnose", &url, "--format", "json"]).json();
    let locks = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "locks")
        .unwrap();
    let first = first_command(locks);
    let Some(tmux) = Tmux::run(80, 24, &["diagnose", &url], false) else {
        return;
    };
    let screen = tmux.wait_for("the report", |s| s.contains("more lines: --full"));
    let before_exit = screen.as_str();
    assert_no_line_wider(&screen, 80);
    assert!(
        before_exit.lines().next().unwrap().starts_with("dbrunbook: postgres "),
        "the header is the top line: nothing scrolled away:\n{screen}"
    );
    assert!(before_exit.contains(&format!("\n{root} ")), "the root's pid:\n{screen}");
    let shown = first.chars().take(60).collect::<String>();
    assert!(before_exit.contains(&shown), "the first command {shown:?}:\n{screen}");
    assert!(before_exit.contains("more lines: --full"), "{screen}");
    assert_eq!(tmux.history(), 0, "nothing scrolled off:\n{screen}");
}

/// The first line of the first command the locks runbook gives, immediate steps first, as the
/// table prints it (`$ ` before a shell line).
fn first_command(check: &serde_json::Value) -> String {
    let steps = check["runbook"]["steps"].as_array().unwrap();
    let with_command = |phase: &str| {
        steps
            .iter()
            .filter(|s| s["phase"] == phase)
            .find(|s| s["sql"].is_string() || s["shell"].is_string())
            .cloned()
    };
    let step = with_command("immediate").or_else(|| with_command("diagnose")).unwrap();
    match step["sql"].as_str() {
        Some(sql) => sql.lines().next().unwrap().trim_end().to_string(),
        None => format!("$ {}", step["shell"].as_str().unwrap().lines().next().unwrap()),
    }
}

#[test]
fn watch_at_80x24_redraws_the_compact_view_in_place() {
    let pg = setup();
    let url = pg.url("postgres", "postgres");
    let (_held, root, _ddl) = alter_table_queue(&url, &pg.keyvalue("postgres", "postgres"));
    let Some(tmux) = Tmux::run(80, 24, &["diagnose", &url, "--watch", "1s"], false) else {
        return;
    };
    // Two redraws at least: the clock in the header changes between them.
    let first = tmux.wait_for("a first screen", |s| s.starts_with("Every 1s: dbrunbook diagnose"));
    let header = first.lines().next().unwrap().to_string();
    let screen = tmux.wait_for("a redraw", |s| {
        s.lines()
            .next()
            .is_some_and(|l| l.starts_with("Every 1s") && l != header)
            && s.contains("Overall:")
    });
    assert_no_line_wider(&screen, 80);
    assert!(screen.contains("CRITICAL  locks"), "{screen}");
    assert!(screen.contains(&format!("\n{root} ")), "the tree's root:\n{screen}");
    assert!(screen.contains("4 × web"), "the counts of the tree:\n{screen}");
    assert_eq!(tmux.history(), 0, "a redraw never scrolls:\n{screen}");
}

/// Every built-in runbook, every step for every engine it serves (every condition on), filled
/// with each placeholder empty, blank, or hostile: the prose never shows a hole (`<name>`,
/// `(,  from`, `: .`, two spaces from a missing value), a control character, or a placeholder
/// left unfilled, and the facts are never expanded twice.
#[test]
fn every_runbook_reads_whole_whatever_its_facts() {
    use dbrunbook::checks::{self, Facts};
    use dbrunbook::runbook::{self, Catalog, Dialect};

    let catalog = Catalog::embedded().unwrap();
    let values = [
        "",
        "   ",
        "x'); DROP TABLE t; --",
        "{{pid}}",
        "(",
        ". :",
        "\x1b[31mred\x1b[0m",
    ];
    let mut checked = 0;
    for rb in catalog.runbooks() {
        let spec = checks::find(&rb.check).unwrap().spec();
        let names: Vec<&str> = spec
            .placeholders
            .iter()
            .chain(spec.item_placeholders)
            .copied()
            .collect();
        let mut conditions: std::collections::BTreeSet<String> = rb.when.iter().cloned().collect();
        for (_, steps) in rb.phases() {
            conditions.extend(steps.iter().flat_map(|s| s.when.iter().cloned()));
        }
        for value in values {
            let filled: std::collections::BTreeMap<String, String> =
                names.iter().map(|n| (n.to_string(), value.to_string())).collect();
            let facts = Facts {
                values: filled.clone(),
                conditions: conditions.clone(),
                lead: None,
                items: vec![filled.clone(), filled.clone()],
            };
            for &engine in &rb.engines {
                for mariadb in [false, true] {
                    let dialects = Dialect::spoken(engine, mariadb, 150_000);
                    for step in runbook::apply(rb, engine, &dialects, &facts).steps {
                        assert_reads_whole(&rb.id, &step.text, value, &names);
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} steps rendered");
}

fn assert_reads_whole(id: &str, text: &str, value: &str, names: &[&str]) {
    let fail = |why: &str| panic!("{id}: {why} with every fact {value:?}:\n{text}");
    if text.contains('\x1b') {
        fail("a control character");
    }
    for name in names {
        if text.contains(&format!("<{name}>")) {
            fail("a placeholder shown as a hole");
        }
    }
    if value != "{{pid}}" && text.contains("{{") {
        fail("an unfilled placeholder");
    }
    if value.trim().is_empty() {
        for hole in [
            "  ", "(,", ", ,", ",)", ", )", " ()", "( ", " )", ": .", " ,", " :", "@ ", " @",
        ] {
            if text.contains(hole) {
                fail(&format!("{hole:?} where a value is missing"));
            }
        }
        // A lone dot after a space (not `.ibd` or an ellipsis, the text's own).
        if text.contains(" . ") || text.contains(" .\n") || text.ends_with(" .") {
            fail("\" .\" where a value is missing");
        }
        if text.starts_with([' ', '.', ',', ':', ';']) || text.ends_with([' ', ',', '(']) {
            fail("dangling punctuation");
        }
    }
}

/// A waiter of the JSON tree (`tree` is `└─ pid` indented three spaces a level) is on a line of
/// the drawn tree at that depth, under `├─` or `└─`, or in the pid list of a line of alike ones.
fn assert_drawn_at_its_depth(tree: &[&str], row: &serde_json::Value, all: &str) {
    let label = row["tree"].as_str().unwrap();
    let depth = label.find("└─").map_or(0, |at| label[..at].chars().count() / 3 + 1);
    let pid = row["pid"].to_string();
    let drawn = tree.iter().any(|line| {
        let at_depth: String = line.chars().skip(3 * (depth - 1)).collect();
        at_depth.starts_with(&format!("├─ {pid} "))
            || at_depth.starts_with(&format!("└─ {pid} "))
            || (line.contains(" × ") && line.contains(&format!("({pid}")) || line.contains(&format!(", {pid}")))
    });
    assert!(drawn, "pid {pid} at depth {depth}:\n{all}");
}

/// MariaDB's blocking chains drawn the same way, piped with an exported `COLUMNS=80`: an InnoDB
/// row-lock chain (three updates of one row behind an idle transaction, each at its depth), then a metadata-lock
/// queue (an ALTER TABLE behind an idle transaction, three alike readers behind the ALTER on
/// one line).
#[test]
fn mariadb_row_lock_and_metadata_lock_chains_are_trees() {
    let (_db, url, mut held) = crate::locks_mysql::setup();
    let table = |url: &str| dbrunbook_env(&["locks", url, "--full"], &[("COLUMNS", "80")]);
    {
        let mut chain = Held::new();
        let r = crate::locks_mysql::row_lock_chain(&url, &mut chain, 3);
        let rows = findings(&r, "lock_tree");
        let run = table(&url);
        assert_no_line_wider(&run.stdout, 80);
        let lines: Vec<&str> = run.stdout.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.starts_with("pid ") && l.contains(" user "))
            .unwrap_or_else(|| panic!("no tree header:\n{}", run.stdout));
        assert!(
            lines[header + 1].starts_with(&format!("{} ", rows[0]["pid"])),
            "{}",
            run.stdout
        );
        // Who InnoDB says waits for whom depends on the order the updates arrived (a chain, or
        // siblings): each waiter is drawn at its depth in the check's tree, under a branch.
        for row in &rows[1..] {
            assert_drawn_at_its_depth(&lines[header..], row, &run.stdout);
        }
    }
    held.mysql(&url, 1, "START TRANSACTION; UPDATE t SET v = 1 WHERE id = 2");
    held.mysql_background(&url, "ALTER TABLE t ADD COLUMN note TEXT");
    poll(&["locks", &url], |r| findings(r, "lock_tree").len() == 2);
    for _ in 0..3 {
        held.mysql_background(&url, "SELECT * FROM t");
    }
    let r = poll(&["locks", &url], |r| findings(r, "lock_tree").len() == 5);
    let rows = findings(&r, "lock_tree");
    let run = table(&url);
    assert_no_line_wider(&run.stdout, 80);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header = lines.iter().position(|l| l.starts_with("pid ")).unwrap();
    assert!(
        lines[header + 1].starts_with(&format!("{} ", rows[0]["pid"])),
        "{}",
        run.stdout
    );
    assert!(
        lines[header + 2].starts_with(&format!("│  dbrunbook end my:{}@", rows[0]["pid"])),
        "the root's end command under it:\n{}",
        run.stdout
    );
    assert!(
        lines[header + 3].starts_with(&format!("└─ {} ", rows[1]["pid"]))
            && lines[header + 3].contains("metadata lock"),
        "{}",
        run.stdout
    );
    assert!(
        lines[header + 4].starts_with("   └─ 3 × root metadata lock ("),
        "the readers wait behind the ALTER, one line:\n{}",
        run.stdout
    );
}
