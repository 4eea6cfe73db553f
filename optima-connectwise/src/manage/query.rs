//! List queries, pages and streams.

use std::fmt;
use std::marker::PhantomData;

use futures::{StreamExt as _, TryStreamExt as _};
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::client::ConnectWiseClient;
use crate::error::{Error, Result, decode};

/// The largest `pageSize` ConnectWise accepts.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Formats a date-time for use inside `conditions`: `[2026-01-01T00:00:00Z]`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let since = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// assert_eq!(
///     format!("lastUpdated > {}", optima_connectwise::condition_date(since)),
///     "lastUpdated > [2026-01-01T00:00:00Z]"
/// );
/// ```
pub fn condition_date<Tz: chrono::TimeZone>(dt: chrono::DateTime<Tz>) -> String {
    format!(
        "[{}]",
        dt.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ")
    )
}

/// Quotes a string for use inside `conditions`: `identifier="A\"B"`.
pub fn condition_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A boxed stream of every record of a list (`Unpin`, `Send`, `'static`).
pub type ItemStream<T> = futures::stream::BoxStream<'static, Result<T>>;

/// A boxed stream of the pages of a list.
pub type PageStream<T> = futures::stream::BoxStream<'static, Result<Page<T>>>;

/// The parameters of a list request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListParams {
    /// `conditions`, e.g. `deletedFlag=false and lastUpdated > [2026-01-01T00:00:00Z]`.
    pub conditions: Option<String>,
    /// `childConditions`, e.g. `types/name="Client"`.
    pub child_conditions: Option<String>,
    /// `customFieldConditions`, e.g. `caption="Region" and value="West"`.
    pub custom_field_conditions: Option<String>,
    /// `orderBy`, e.g. `id asc`.
    pub order_by: Option<String>,
    /// `fields`, e.g. `id,name,_info/lastUpdated`.
    pub fields: Option<String>,
    /// `page` (1-based).
    pub page: Option<u32>,
    /// `pageSize` (1..=1000).
    pub page_size: Option<u32>,
    /// Forward-only paging (`pagination-type: forward-only`).
    pub forward_only: bool,
    /// `pageId`, the cursor of forward-only paging.
    pub page_id: Option<String>,
    /// Further raw query parameters.
    pub extra: Vec<(String, String)>,
}

impl ListParams {
    /// Checks the parameters without sending anything.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] when `pageSize` is 0 or above 1000, or `page` is 0.
    pub fn validate(&self) -> Result<()> {
        if let Some(ps) = self.page_size
            && (ps == 0 || ps > MAX_PAGE_SIZE)
        {
            return Err(Error::InvalidQuery(format!(
                "pageSize must be between 1 and {MAX_PAGE_SIZE}, got {ps}"
            )));
        }
        if self.page == Some(0) {
            return Err(Error::InvalidQuery("page is 1-based; got 0".into()));
        }
        Ok(())
    }

    /// The query pairs, in a stable order.
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q = Vec::with_capacity(8 + self.extra.len());
        let mut push = |k: &str, v: &Option<String>| {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                q.push((k.to_owned(), v.clone()));
            }
        };
        push("conditions", &self.conditions);
        push("childConditions", &self.child_conditions);
        push("customFieldConditions", &self.custom_field_conditions);
        push("orderBy", &self.order_by);
        push("fields", &self.fields);
        if let Some(id) = &self.page_id {
            q.push(("pageId".into(), id.clone()));
        } else if let Some(p) = self.page {
            q.push(("page".into(), p.to_string()));
        }
        if let Some(ps) = self.page_size {
            q.push(("pageSize".into(), ps.to_string()));
        }
        q.extend(self.extra.iter().cloned());
        q
    }

    /// The query pairs understood by `/count` endpoints (conditions only).
    pub fn to_count_query(&self) -> Vec<(String, String)> {
        self.to_query()
            .into_iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "conditions" | "childConditions" | "customFieldConditions"
                )
            })
            .collect()
    }
}

/// A list request under construction: `cw.companies().list().conditions(..).page_size(1000).send()`.
///
/// Finish it with [`send`](Self::send) (one page), [`stream`](Self::stream) (every
/// item, pages fetched lazily), [`pages`](Self::pages), [`all`](Self::all) or [`count`](Self::count).
#[must_use = "a list request does nothing until sent"]
pub struct ListRequest<T> {
    client: ConnectWiseClient,
    path: String,
    params: ListParams,
    _t: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ListRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRequest")
            .field("path", &self.path)
            .field("params", &self.params)
            .finish()
    }
}

