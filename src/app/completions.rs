//! `dbrunbook completions SHELL`: clap_complete's script, plus what its fish generator leaves out.

use clap::CommandFactory;

use crate::cli::Cli;

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "dbrunbook", &mut out);
    let mut script = String::from_utf8_lossy(&out).into_owned();
    if shell == clap_complete::Shell::Fish {
        script.push_str(&fish_positional_values(&cmd));
    }
    script
}

/// clap_complete's fish script completes the values of options but not of positional arguments
/// (`dbrunbook runbooks show <TAB>` offered file names): one `complete` line per positional
/// argument that has possible values, under the same condition the generator uses for that
/// subcommand's options.
fn fish_positional_values(root: &clap::Command) -> String {
    let mut lines = String::new();
    for sub in root.get_subcommands() {
        let top = sub.get_name();
        let condition = format!("__fish_dbrunbook_using_subcommand {top}");
        push_positionals(&mut lines, sub, &condition);
        for nested in sub.get_subcommands() {
            let condition = format!("{condition}; and __fish_seen_subcommand_from {}", nested.get_name());
            push_positionals(&mut lines, nested, &condition);
        }
    }
    lines
}

fn push_positionals(lines: &mut String, cmd: &clap::Command, condition: &str) {
    for arg in cmd.get_positionals() {
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if !values.is_empty() {
            lines.push_str(&format!(
                "complete -c dbrunbook -n \"{condition}\" -f -a \"{}\"\n",
                values.join(" ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fish_completes_runbook_ids_after_runbooks_show() {
        let fish = script(clap_complete::Shell::Fish);
        let line = fish
            .lines()
            .find(|l| l.contains("__fish_seen_subcommand_from show\" -f -a"))
            .expect("a line for runbooks show's id");
        assert!(
            line.contains("deadlock-storm") && line.contains("pool-exhaustion"),
            "{line}"
        );
    }
}
