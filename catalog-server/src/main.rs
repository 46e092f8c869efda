//! The `lakecat` command.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use lakecat_server::config::{FileConfig, ServeConfig};

/// lakecat: a self-hosted data catalog and crawler with AWS Glue semantics.
#[derive(Debug, Parser)]
#[command(name = "lakecat", version, about)]
struct Cli {
    /// Log format.
    #[arg(long, global = true, env = "LAKECAT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the catalog's REST API.
    Serve {
        /// TOML config file with `listen`, `database_url` and `max_connections`.
        #[arg(long, env = "LAKECAT_CONFIG")]
        config: Option<PathBuf>,
        /// Address to listen on [default: 127.0.0.1:8088].
        #[arg(long, env = "LAKECAT_LISTEN")]
        listen: Option<String>,
        /// Catalog database: `sqlite://FILE?mode=rwc` or `postgres://...`
        /// [default: sqlite://lakecat.db?mode=rwc].
        #[arg(long, env = "LAKECAT_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// Most database connections [default: 8].
        #[arg(long, env = "LAKECAT_MAX_CONNECTIONS")]
        max_connections: Option<u32>,
    },
    /// Print the REST API's OpenAPI document.
    Openapi,
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("LAKECAT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            config,
            listen,
            database_url,
            max_connections,
        } => {
            init_logging(cli.log_format);
            let file = match config {
                Some(path) => FileConfig::load(&path)?,
                None => FileConfig::default(),
            };
            let config = ServeConfig::resolve(listen, database_url, max_connections, file)?;
            lakecat_server::serve::serve(config).await
        }
        Command::Openapi => {
            print!("{}", lakecat_server::openapi_json());
            Ok(())
        }
    }
}
