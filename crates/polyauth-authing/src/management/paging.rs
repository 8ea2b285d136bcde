//! Pages of a management list: the checks every `list` method makes on `page`/`limit`, and
//! one way to walk all pages as a `Stream` of items, shared by every module.

use std::future::Future;

use futures::stream::{self, Stream, TryStreamExt};
use polyauth_core::{Error, Result};

use crate::documents::GqlOp;
use crate::transport::PROVIDER;
use crate::types::Paginated;

/// The page size the `*_stream` methods ask for (Authing's lists answer at most this many a
/// page).
pub const STREAM_PAGE_SIZE: u32 = 100;

/// `page` counts from 1 and `limit` is at least 1, as Authing counts them.
/// Errors: `InvalidInput` naming `op` otherwise (nothing is sent).
pub(super) fn check_page(op: &GqlOp, page: u32, limit: u32) -> Result<()> {
    check_page_of(op.name(), page, limit)
}

/// [`check_page`] for a call that is not a GraphQL row (a REST list), named `name`.
pub(super) fn check_page_of(name: &'static str, page: u32, limit: u32) -> Result<()> {
    if page == 0 || limit == 0 {
        return Err(Error::invalid_input(format!(
            "pages count from 1 and hold at least 1 item (page {page}, limit {limit})"
        ))
        .with_context(PROVIDER, name));
    }
    Ok(())
}

/// Every item of a paginated list: `fetch(page)` for pages 1, 2, ... of `limit` items until a
/// page is short or empty or `totalCount` items have come. A failed page is yielded as the
/// stream's last item (the stream ends there).
pub(super) fn items<'a, T, F, Fut>(limit: u32, fetch: F) -> impl Stream<Item = Result<T>> + 'a
where
    T: 'a,
    F: Fn(u32) -> Fut + 'a,
    Fut: Future<Output = Result<Paginated<T>>> + 'a,
{
    let start = (fetch, 1u32, 0u64, false);
    stream::try_unfold(start, move |(fetch, page, seen, done)| async move {
        if done {
            return Ok(None);
        }
        let got = fetch(page).await?;
        let count = got.list.len() as u64;
        let seen = seen + count;
        let done = count == 0 || count < u64::from(limit) || seen >= got.total_count;
        Ok(Some((
            got.list,
            (fetch, page.saturating_add(1), seen, done),
        )))
    })
    .map_ok(|list| stream::iter(list.into_iter().map(Ok)))
    .try_flatten()
}
