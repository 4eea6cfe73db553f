//! A synced table listed a page at a time: in name order, or the matches of a search.

use sqlx::AnyConnection;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Arguments as _, Row};

use super::Stored;
use crate::api::pagination::{PageRequest, like_pattern};
use crate::db::{Backend, Db};

/// How a search of a synced table finds its rows: a condition on the table's own columns
/// (unaliased), and the one argument it takes as `$1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCondition {
    /// The condition.
    pub sql: String,
    /// Its argument: a [`like_pattern`], an FTS5 phrase query, or (PostgreSQL's `strpos`) the
    /// term itself, trimmed and lower-cased.
    pub argument: String,
    /// A query counting the matches from the search index alone, taking the same argument,
    /// where the index can: SQLite's index, asked in columns that hold exactly the rows the
    /// list admits.
    pub index_count: Option<String>,
    /// A query of the matches' rowids from the search index alone, taking the same argument,
    /// where the index counts alone: a term with few matches is answered in one pass over them,
    /// its page and its count together.
    pub index_rowids: Option<String>,
    /// Whether `sql` is the same for every term, and so worth keeping prepared on each
    /// connection; PostgreSQL's identifier search writes the term's trigrams into it.
    pub same_for_every_term: bool,
}

/// The condition that a row of `table` has `term` in its `search_key`, as `LIKE '%term%'` would
/// find it, answered from the table's search index:
/// - PostgreSQL: the pg_trgm GIN index. An identifier (a term with digits, see
///   `index_trigrams`) is checked by `strpos`, and each of its trigrams is an index key of its
///   own (a `LIKE '%abc%'`), which the index intersects from the rarest. As one
///   `LIKE '%ing-0077777%'` it walks the posting lists of trigrams found in nearly every row
///   (`ing` in every vendor SKU): two to three times slower at 1M items. Any other term is one
///   plain `LIKE`.
/// - SQLite: a phrase query on the FTS5 trigram index (`"term"`, or `columns : "term"` to look
///   in some of the index's columns only), answered from the trigrams' positions without
///   re-reading any row. `index_columns`, when given, must hold exactly the rows the list
///   admits: the index then counts the matches alone.
///
/// A term under three characters has no trigram, and an index that is paused (`index_current`
/// false) may be stale: both are answered by a plain `LIKE`, which scans the table.
pub fn search_condition(
    backend: Backend,
    table: &str,
    term: &str,
    index_columns: Option<&str>,
    index_current: bool,
) -> SearchCondition {
    let plain_like = || SearchCondition {
        sql: "search_key LIKE $1 ESCAPE '\\'".to_owned(),
        argument: like_pattern(term),
        index_count: None,
        index_rowids: None,
        same_for_every_term: true,
    };
    let term = term.trim().to_lowercase();
    match backend {
        Backend::Sqlite if index_current && term.chars().count() >= 3 => {
            let phrase = format!("\"{}\"", term.replace('"', "\"\""));
            let index_query = format!("FROM {table}_fts WHERE {table}_fts MATCH $1");
            SearchCondition {
                sql: format!("rowid IN (SELECT rowid {index_query})"),
                argument: match index_columns {
                    Some(columns) => format!("{columns} : {phrase}"),
                    None => phrase,
                },
                index_count: index_columns.map(|_| format!("SELECT COUNT(*) {index_query}")),
                index_rowids: index_columns.map(|_| format!("SELECT rowid {index_query}")),
                same_for_every_term: true,
            }
        }
        Backend::Postgres => {
            let trigrams = index_trigrams(&term);
            if trigrams.is_empty() {
                return plain_like();
            }
            let keys = trigrams
                .iter()
                .map(|trigram| format!(" AND search_key LIKE '%{trigram}%'"))
                .collect::<String>();
            SearchCondition {
                sql: format!("strpos(search_key, $1) > 0{keys}"),
                argument: term,
                index_count: None,
                index_rowids: None,
                same_for_every_term: false,
            }
        }
        Backend::Sqlite => plain_like(),
    }
}

/// At most this many trigrams of a term become index keys: enough to find the rare ones,
/// few enough that a long term does not cost a long plan.
const MAX_INDEX_TRIGRAMS: usize = 12;

