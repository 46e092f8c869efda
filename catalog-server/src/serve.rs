//! `lakecat serve`: open the catalog, serve HTTP until SIGINT or SIGTERM, then finish the
//! requests in flight and close the database.

use std::sync::Arc;

use anyhow::{Context, Result};
use lakecat_catalog::crawlers::Crawlers;
use lakecat_catalog::{Catalog, SqlStore, StoreOptions};
use lakecat_crawler::{CrawlerService, Scheduler};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{ServeConfig, redact_url};
use crate::metrics::Metrics;
use crate::{AppSettings, app_with};

/// How long a shutting-down server waits for running crawls to stop.
const CRAWL_STOP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

/// Runs the server until a shutdown signal.
pub async fn serve(config: ServeConfig) -> Result<()> {
    let options = StoreOptions {
        max_connections: config.max_connections,
        ..StoreOptions::default()
    };
    let shown_url = redact_url(&config.database_url);
    let store = SqlStore::connect(&config.database_url, &options)
        .await
        .with_context(|| format!("cannot open the catalog database {shown_url}"))?;
    tracing::info!(database = %shown_url, backend = ?store.backend(), "catalog database ready");
    let shared = Arc::new(store.clone());
    let catalog = Catalog::new(shared.clone());
    let metrics = Arc::new(Metrics::new());
    let crawl_metrics = metrics.clone();
    let crawlers = CrawlerService::new(catalog.clone(), Crawlers::new(shared.clone()))
        .with_finish_hook(Arc::new(move |run| crawl_metrics.record_crawl(run)))
        .with_run_lease(config.crawl_lease)
        .with_allowed_roots(config.allowed_roots.clone());
    if config.allowed_roots.is_unrestricted() {
        tracing::warn!(
            "no allowed crawl roots configured: crawlers may read any target this server can reach (set --allowed-root)"
        );
    } else {
        tracing::info!(roots = ?config.allowed_roots.roots(), "crawl targets confined to the allowed roots");
    }
    let scheduler = Scheduler::new(crawlers.clone(), config.scheduler_interval);
    let (stop_scheduler, scheduler_stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler_task = tokio::spawn(scheduler.run(async move {
        let _ = scheduler_stopped.await;
    }));
    // Event-mode crawlers' SQS queues (decision 0005).
    let stop_events = CancellationToken::new();
    let events_task = tokio::spawn(
        lakecat_crawler::events::poller::EventPoller::new(crawlers.clone())
            .run(stop_events.clone().cancelled_owned()),
    );

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    // Both protocols stop on the same signal.
    let stop = CancellationToken::new();
    let metastore = match &config.metastore {
        Some(metastore) => {
            let listener = TcpListener::bind(metastore.listen)
                .await
                .with_context(|| format!("cannot listen on {} (metastore)", metastore.listen))?;
            let address = listener.local_addr()?;
            if metastore.role_configured {
                tracing::warn!(%address, role = metastore.role.as_str(),
                    "Hive Metastore Thrift clients send no credentials: every client that can reach this port gets this role");
            } else {
                tracing::info!(%address, role = metastore.role.as_str(),
                    "Hive Metastore Thrift endpoint on loopback: local clients get this role");
            }
            println!("lakecat is serving the Hive Metastore Thrift API at thrift://{address}");
            Some(tokio::spawn(crate::hive::serve(
                listener,
                catalog.clone(),
                metastore.role,
                metrics.clone(),
                config.connection_limits,
                config.max_body_memory,
                stop.clone(),
            )))
        }
        None => None,
    };
    let address = listener.local_addr()?;
    tracing::info!(%address, "serving");
    println!(
        "lakecat is serving the catalog at http://{address}/v1 (API docs: http://{address}/docs)"
    );

    crate::http_server::serve(
        listener,
        app_with(AppSettings {
            catalog,
            crawlers: crawlers.clone(),
            metrics,
            store: Some(shared),
            access: config.access.clone(),
            request_timeout: config.request_timeout,
            max_body_memory: config.max_body_memory,
            iceberg_metadata_location: config.iceberg_metadata_location.clone(),
        }),
        config.connection_limits,
        {
            let stop = stop.clone();
            async move {
                shutdown_signal().await;
                stop.cancel();
            }
        },
    )
    .await;
    if let Some(metastore) = metastore {
        let _ = metastore.await;
    }
    // No crawl starts once shutdown began.
    let _ = stop_scheduler.send(());
    let _ = scheduler_task.await;
    stop_events.cancel();
    let _ = events_task.await;
    // Running crawls stop between tables and record STOPPED, rather than being cut off and
    // released as FAILED after their lease.
    let left = crawlers.stop_all(CRAWL_STOP_PATIENCE).await;
    if left > 0 {
        tracing::warn!(
            crawls = left,
            "crawls still running at shutdown; they will be released after their lease"
        );
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
