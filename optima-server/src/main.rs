//! `optima-server`: see `optima-server --help`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match optima_server::cli::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("optima-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