/// The distinct trigrams of `term`, in order, at most [`MAX_INDEX_TRIGRAMS`], when it is an
/// identifier: it has a digit, and every word of it (a run of letters and digits) is ASCII and
/// at least three long. Otherwise none, and the search is one plain `LIKE`.
///
/// An identifier's parts differ in how rare they are (a vendor's prefix is in nearly every row,
/// its digits single it out), which separate keys let the index use. A term of words gains
/// little from it and pays a re-check per key on every candidate row (5 to 20% for a common
/// word). A short or non-ASCII word is left to the plain `LIKE`, which gives pg_trgm its
/// trigrams with the word's edges (`ing-x1` is selective through ` x1`). pg_trgm extracts
/// exactly these trigrams from `LIKE '%abc%'` whatever the database's locale, and they can be
/// written into SQL as they are: nothing in them needs quoting or escaping. A row holding the
/// term holds every one of them.
fn index_trigrams(term: &str) -> Vec<String> {
    let identifier = term.chars().any(|c| c.is_ascii_digit())
        && term
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .all(|word| word.len() >= 3 && word.chars().all(|c| c.is_ascii_alphanumeric()));
    if !identifier {
        return Vec::new();
    }
    let chars: Vec<char> = term.chars().collect();
    let mut trigrams: Vec<String> = Vec::new();
    for window in chars.windows(3) {
        let trigram: String = window.iter().collect();
        if window.iter().all(char::is_ascii_alphanumeric) && !trigrams.contains(&trigram) {
            trigrams.push(trigram);
            if trigrams.len() == MAX_INDEX_TRIGRAMS {
                break;
            }
        }
    }
    // A term that is its one trigram is exactly what the plain `LIKE` asks.
    if trigrams.len() == 1 && trigrams[0] == term {
        trigrams.clear();
    }
    trigrams
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
    /// The table's search index (SQLite) or copy (PostgreSQL) in name order, when it has one.
    pub by_name: Option<NameOrderedIndex>,
}

/// A table's search index in name order, for the searches with many matches.
///
/// On SQLite (migration 16), a second FTS5 index whose key is `(name bucket << 40) | rowid`, an
/// item's bucket that of the greatest first name in `buckets` not after its name. The matches
/// in a run of buckets are then the matches in a run of names, and a page of matches is the
/// matches of the few buckets it spans, sorted by name: reading it costs what the page costs,
/// not what all the matches do.
///
/// On PostgreSQL (migration 17), a narrow copy of the table's searched columns written in name
/// order, with its own trigram index: pg_trgm re-checks every candidate on the heap, and in the
/// copy the matches of a common term sit together in few blocks instead of across the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameOrderedIndex {
    /// The FTS5 table, with the same columns as the table's index keyed by rowid.
    pub fts: &'static str,
    /// The table of buckets: `bucket`, and the `first_name` that starts it.
    pub buckets: &'static str,
    /// PostgreSQL's copy: `id`, `name`, the columns lists filter on and `search_key`.
    pub postgres_copy: &'static str,
}

/// The bits of a name-ordered index's key that hold the row's rowid.
const ROWID_BITS: u32 = 40;

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
    /// `index_columns` names the columns of the table's SQLite search index that hold the rows
    /// `conditions` admit (`None`: all of them), so that the index alone can count matches.
    pub async fn page(
        &self,
        db: &Db,
        conditions: &[&str],
        search: &str,
        index_columns: Option<&str>,
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
            let search = SearchRequest {
                term: search,
                index_columns,
                by_name: self.by_name,
                after: after.as_ref(),
                limit,
            };
            let (ids, total) = search_page(db, table, &plain, &search, paging).await?;
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

/// What one page of a search asks for.
struct SearchRequest<'a> {
    /// The search term, trimmed.
    term: &'a str,
    /// Which columns of SQLite's search index to look in (see [`search_condition`]).
    index_columns: Option<&'a str>,
    /// The table's name-ordered search index, if it has one.
    by_name: Option<NameOrderedIndex>,
    /// The row a cursor names, when the page is reached by cursor.
    after: Option<&'a After>,
    /// How many rows to read.
    limit: i64,
}

