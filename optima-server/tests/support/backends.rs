//! `on_both_backends!`: one scenario, two tests, one on SQLite and one on PostgreSQL.

/// The scenario `$scenario(url, dir)` as one test on SQLite and one on the PostgreSQL named by
/// `OPTIMA_TEST_POSTGRES_URL`.
macro_rules! on_both_backends {
    ($scenario:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let dir = tempfile::tempdir().unwrap();
            $scenario(
                optima_server::testing::sqlite_test_url(dir.path()),
                dir.path(),
            )
            .await;
        }

        #[tokio::test]
        async fn $postgres() {
            let Some(url) = optima_server::testing::postgres_test_url(stringify!($scenario)).await
            else {
                return;
            };
            let dir = tempfile::tempdir().unwrap();
            $scenario(url, dir.path()).await;
        }
    };
}
