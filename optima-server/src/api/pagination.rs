//! `page` / `rpp` paging of list routes, the `cursor` that reaches the next page without
//! skipping rows, and the `pagination` block they return.

use poem_openapi::Object;

use super::common::ApiError;

/// Records per page when the caller does not say.
pub const DEFAULT_RPP: u32 = 30;
/// The most records one page may hold.
pub const MAX_RPP: u32 = 1000;

/// Where a list response stands.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename_all = "camelCase")]
pub struct Pagination {
    /// The page before, or null on the first.
    #[oai(nullable)]
    pub previous_page: Option<u32>,
    /// This page (from 1).
    pub current_page: u32,
    /// The page after, or null on the last.
    #[oai(nullable)]
    pub next_page: Option<u32>,
    /// Pages in all (at least 1).
    pub total_pages: u32,
    /// Records matching, over every page.
    pub total_records: u64,
    /// Records on this page.
    pub listed_records: u32,
    /// Pass as `cursor` for the page after this one, or null on the last: the id of this page's
    /// last row. A page reached by cursor costs the same however deep it is (a page number
    /// skips every row before it); such a page has `currentPage` 0 and null `previousPage` and
    /// `nextPage`.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

/// Whether `text` has the shape of a cursor: the id of the last row of the page before, 32
/// lower-case hex digits (the list routes' `cursor` pattern in the spec says the same).
pub fn is_cursor(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// From 1 (ignored when `after` is set).
    pub page: u32,
    /// Records per page.
    pub rpp: u32,
    /// The page starts after the row with this id rather than at a page number.
    pub after: Option<String>,
}

impl PageRequest {
    /// Checks `page` (≥ 1) and `rpp` (1 to 1000), defaulting to page 1 of 30.
    pub fn new(page: Option<i64>, rpp: Option<i64>) -> Result<PageRequest, ApiError> {
        let page = page.unwrap_or(1);
        if page < 1 || page > u32::MAX as i64 {
            return Err(ApiError::invalid(
                &["parameter", "page"],
                "page is a whole number from 1",
            ));
        }
        let rpp = rpp.unwrap_or(DEFAULT_RPP as i64);
        if rpp < 1 || rpp > MAX_RPP as i64 {
            return Err(ApiError::invalid(
                &["parameter", "rpp"],
                format!("rpp is a whole number from 1 to {MAX_RPP}"),
            ));
        }
        Ok(PageRequest {
            page: page as u32,
            rpp: rpp as u32,
            after: None,
        })
    }

    /// [`PageRequest::new`], or with `cursor` the page after the one that gave it (a page
    /// number beside a cursor is not used).
    pub fn with_cursor(
        page: Option<i64>,
        rpp: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<PageRequest, ApiError> {
        let mut request = PageRequest::new(page, rpp)?;
        if let Some(cursor) = cursor.map(str::trim) {
            if !is_cursor(cursor) {
                return Err(ApiError::invalid(
                    &["parameter", "cursor"],
                    "not a cursor: pass the nextCursor of the page before",
                ));
            }
            request.page = 1;
            request.after = Some(cursor.to_owned());
        }
        Ok(request)
    }

    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        if self.after.is_some() {
            return 0;
        }
        (self.page as i64 - 1) * self.rpp as i64
    }

    /// The block for a page of `listed` out of `total`, with the cursor of the page after it
    /// when there is one.
    pub fn pagination(&self, total: u64, listed: usize) -> Pagination {
        self.pagination_with(total, listed, None)
    }

    /// [`PageRequest::pagination`], with the cursor of the page after.
    pub fn pagination_with(
        &self,
        total: u64,
        listed: usize,
        next_cursor: Option<String>,
    ) -> Pagination {
        let total_pages = u32::try_from(total.div_ceil(self.rpp as u64).max(1)).unwrap_or(u32::MAX);
        if self.after.is_some() {
            return Pagination {
                previous_page: None,
                current_page: 0,
                next_page: None,
                total_pages,
                total_records: total,
                listed_records: listed as u32,
                next_cursor,
            };
        }
        Pagination {
            previous_page: (self.page > 1).then(|| (self.page - 1).min(total_pages)),
            current_page: self.page,
            // `then`, not `then_some`: the argument must not be computed on the last page,
            // where `page + 1` may not exist.
            next_page: (self.page < total_pages).then(|| self.page + 1),
            total_pages,
            total_records: total,
            listed_records: listed as u32,
            next_cursor,
        }
    }
}

/// A search term as a `LIKE` pattern matching it anywhere, lower-cased, with `%`, `_` and
/// the escape character itself escaped (queries use `ESCAPE '\'`).
pub fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_counted_like_the_spec() {
        let p = PageRequest::new(None, None).unwrap();
        assert_eq!(
            p.pagination(300, 30),
            Pagination {
                previous_page: None,
                current_page: 1,
                next_page: Some(2),
                total_pages: 10,
                total_records: 300,
                listed_records: 30,
                next_cursor: None,
            }
        );
        let last = PageRequest::new(Some(10), Some(30))
            .unwrap()
            .pagination(300, 30);
        assert_eq!((last.previous_page, last.next_page), (Some(9), None));
        let empty = PageRequest::new(None, None).unwrap().pagination(0, 0);
        assert_eq!((empty.total_pages, empty.next_page), (1, None));
        assert_eq!(PageRequest::new(Some(3), Some(10)).unwrap().offset(), 20);
        let far = PageRequest::new(Some(u32::MAX as i64), Some(1))
            .unwrap()
            .pagination(5, 0);
        assert_eq!((far.next_page, far.previous_page), (None, Some(5)));
    }

    #[test]
    fn bad_pages_name_the_parameter() {
        for (page, rpp, param) in [
            (Some(0), None, "page"),
            (None, Some(0), "rpp"),
            (None, Some(1001), "rpp"),
            (Some(-1), None, "page"),
        ] {
            let err = PageRequest::new(page, rpp).unwrap_err();
            let body = err.body();
            assert_eq!(body.status, 400);
            assert_eq!(body.errors.as_ref().unwrap()[0].path, ["parameter", param]);
        }
    }

    #[test]
    fn cursors_are_row_ids_and_bad_ones_name_the_parameter() {
        let id = "0123456789abcdef0123456789abcdef";
        let request = PageRequest::with_cursor(Some(7), Some(10), Some(id)).unwrap();
        assert_eq!(request.after.as_deref(), Some(id));
        assert_eq!((request.page, request.offset()), (1, 0), "the cursor wins");
        for text in [
            "",
            "not-a-cursor",
            "0123456789ABCDEF0123456789ABCDEF",
            &id[1..],
        ] {
            let err = PageRequest::with_cursor(None, None, Some(text)).unwrap_err();
            assert_eq!(
                err.body().errors.as_ref().unwrap()[0].path,
                ["parameter", "cursor"]
            );
        }
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern(" Acme_100% "), "%acme\\_100\\%%");
    }
}