impl<T> Clone for ListRequest<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            path: self.path.clone(),
            params: self.params.clone(),
            _t: PhantomData,
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> ListRequest<T> {
    pub(crate) fn new(client: ConnectWiseClient, path: impl Into<String>) -> Self {
        Self {
            client,
            path: path.into(),
            params: ListParams::default(),
            _t: PhantomData,
        }
    }

    /// Sets `conditions` (replacing earlier ones).
    pub fn conditions(mut self, c: impl Into<String>) -> Self {
        self.params.conditions = Some(c.into());
        self
    }

    /// Adds a condition with `and` (parenthesised) to the existing ones.
    pub fn and_condition(mut self, c: impl Into<String>) -> Self {
        let c = c.into();
        self.params.conditions = Some(
            match self.params.conditions.take().filter(|s| !s.is_empty()) {
                Some(prev) => format!("({prev}) and ({c})"),
                None => c,
            },
        );
        self
    }

    /// Sets `childConditions`.
    pub fn child_conditions(mut self, c: impl Into<String>) -> Self {
        self.params.child_conditions = Some(c.into());
        self
    }

    /// Sets `customFieldConditions`.
    pub fn custom_field_conditions(mut self, c: impl Into<String>) -> Self {
        self.params.custom_field_conditions = Some(c.into());
        self
    }

    /// Sets `orderBy`, e.g. `"id asc"`.
    pub fn order_by(mut self, o: impl Into<String>) -> Self {
        self.params.order_by = Some(o.into());
        self
    }

    /// Sets `fields` from a list, e.g. `["id", "name", "_info/lastUpdated"]`.
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined = fields
            .into_iter()
            .map(|s| s.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(",");
        self.params.fields = Some(joined);
        self
    }

    /// Sets `page` (1-based).
    pub fn page(mut self, page: u32) -> Self {
        self.params.page = Some(page);
        self
    }

    /// Sets `pageSize` (1..=1000; larger values fail before any request is sent).
    pub fn page_size(mut self, size: u32) -> Self {
        self.params.page_size = Some(size);
        self
    }

    /// Uses forward-only paging (`pagination-type: forward-only`), the mode for big exports.
    /// Pages are then followed by the `pageId` of the `Link` header.
    pub fn forward_only(mut self) -> Self {
        self.params.forward_only = true;
        self
    }

    /// Adds a raw query parameter.
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.extra.push((key.into(), value.into()));
        self
    }

    /// Replaces all parameters.
    pub fn params(mut self, params: ListParams) -> Self {
        self.params = params;
        self
    }

    /// The parameters as they stand.
    pub fn list_params(&self) -> &ListParams {
        &self.params
    }

    /// Fetches one page.
    ///
    /// # Errors
    /// [`Error::InvalidQuery`] before any request for a bad `pageSize`; transport, API or decode errors.
    pub async fn send(self) -> Result<Page<T>> {
        self.params.validate()?;
        fetch_page(self.client, self.path, self.params).await
    }

    /// Every page, fetched lazily one after the other.
    pub fn pages(self) -> PageStream<T> {
        let first = self
            .params
            .validate()
            .map(|()| (self.client, self.path, self.params));
        futures::stream::try_unfold(Some(first), |state| async move {
            let Some(state) = state else { return Ok(None) };
            let (client, path, params) = state?;
            let page = fetch_page::<T>(client, path, params).await?;
            let next = page.next_request().map(Ok);
            Ok(Some((page, next)))
        })
        .boxed()
    }

    /// Every item of every page, pages fetched lazily (set `page_size(1000)` for fewer requests).
    pub fn stream(self) -> ItemStream<T> {
        self.pages()
            .map_ok(|p| futures::stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Collects every item of every page (page size 1000 unless set).
    ///
    /// # Errors
    /// The first error met.
    pub async fn all(mut self) -> Result<Vec<T>> {
        if self.params.page_size.is_none() {
            self.params.page_size = Some(MAX_PAGE_SIZE);
        }
        self.stream().try_collect().await
    }

    /// Counts the matching records (`GET {path}/count`, conditions only).
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn count(self) -> Result<u64> {
        count(&self.client, &self.path, &self.params.to_count_query()).await
    }
}

#[derive(serde::Deserialize)]
struct CountBody {
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    count: Option<i64>,
}

pub(crate) async fn count(
    client: &ConnectWiseClient,
    path: &str,
    query: &[(String, String)],
) -> Result<u64> {
    let path = format!("{}/count", path.trim_end_matches('/'));
    let body: CountBody = client.get_decoded(&path, query).await?;
    Ok(body.count.and_then(|c| u64::try_from(c).ok()).unwrap_or(0))
}

async fn fetch_page<T: DeserializeOwned>(
    client: ConnectWiseClient,
    path: String,
    params: ListParams,
) -> Result<Page<T>> {
    let query = params.to_query();
    let headers: &[(&'static str, &'static str)] = if params.forward_only {
        &[("pagination-type", "forward-only")]
    } else {
        &[]
    };
    let resp = client
        .send_raw(Method::GET, &path, &query, None, headers)
        .await?;
    let items: Vec<T> = decode(&path, &resp.body)?;
    let next_link = resp
        .headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| link_rel(v, "next"));
    Ok(Page {
        items,
        next_link,
        client,
        path,
        params,
    })
}

