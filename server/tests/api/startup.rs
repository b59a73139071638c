//! The server refuses to start on a database it cannot migrate, and says why.

use backend::clock::Clock;
use leptos::config::LeptosOptions;
use server::Server;

use crate::harness::{fresh_database, test_config, Backend};
use crate::on_both_databases;

on_both_databases!(a_failed_migration_stops_the_server_with_a_clear_message,);

async fn a_failed_migration_stops_the_server_with_a_clear_message(backend: Backend) {
    let url = fresh_database(backend).await;
    // A table of the first migration already exists with another shape.
    {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE users (something_else TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let options = LeptosOptions::builder().output_name("signout").build();
    let result = Server::bind(
        test_config(url),
        Clock::system(),
        options,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await;
    let err = result.err().expect("the server must not start");
    let message = format!("{err:#}");
    assert!(message.contains("migrations failed"), "{message}");
}
