//! The `cookiescan` command; everything it does lives in the library.

fn main() -> std::process::ExitCode {
    cookiescan::cli::main()
}