/// One page of a list, with what is needed to fetch the next.
pub struct Page<T> {
    /// The records of this page.
    pub items: Vec<T>,
    next_link: Option<String>,
    client: ConnectWiseClient,
    path: String,
    params: ListParams,
}

impl<T: fmt::Debug> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("path", &self.path)
            .field("params", &self.params)
            .field("next_link", &self.next_link)
            .field("items", &self.items)
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Page<T> {
    /// The `rel="next"` URL of the `Link` header, if any.
    pub fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }

    /// Whether a next page exists (per the `Link` header).
    pub fn has_next(&self) -> bool {
        self.next_params().is_some()
    }

    /// The parameters of this page's request.
    pub fn params(&self) -> &ListParams {
        &self.params
    }

    /// The parameters of the next page's request, derived from the `Link` header:
    /// its `page` (numbered paging) or `pageId` (forward-only paging) is applied to
    /// this page's parameters, so conditions and fields carry over unchanged.
    pub fn next_params(&self) -> Option<ListParams> {
        let link = self.next_link.as_deref()?;
        let url = url::Url::parse(link)
            .or_else(|_| url::Url::parse("http://x/").and_then(|b| b.join(link)))
            .ok()?;
        let mut next = self.params.clone();
        let mut moved = false;
        for (k, v) in url.query_pairs() {
            if k.eq_ignore_ascii_case("pageId") {
                next.page_id = Some(v.into_owned());
                next.page = None;
                moved = true;
            } else if k.eq_ignore_ascii_case("page") && next.page_id.is_none() {
                next.page = v.parse().ok();
                moved = next.page.is_some();
            }
        }
        if !moved {
            // A Link without page/pageId: follow it by page number.
            next.page = Some(self.params.page.unwrap_or(1) + 1);
        }
        (next != self.params).then_some(next)
    }

    fn next_request(&self) -> Option<(ConnectWiseClient, String, ListParams)> {
        self.next_params()
            .map(|p| (self.client.clone(), self.path.clone(), p))
    }

    /// Fetches the next page, or `None` on the last page.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn next_page(&self) -> Result<Option<Page<T>>> {
        match self.next_request() {
            Some((c, p, params)) => fetch_page(c, p, params).await.map(Some),
            None => Ok(None),
        }
    }

    /// The items, consuming the page.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// A stream of this page's items followed by every later page's items.
    pub fn stream(self) -> ItemStream<T> {
        let rest = match self.next_request() {
            Some((client, path, params)) => ListRequest::<T>::new(client, path)
                .params(params)
                .stream()
                .left_stream(),
            None => futures::stream::empty().right_stream(),
        };
        futures::stream::iter(self.items.into_iter().map(Ok))
            .chain(rest)
            .boxed()
    }
}

/// Finds the URL with the given `rel` in a `Link` header value.
pub(crate) fn link_rel(header: &str, rel: &str) -> Option<String> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let url = &after[..end];
        let tail = &after[end + 1..];
        let params_end = tail.find('<').unwrap_or(tail.len());
        let params = &tail[..params_end];
        let matches = params.split(';').any(|p| {
            let p = p.trim().trim_end_matches(',').trim();
            p.strip_prefix("rel=")
                .map(|v| {
                    v.trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case(rel))
                })
                .unwrap_or(false)
        });
        if matches {
            return Some(url.to_owned());
        }
        rest = &tail[params_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next_and_last() {
        let h = r#"<https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies?conditions=a%3D1,b&page=2&pageSize=25>; rel="next", <https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies?page=9&pageSize=25>; rel="last""#;
        assert!(link_rel(h, "next").unwrap().contains("page=2"));
        assert!(link_rel(h, "last").unwrap().contains("page=9"));
        assert_eq!(link_rel(h, "prev"), None);
        assert_eq!(
            link_rel("<https://x/y?pageId=77>; rel=next", "next").as_deref(),
            Some("https://x/y?pageId=77")
        );
    }

    #[test]
    fn page_size_limits() {
        let p = ListParams {
            page_size: Some(1001),
            ..ListParams::default()
        };
        assert!(matches!(p.validate(), Err(Error::InvalidQuery(m)) if m.contains("1000")));
        assert!(
            ListParams {
                page_size: Some(1000),
                ..ListParams::default()
            }
            .validate()
            .is_ok()
        );
        assert!(
            ListParams {
                page: Some(0),
                ..ListParams::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn dates_and_strings_in_conditions() {
        let dt = chrono::DateTime::parse_from_rfc3339("2026-01-01T02:00:00+02:00").unwrap();
        assert_eq!(condition_date(dt), "[2026-01-01T00:00:00Z]");
        assert_eq!(condition_string(r#"A"B"#), r#""A\"B""#);
    }
}