/// The ids on one page of a search of `table` (by name), at most `limit` of them, and how many
/// records match in all. `filter` takes no argument. Where SQLite's index can count the matches
/// alone:
/// - a few of them are read once, for the page and the count together;
/// - more are counted by the index, and the page is read from the table's name-ordered index
///   when it has one and the matches are many, else by sorting them with a limit.
///
/// How few and how many: [`Db::set_search_tuning`].
///
/// Otherwise one pass over the matches does both: the count rides along as a window function.
/// Only the page's rows are read afterwards. On SQLite the queries share one read transaction
/// (one WAL snapshot) with the check that the indexes are current, so a bulk write that pauses
/// them cannot slip in between. On PostgreSQL each statement has a snapshot of its own: a pause
/// that begins between the check and the search leaves it reading the catalog's copy as it was
/// when the pause began, as a search a moment earlier would have.
async fn search_page(
    db: &Db,
    table: &str,
    filter: &str,
    search: &SearchRequest<'_>,
    paging: &PageRequest,
) -> Stored<(Vec<String>, i64)> {
    let mut tx = db.pool.begin().await?;
    let paused = super::search_index::paused(&mut tx, table).await?;
    let condition = search_condition(
        db.backend,
        table,
        search.term,
        search.index_columns,
        !paused.index,
    );
    let listed = filter;
    let filter = format!("{listed} AND {}", condition.sql);
    let keep_prepared = condition.same_for_every_term;
    // PostgreSQL reads the matches from the table's copy in name order, unless a bulk write
    // has it waiting for a rebuild (either pause stops its triggers).
    let searched = match search.by_name {
        Some(by_name) if db.backend == Backend::Postgres && !paused.index && !paused.by_name => {
            by_name.postgres_copy
        }
        _ => table,
    };
    let query = SortedPage {
        table: searched,
        argument: &condition.argument,
        keep_prepared,
        search,
        paging,
    };
    let tuning = db.search_tuning();
    let counted_by_index = match (&condition.index_rowids, &condition.index_count) {
        (Some(rowids), Some(count)) => {
            let few = i64::try_from(tuning.few_matches).unwrap_or(i64::MAX);
            let first_few = format!(
                "{listed} AND rowid IN ({rowids} LIMIT {})",
                few.saturating_add(1)
            );
            let rows = query.rows(&mut tx, &first_few, true).await?;
            match rows
                .first()
                .map(|r| r.try_get::<i64, _>("total"))
                .transpose()?
            {
                Some(total) if total <= few => {
                    tx.commit().await?;
                    return Ok((ids_of(&rows)?, total));
                }
                None if paging.offset() == 0 && search.after.is_none() => {
                    tx.commit().await?;
                    return Ok((Vec::new(), 0));
                }
                // More matches, or a page past the first few: the index counts them.
                _ => Some(
                    sqlx::query_scalar::<_, i64>(count)
                        .bind(&condition.argument)
                        .fetch_one(&mut *tx)
                        .await?,
                ),
            }
        }
        _ => None,
    };
    if let (Some(total), Some(by_name)) = (counted_by_index, search.by_name)
        && !paused.by_name
        && total >= i64::try_from(tuning.by_name_from).unwrap_or(i64::MAX)
    {
        let ids = by_name
            .page(
                &mut tx,
                table,
                listed,
                &condition.argument,
                total,
                search,
                paging,
            )
            .await?;
        tx.commit().await?;
        return Ok((ids, total));
    }
    // Counted already, the matches need only ordering: a sort with a limit keeps a page's worth.
    let rows = query
        .rows(&mut tx, &filter, counted_by_index.is_none())
        .await?;
    let total = match (counted_by_index, rows.first()) {
        (Some(total), _) => total,
        (None, Some(row)) => row.try_get::<i64, _>("total")?,
        (None, None) if paging.offset() == 0 && search.after.is_none() => 0,
        // Past the last page: no row carries the count.
        (None, None) => {
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {searched} WHERE {filter}"))
                .persistent(keep_prepared)
                .bind(&condition.argument)
                .fetch_one(&mut *tx)
                .await?
        }
    };
    tx.commit().await?;
    Ok((ids_of(&rows)?, total))
}

/// The `id` column of each row.
fn ids_of(rows: &[AnyRow]) -> Stored<Vec<String>> {
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?)
}

/// One page of a search's matches ordered by name, read by sorting them.
struct SortedPage<'a> {
    table: &'a str,
    /// The search condition's argument, `$1`.
    argument: &'a str,
    /// Whether the statements are worth keeping prepared.
    keep_prepared: bool,
    search: &'a SearchRequest<'a>,
    paging: &'a PageRequest,
}

