//! A synced table listed a page at a time: in name order, or the matches of a search.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Arguments as _, Row};

use super::Stored;
use crate::api::pagination::{PageRequest, like_pattern};
use crate::db::{Backend, Db};

/// The condition that a row of `table` (unaliased) has `search_key LIKE $1`, `$1` being a
/// [`like_pattern`], answered from the table's search index: a pg_trgm GIN index on PostgreSQL
/// (the plain condition uses it), an FTS5 trigram table on SQLite. Both give the rows the plain
/// `LIKE` gives.
pub fn search_condition(backend: Backend, table: &str, pattern: &str) -> String {
    match backend {
        Backend::Postgres => "search_key LIKE $1 ESCAPE '\\'".to_owned(),
        Backend::Sqlite => {
            // FTS5 answers a LIKE from its index only without an ESCAPE clause: give one only
            // when the pattern escapes something.
            let escape = if pattern.contains('\\') {
                " ESCAPE '\\'"
            } else {
                ""
            };
            format!("rowid IN (SELECT rowid FROM {table}_fts WHERE search_key LIKE $1{escape})")
        }
    }
}

/// How to read one synced table's rows.
pub(crate) struct Listing<T> {
    /// The table, for counting and searching (it has `id`, `name` and `search_key`).
    pub table: &'static str,
    /// The alias that `select` gives the table, or `""`.
    pub alias: &'static str,
    /// `SELECT … FROM <table> [<alias> …]`: the columns `from_row` reads.
    pub select: &'static str,
    /// One row as the API's model.
    pub from_row: fn(&AnyRow) -> Stored<T>,
    /// The model's id.
    pub id: fn(&T) -> &String,
}

/// One page of a synced table's list, in name order.
#[derive(Debug)]
pub struct ListedPage<T> {
    /// The rows, in name order.
    pub data: Vec<T>,
    /// How many rows match, over every page.
    pub total: i64,
    /// The cursor of the page after this one (its last row's id), when there is one.
    pub next: Option<String>,
}

/// Where a page reached by cursor starts: after this row (lists are in name, then id, order).
struct After {
    name: String,
    id: String,
}

/// The row-value condition that a row comes after an [`After`] in name order, with its two
/// parameters numbered from `first`.
fn after_condition(alias: &str, first: usize) -> String {
    format!("({alias}name, {alias}id) > (${first}, ${})", first + 1)
}

/// The row-value condition that a row is a [`crate::db::PageAnchor`] or comes after it in name
/// order, with its two parameters numbered from `first`.
fn from_anchor_condition(alias: &str, first: usize) -> String {
    format!("({alias}name, {alias}id) >= (${first}, ${})", first + 1)
}

