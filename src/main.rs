fn main() -> std::process::ExitCode {
    gtdocs::cli::main()
}