impl SortedPage<'_> {
    /// The page's rows (`id`) among those of the table meeting `filter`, each with how many
    /// there are in all (`total`) when `with_total`. The count rides along as a window
    /// function; the matches are ordered outside it, so that no planner walks the name index
    /// row by row for them.
    async fn rows(
        &self,
        conn: &mut AnyConnection,
        filter: &str,
        with_total: bool,
    ) -> Stored<Vec<AnyRow>> {
        let table = self.table;
        let hits = if with_total {
            format!(
                "SELECT id, total FROM (SELECT id, name, COUNT(*) OVER () AS total FROM {table} WHERE {filter}) AS hits"
            )
        } else {
            format!("SELECT id FROM (SELECT id, name FROM {table} WHERE {filter}) AS hits")
        };
        let rows = match self.search.after {
            Some(after) => {
                sqlx::query(&format!(
                    "{hits} WHERE {} ORDER BY name, id LIMIT $2",
                    after_condition("", 3)
                ))
                .persistent(self.keep_prepared)
                .bind(self.argument)
                .bind(self.search.limit)
                .bind(&after.name)
                .bind(&after.id)
                .fetch_all(conn)
                .await?
            }
            None => {
                sqlx::query(&format!("{hits} ORDER BY name, id LIMIT $2 OFFSET $3"))
                    .persistent(self.keep_prepared)
                    .bind(self.argument)
                    .bind(self.search.limit)
                    .bind(self.paging.offset())
                    .fetch_all(conn)
                    .await?
            }
        };
        Ok(rows)
    }
}

impl NameOrderedIndex {
    /// The ids on one page of the `total` matches of a search (`argument`, the phrase query of
    /// the table's index keyed by rowid, whose columns this index shares), read in name order.
    /// `filter` is the condition on the table that the matches meet.
    #[allow(clippy::too_many_arguments)]
    async fn page(
        &self,
        conn: &mut AnyConnection,
        table: &str,
        filter: &str,
        argument: &str,
        total: i64,
        search: &SearchRequest<'_>,
        paging: &PageRequest,
    ) -> Stored<Vec<String>> {
        let fts = self.fts;
        // How many matches precede the page.
        let start = match search.after {
            None => paging.offset(),
            // Those in the buckets before the cursor's, and those in its bucket up to it.
            Some(after) => {
                let bucket: i64 = sqlx::query_scalar(&format!(
                    "SELECT coalesce((SELECT bucket FROM {} WHERE first_name <= $1 \
                     ORDER BY first_name DESC LIMIT 1), 0)",
                    self.buckets
                ))
                .bind(&after.name)
                .fetch_one(&mut *conn)
                .await?;
                let (low, high) = (bucket << ROWID_BITS, (bucket + 1) << ROWID_BITS);
                self.count_before(conn, argument, low).await?
                    + sqlx::query_scalar::<_, i64>(&format!(
                        "SELECT COUNT(*) FROM {table} WHERE {filter} AND {} \
                         AND (name, id) <= ($4, $5)",
                        self.keys_between()
                    ))
                    .bind(argument)
                    .bind(low)
                    .bind(high)
                    .bind(&after.name)
                    .bind(&after.id)
                    .fetch_one(&mut *conn)
                    .await?
            }
        };
        if start >= total {
            return Ok(Vec::new());
        }
        let last = (start + search.limit).min(total) - 1;
        let nth_key = format!(
            "SELECT rowid FROM {fts} WHERE {fts} MATCH $1 ORDER BY rowid LIMIT 1 OFFSET $2"
        );
        let mut keys = Vec::with_capacity(2);
        for n in [start, last] {
            let key: Option<i64> = sqlx::query_scalar(&nth_key)
                .bind(argument)
                .bind(n)
                .fetch_optional(&mut *conn)
                .await?;
            keys.push(key);
        }
        // The buckets the page spans: from the first match's to the last one's.
        let Some(first) = keys[0] else {
            return Ok(Vec::new());
        };
        let low = (first >> ROWID_BITS) << ROWID_BITS;
        let high = match keys[1] {
            Some(last) => ((last >> ROWID_BITS) + 1) << ROWID_BITS,
            None => i64::MAX,
        };
        let before = if start == 0 {
            0
        } else {
            self.count_before(conn, argument, low).await?
        };
        let rows = sqlx::query(&format!(
            "SELECT id FROM (SELECT id, name FROM {table} WHERE {filter} AND {}) AS hits \
             ORDER BY name, id LIMIT $4 OFFSET $5",
            self.keys_between()
        ))
        .bind(argument)
        .bind(low)
        .bind(high)
        .bind(search.limit)
        .bind(start - before)
        .fetch_all(&mut *conn)
        .await?;
        ids_of(&rows)
    }

