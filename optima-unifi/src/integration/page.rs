//! Offset/limit paging of the Integration API: `{offset, limit, count, totalCount, data}`.

use std::fmt;
use std::marker::PhantomData;

use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::IntegrationClient;
use super::filter::Filter;
use crate::error::{Error, Result};

/// A stream of every item of a list, pages fetched lazily.
pub type ItemStream<T> = BoxStream<'static, Result<T>>;

/// A stream of pages.
pub type PageStream<T> = BoxStream<'static, Result<Page<T>>>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
struct Envelope<T> {
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    count: Option<i64>,
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    total_count: Option<i64>,
    #[serde(default = "Vec::new", deserialize_with = "crate::lenient::vec_or_null")]
    data: Vec<T>,
}

/// A list request: `offset`, `limit` and `filter`, sent with [`send`](Self::send) (one page),
/// [`stream`](Self::stream) (every item) or [`all`](Self::all).
pub struct ListRequest<T> {
    client: IntegrationClient,
    path: String,
    offset: u64,
    limit: Option<u32>,
    max_limit: u32,
    filter: Option<Filter>,
    _item: PhantomData<fn() -> T>,
}

impl<T> Clone for ListRequest<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            path: self.path.clone(),
            offset: self.offset,
            limit: self.limit,
            max_limit: self.max_limit,
            filter: self.filter.clone(),
            _item: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ListRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRequest")
            .field("path", &self.path)
            .field("offset", &self.offset)
            .field("limit", &self.limit)
            .field("filter", &self.filter)
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> ListRequest<T> {
    pub(crate) fn new(client: IntegrationClient, path: String, max_limit: u32) -> Self {
        Self {
            client,
            path,
            offset: 0,
            limit: None,
            max_limit,
            filter: None,
            _item: PhantomData,
        }
    }

    /// Skips this many items (`offset`, default 0).
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// Items per page (`limit`; the server's default is 25, or 100 for vouchers). At most 200
    /// (1000 for vouchers): more fails before any request is sent.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only items matching `filter` (the `filter` query parameter).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The path of the list, e.g. `/v1/sites/{siteId}/devices`.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn query(&self) -> Result<Vec<(&'static str, String)>> {
        let mut q = vec![("offset", self.offset.to_string())];
        if let Some(limit) = self.limit {
            if limit > self.max_limit {
                return Err(Error::InvalidInput(format!(
                    "limit {limit} is above the maximum of {} for {}",
                    self.max_limit, self.path
                )));
            }
            q.push(("limit", limit.to_string()));
        }
        if let Some(f) = &self.filter {
            q.push(("filter", f.to_query()?));
        }
        Ok(q)
    }

    /// Fetches one page.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before any request for a limit above the maximum or a malformed
    /// filter; transport, API and decode errors.
    pub async fn send(self) -> Result<Page<T>> {
        let query = self.query()?;
        let value = self
            .client
            .request(Method::GET, &self.path, &query, None)
            .await?
            .ok_or_else(|| Error::UnexpectedResponse(format!("empty page from {}", self.path)))?;
        let env: Envelope<T> = crate::client::decode(value, "")?;
        let items = env.data;
        let count = env
            .count
            .and_then(|c| u64::try_from(c).ok())
            .unwrap_or(items.len() as u64);
        Ok(Page {
            offset: env
                .offset
                .and_then(|o| u64::try_from(o).ok())
                .unwrap_or(self.offset),
            limit: env.limit.and_then(|l| u64::try_from(l).ok()),
            count,
            total_count: env.total_count.and_then(|t| u64::try_from(t).ok()),
            items,
            request: self,
        })
    }

    /// Every page, fetched lazily one after the other.
    pub fn pages(self) -> PageStream<T> {
        futures::stream::try_unfold(Some(self), |req| async move {
            let Some(req) = req else { return Ok(None) };
            let page = req.send().await?;
            let next = page.next_request();
            Ok(Some((page, next)))
        })
        .boxed()
    }

    /// Every item of every page, pages fetched lazily.
    pub fn stream(self) -> ItemStream<T> {
        self.pages()
            .map_ok(|p| futures::stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Collects every item, with the largest page size allowed unless one is set.
    ///
    /// # Errors
    /// The first error met.
    pub async fn all(mut self) -> Result<Vec<T>> {
        if self.limit.is_none() {
            self.limit = Some(self.max_limit);
        }
        self.stream().try_collect().await
    }
}

/// One page of a list.
pub struct Page<T> {
    /// The `offset` of this page.
    pub offset: u64,
    /// The `limit` the server applied, when it said.
    pub limit: Option<u64>,
    /// Items in this page.
    pub count: u64,
    /// Items matching in all (`totalCount`), when the server said.
    pub total_count: Option<u64>,
    /// The items of this page.
    pub items: Vec<T>,
    request: ListRequest<T>,
}

impl<T: fmt::Debug> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("path", &self.request.path)
            .field("offset", &self.offset)
            .field("limit", &self.limit)
            .field("count", &self.count)
            .field("total_count", &self.total_count)
            .field("items", &self.items)
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Page<T> {
    /// Whether more items follow: this page was not empty and `offset + count` is below
    /// `totalCount` (or, without `totalCount`, the page was full).
    pub fn has_next(&self) -> bool {
        if self.count == 0 {
            return false;
        }
        // From the offset asked for, not the one echoed back: a console echoing a stale offset
        // would otherwise be asked for the same page for ever.
        let next = self.request.offset + self.count;
        match (
            self.total_count,
            self.limit.or(self.request.limit.map(u64::from)),
        ) {
            (Some(total), _) => next < total,
            (None, Some(limit)) => self.count >= limit,
            (None, None) => false,
        }
    }

    fn next_request(&self) -> Option<ListRequest<T>> {
        self.has_next().then(|| {
            let mut next = self.request.clone();
            next.offset = self.request.offset + self.count;
            next
        })
    }

    /// Fetches the next page, or `None` on the last.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn next_page(&self) -> Result<Option<Page<T>>> {
        match self.next_request() {
            Some(req) => req.send().await.map(Some),
            None => Ok(None),
        }
    }

    /// The items, consuming the page.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// This page's items followed by every later page's items.
    pub fn stream(self) -> ItemStream<T> {
        let rest = match self.next_request() {
            Some(req) => req.stream().left_stream(),
            None => futures::stream::empty().right_stream(),
        };
        futures::stream::iter(self.items.into_iter().map(Ok))
            .chain(rest)
            .boxed()
    }
}
