//! What the YAML deserializer is allowed to see. A runbook file is read only if it is a regular
//! file of at most 1 MiB, and its text is handed on only without anchors or aliases and nested
//! at most 32 levels deep. Hostile or careless input becomes a [`Problem`] here, at once: never
//! a blocked read, gigabytes of expanded aliases or minutes of parsing. Deserializing and
//! checking the runbook's content live in `load`.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use saphyr_parser::{Event, Parser};

use super::load::Problem;

/// Largest runbook file read; the shipped ones are a few KiB.
pub const MAX_BYTES: u64 = 1 << 20;
/// Deepest nesting of mappings and sequences; a runbook needs five or six levels.
pub const MAX_DEPTH: usize = 32;

/// The runbook files of a directory, sorted, and a problem for each entry that looks like a
/// runbook but would not be loaded as one (`rb.YAML`).
pub fn list_dir(dir: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<Problem>)> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = match entry {
            Ok(e) => e.path(),
            Err(e) => {
                problems.push(Problem::new(
                    &dir.display().to_string(),
                    (1, 1),
                    format!("cannot list: {e}"),
                ));
                continue;
            }
        };
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => files.push(path),
            Some(ext) if ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml") => {
                let renamed = path.with_extension(ext.to_ascii_lowercase());
                problems.push(Problem::new(
                    &path.display().to_string(),
                    (1, 1),
                    format!(
                        "not loaded: runbook files end in lowercase .yaml or .yml; rename it to {}",
                        renamed.file_name().unwrap_or_default().to_string_lossy()
                    ),
                ));
            }
            _ => {}
        }
    }
    files.sort();
    Ok((files, problems))
}

/// The text of one runbook file, if it is a regular file (a symbolic link to one is fine) of at
/// most [`MAX_BYTES`] holding UTF-8.
pub fn read(path: &Path) -> Result<String, Problem> {
    let name = path.display().to_string();
    let problem = |message: String| Problem::new(&name, (1, 1), message);
    let cannot = |e: std::io::Error| problem(format!("cannot read: {e}"));
    let meta = std::fs::symlink_metadata(path).map_err(cannot)?;
    let meta = if meta.file_type().is_symlink() {
        match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let target = std::fs::read_link(path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                return Err(problem(format!(
                    "broken symbolic link: {target} does not exist; fix the link or remove it"
                )));
            }
            Err(e) => return Err(cannot(e)),
        }
    } else {
        meta
    };
    regular(&meta, &name)?;
    let mut file = open(path).map_err(cannot)?;
    // Looked at again on what was opened: the path may have been swapped since.
    regular(&file.metadata().map_err(cannot)?, &name)?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_big(
            &name,
            file.metadata().map(|m| m.len()).unwrap_or(bytes.len() as u64),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
        Problem::new(&name, (line, column), "not UTF-8 text; save the file as UTF-8".into())
    })
}

/// A regular file of at most [`MAX_BYTES`], or the problem with it.
fn regular(meta: &Metadata, name: &str) -> Result<(), Problem> {
    if !meta.is_file() {
        return Err(Problem::new(
            name,
            (1, 1),
            format!("not a regular file but {}; runbooks are plain YAML files", kind(meta)),
        ));
    }
    if meta.len() > MAX_BYTES {
        return Err(too_big(name, meta.len()));
    }
    Ok(())
}

fn too_big(name: &str, len: u64) -> Problem {
    Problem::new(name, (1, 1), format!("file is {len} bytes; runbooks are at most 1 MiB"))
}

#[cfg(unix)]
fn kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind(meta: &Metadata) -> &'static str {
    if meta.is_dir() { "a directory" } else { "a special file" }
}

/// Opens for reading without ever blocking: a FIFO swapped in after the check must not hang.
fn open(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Refuses anchors, aliases and deep nesting before the deserializer sees the text: serde's YAML
/// crates expand every alias in full (a 1 MiB file can ask for gigabytes) and take time
/// quadratic in the nesting depth. The events come from a second, streaming parser that stops
/// at the first refusal. Its syntax errors are left to the deserializer, whose messages name
/// the field; past such an error only a bracket count stands guard.
pub fn prescan(file: &str, text: &str) -> Result<(), Problem> {
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(e) => e,
            Err(_) => return bracket_depth(file, text),
        };
        let at = (span.start.line(), span.start.col() + 1);
        let anchor = match event {
            Event::Alias(_) => return Err(no_anchors(file, at)),
            Event::Scalar(_, _, anchor, _) => anchor,
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(file, at));
                }
                anchor
            }
            Event::SequenceEnd | Event::MappingEnd => {
                depth = depth.saturating_sub(1);
                0
            }
            _ => 0,
        };
        if anchor != 0 {
            return Err(no_anchors(file, at));
        }
    }
    Ok(())
}

/// Flow brackets open at once, counted crudely (quotes and comments included): only for text
/// the streaming parser already found broken.
fn bracket_depth(file: &str, text: &str) -> Result<(), Problem> {
    let (mut depth, mut line, mut column) = (0usize, 1, 0);
    for c in text.chars() {
        column += 1;
        match c {
            '\n' => (line, column) = (line + 1, 0),
            '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(file, (line, column)));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn no_anchors(file: &str, at: (usize, usize)) -> Problem {
    Problem::new(
        file,
        at,
        "YAML anchors and aliases (&name, *name) are not allowed in runbooks; write the value out \
         where it is needed"
            .into(),
    )
}

fn too_deep(file: &str, at: (usize, usize)) -> Problem {
    Problem::new(
        file,
        at,
        format!("nested more than {MAX_DEPTH} levels deep; runbooks need only a few levels"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_and_aliases_are_refused_where_they_are() {
        let p = prescan("a.yaml", "id: x\ntitle: &t T\ncheck: *t\n").unwrap_err();
        assert_eq!((p.line, p.column), (2, 8), "{p}");
        assert!(p.message.contains("anchors and aliases"), "{p}");
        let p = prescan("a.yaml", "id: x\nsymptoms:\n  - &big [a, b]\n  - *big\n").unwrap_err();
        assert_eq!((p.line, p.column), (3, 5), "{p}");
    }

    #[test]
    fn stars_and_ampersands_in_text_are_fine() {
        let text = "id: x\ntitle: 'a *b* & c'\nsql: |\n  SELECT * FROM t WHERE a & b\ntext: >\n  *not an alias*\n";
        prescan("a.yaml", text).unwrap();
    }

    #[test]
    fn deep_nesting_is_refused_in_flow_and_block_style() {
        let p = prescan("a.yaml", &"[".repeat(200_000)).unwrap_err();
        assert_eq!(p.line, 1, "{p}");
        assert!(p.message.contains("nested more than 32 levels"), "{p}");
        let block: String = (0..40).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        let p = prescan("a.yaml", &block).unwrap_err();
        assert!(p.message.contains("nested more than 32 levels"), "{p}");
        let fine: String = (0..8).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        prescan("a.yaml", &fine).unwrap();
    }

    #[test]
    fn deep_brackets_after_a_syntax_error_are_still_refused() {
        let text = format!("id: x\n\t- oops: [\n{}", "[".repeat(100));
        let p = prescan("a.yaml", &text).unwrap_err();
        assert!(p.message.contains("nested more than 32 levels"), "{p}");
    }
}
