//! The `dbrunbook` binary: parse, run, exit with the report's status code.

fn main() -> std::process::ExitCode {
    dbrunbook::app::main()
}