impl<T> Listing<T> {
    /// One page of the rows meeting every one of `conditions` (on the table's own columns,
    /// unqualified) and, unless `search` is blank, matching it; with how many there are in all.
    pub async fn page(
        &self,
        db: &Db,
        conditions: &[&str],
        search: &str,
        paging: &PageRequest,
    ) -> Stored<ListedPage<T>> {
        let plain = conditions.join(" AND ");
        let alias = if self.alias.is_empty() {
            String::new()
        } else {
            format!("{}.", self.alias)
        };
        let mut qualified = conditions
            .iter()
            .map(|c| format!("{alias}{c}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let (select, table) = (self.select, self.table);
        let pool = &db.pool;
        let search = search.trim();
        let after = match &paging.after {
            Some(id) => Some(after_row(db, table, id).await?),
            None => None,
        };
        // One row more than the page: whether it exists says whether there is a page after.
        let limit = paging.rpp as i64 + 1;
        let mut found = if search.is_empty() {
            let total = db.live_count(table, &plain).await?;
            let rows = match &after {
                Some(after) => {
                    qualified = format!("{qualified} AND {}", after_condition(&alias, 2));
                    sqlx::query(&format!(
                        "{select} WHERE {qualified} ORDER BY {alias}name, {alias}id LIMIT $1"
                    ))
                    .bind(limit)
                    .bind(&after.name)
                    .bind(&after.id)
                    .fetch_all(pool)
                    .await?
                }
                None => {
                    // A deep page starts from the nearest anchor before it, not from the start.
                    let anchor = db.page_anchor(table, &plain, paging.offset()).await?;
                    let (from_anchor, skip) = match &anchor {
                        Some(anchor) => (
                            format!(" AND {}", from_anchor_condition(&alias, 3)),
                            anchor.skip,
                        ),
                        None => (String::new(), paging.offset()),
                    };
                    let sql = format!(
                        "{select} WHERE {qualified}{from_anchor} \
                         ORDER BY {alias}name, {alias}id LIMIT $1 OFFSET $2"
                    );
                    let mut query = sqlx::query(&sql).bind(limit).bind(skip);
                    if let Some(anchor) = anchor {
                        query = query.bind(anchor.name).bind(anchor.id);
                    }
                    query.fetch_all(pool).await?
                }
            };
            let data = rows.iter().map(self.from_row).collect::<Stored<Vec<_>>>()?;
            ListedPage {
                data,
                total,
                next: None,
            }
        } else {
            let (ids, total) =
                search_page(db, table, &plain, search, paging, after.as_ref(), limit).await?;
            let rows = sqlx::query_with(
                &format!(
                    "{select} WHERE {alias}id IN ({})",
                    id_placeholders(ids.len())
                ),
                bind_ids(&ids),
            )
            .fetch_all(pool)
            .await?;
            let found = rows.iter().map(self.from_row).collect::<Stored<Vec<_>>>()?;
            ListedPage {
                data: in_order(&ids, found, self.id),
                total,
                next: None,
            }
        };
        if found.data.len() > paging.rpp as usize {
            found.data.truncate(paging.rpp as usize);
            found.next = found.data.last().map(|last| (self.id)(last).clone());
        }
        Ok(found)
    }
}

/// The ids on one page of a search of `table` (by name), at most `limit` of them, and how many
/// records match in all. `filter` uses `$1` for the pattern. One pass over the matches: the
/// count rides along as a window function, the matches are ordered outside it (so no planner
/// walks the name index row by row for them), and only the page's rows are read afterwards.
async fn search_page(
    db: &Db,
    table: &str,
    filter: &str,
    search: &str,
    paging: &PageRequest,
    after: Option<&After>,
    limit: i64,
) -> Stored<(Vec<String>, i64)> {
    let pool = &db.pool;
    let pattern = like_pattern(search);
    let filter = format!(
        "{filter} AND {}",
        search_condition(db.backend, table, &pattern)
    );
    let hits = format!(
        "SELECT id, total FROM (SELECT id, name, COUNT(*) OVER () AS total FROM {table} WHERE {filter}) AS hits"
    );
    let rows = match after {
        Some(after) => {
            sqlx::query(&format!(
                "{hits} WHERE {} ORDER BY name, id LIMIT $2",
                after_condition("", 3)
            ))
            .bind(&pattern)
            .bind(limit)
            .bind(&after.name)
            .bind(&after.id)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(&format!("{hits} ORDER BY name, id LIMIT $2 OFFSET $3"))
                .bind(&pattern)
                .bind(limit)
                .bind(paging.offset())
                .fetch_all(pool)
                .await?
        }
    };
    let total = match rows.first() {
        Some(row) => row.try_get::<i64, _>("total")?,
        None if paging.offset() == 0 && after.is_none() => 0,
        // Past the last page: no row carries the count.
        None => {
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {filter}"))
                .bind(&pattern)
                .fetch_one(pool)
                .await?
        }
    };
    let ids = rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    Ok((ids, total))
}

/// The row a cursor names, by id (rows of synced tables are marked deleted, never removed, so
/// a cursor stays good); a cursor naming no row is not found.
async fn after_row(db: &Db, table: &str, id: &str) -> Stored<After> {
    let name: Option<String> =
        sqlx::query_scalar(&format!("SELECT name FROM {table} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    match name {
        Some(name) => Ok(After {
            name,
            id: id.to_owned(),
        }),
        None => Err(optima_core::Error::NotFound {
            kind: "page cursor",
            id: id.to_owned(),
        }
        .into()),
    }
}

/// `$1, $2, … $n` (or a lone `NULL` for none, which matches nothing in `IN (…)`).
fn id_placeholders(n: usize) -> String {
    if n == 0 {
        return "NULL".into();
    }
    super::placeholders(1, n)
}

/// The ids as query arguments.
fn bind_ids(ids: &[String]) -> AnyArguments<'_> {
    let mut args = AnyArguments::default();
    for id in ids {
        // Adding a String to the Any driver's arguments cannot fail.
        let _ = args.add(id.as_str());
    }
    args
}

/// `items` in the order of `ids`.
fn in_order<T>(ids: &[String], items: Vec<T>, id: impl Fn(&T) -> &String) -> Vec<T> {
    let mut by_id: std::collections::HashMap<String, T> =
        items.into_iter().map(|i| (id(&i).clone(), i)).collect();
    ids.iter().filter_map(|i| by_id.remove(i)).collect()
}