    /// How many matches of `argument` have a key below `key`.
    async fn count_before(
        &self,
        conn: &mut AnyConnection,
        argument: &str,
        key: i64,
    ) -> Stored<i64> {
        let fts = self.fts;
        Ok(sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {fts} WHERE {fts} MATCH $1 AND rowid < $2"
        ))
        .bind(argument)
        .bind(key)
        .fetch_one(conn)
        .await?)
    }

    /// The condition that a row of the table matches `$1` with a key from `$2` up to `$3`.
    fn keys_between(&self) -> String {
        let fts = self.fts;
        format!(
            "rowid IN (SELECT rowid & {mask} FROM {fts} WHERE {fts} MATCH $1 \
             AND rowid >= $2 AND rowid < $3)",
            mask = (1_i64 << ROWID_BITS) - 1
        )
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_asks_its_index_for_a_phrase_with_quotes_doubled() {
        let search = search_condition(
            Backend::Sqlite,
            "catalog_items",
            " Monitor 27\" ",
            Some("active_key"),
            true,
        );
        assert_eq!(search.argument, "active_key : \"monitor 27\"\"\"");
        assert!(
            search.sql.contains("catalog_items_fts MATCH $1"),
            "{}",
            search.sql
        );
        assert_eq!(
            search.index_count.as_deref(),
            Some("SELECT COUNT(*) FROM catalog_items_fts WHERE catalog_items_fts MATCH $1")
        );
        let all_columns = search_condition(Backend::Sqlite, "companies", "acme", None, true);
        assert_eq!(all_columns.argument, "\"acme\"");
        assert_eq!(
            all_columns.index_count, None,
            "the list's conditions are not in the index"
        );
    }

    #[test]
    fn short_terms_a_paused_index_and_terms_without_an_identifier_use_a_plain_like() {
        for search in [
            search_condition(
                Backend::Sqlite,
                "catalog_items",
                "ab",
                Some("active_key"),
                true,
            ),
            search_condition(
                Backend::Sqlite,
                "catalog_items",
                "abc_",
                Some("active_key"),
                false,
            ),
            search_condition(Backend::Postgres, "catalog_items", "a_b", None, true),
            search_condition(Backend::Postgres, "catalog_items", "10µf", None, true),
            // A word under three characters, or not ASCII, would lose its trigrams.
            search_condition(Backend::Postgres, "catalog_items", "ing-x1", None, true),
            search_condition(Backend::Postgres, "catalog_items", "optiplex 7", None, true),
            search_condition(Backend::Postgres, "catalog_items", "dell ü", None, true),
            search_condition(Backend::Postgres, "companies", "müller", None, true),
            // Words alone, or a term that is its one trigram: nothing to gain from keys.
            search_condition(Backend::Postgres, "catalog_items", "latitude", None, true),
            search_condition(Backend::Postgres, "catalog_items", "544", None, true),
        ] {
            assert!(
                search.sql.starts_with("search_key LIKE $1"),
                "{}",
                search.sql
            );
            assert!(search.argument.starts_with('%'), "{}", search.argument);
            assert_eq!(search.index_count, None);
            assert!(search.same_for_every_term, "kept prepared");
        }
        // Three characters make one trigram: enough for the index.
        let three = search_condition(Backend::Sqlite, "catalog_items", "äbc", None, true);
        assert_eq!(three.argument, "\"äbc\"");
    }

    #[test]
    fn postgres_checks_an_identifier_and_gives_its_index_each_trigram() {
        let sku = search_condition(
            Backend::Postgres,
            "catalog_items",
            " ING-0077777 ",
            None,
            true,
        );
        assert_eq!(sku.argument, "ing-0077777");
        assert!(!sku.same_for_every_term);
        assert_eq!(
            sku.sql,
            "strpos(search_key, $1) > 0 AND search_key LIKE '%ing%' AND search_key LIKE '%007%' \
             AND search_key LIKE '%077%' AND search_key LIKE '%777%'"
        );
        // Wildcards and quotes stay in the argument, which strpos takes literally; only ASCII
        // letters and digits reach the SQL text.
        let mixed = search_condition(Backend::Postgres, "companies", "Acme' 100%", None, true);
        assert_eq!(mixed.argument, "acme' 100%");
        assert_eq!(
            mixed.sql,
            "strpos(search_key, $1) > 0 AND search_key LIKE '%acm%' AND search_key LIKE '%cme%' \
             AND search_key LIKE '%100%'"
        );
        let long = search_condition(
            Backend::Postgres,
            "companies",
            "a1b2c3d4e5f6g7h8i9j0k1l2m3",
            None,
            true,
        );
        assert_eq!(long.sql.matches(" LIKE ").count(), MAX_INDEX_TRIGRAMS);
    }
}
