//! What the audit trail needs to know about the request in progress, kept task-local so a store
//! write deep below a handler can name who asked, through which route, without every call in
//! between passing it on.
//!
//! [`super::trail`] opens the scope with the request's id and address; the route's extractor
//! ([`crate::api::Authorized`], [`crate::api::Public`]) adds the route and the caller. A CLI verb
//! that changes records (`token`) opens one naming itself. Elsewhere (a scheduled sync) there is
//! no scope, and nothing is recorded.

use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::routes::RouteSpec;

tokio::task_local! {
    static CURRENT: Arc<Mutex<RequestAudit>>;
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user.
    pub user_id: String,
    /// The API key they presented, if they presented one.
    pub api_key_id: Option<String>,
}

/// The request in progress, as the audit trail sees it.
#[derive(Debug, Clone, Default)]
pub struct RequestAudit {
    /// Its `x-request-id`.
    pub request_id: Option<String>,
    /// Where it came from.
    pub client_address: Option<String>,
    /// The route it reached (once its extractor ran).
    pub route: Option<&'static RouteSpec>,
    /// Or the command-line verb making the change (`cli token`), outside any request.
    pub command: Option<&'static str>,
    /// Who made it (once known).
    pub actor: Option<Actor>,
    /// Events store writes have appended for it.
    pub recorded: u32,
}

/// Runs `request` with `audit` as its context; answers its output and the context as the
/// request left it.
pub async fn scope<F: Future>(audit: RequestAudit, request: F) -> (F::Output, RequestAudit) {
    let cell = Arc::new(Mutex::new(audit));
    let output = CURRENT.scope(cell.clone(), request).await;
    let audit = lock(&cell).clone();
    (output, audit)
}

fn lock(cell: &Mutex<RequestAudit>) -> std::sync::MutexGuard<'_, RequestAudit> {
    // A panic while holding it cannot leave it half-written: every update is one assignment.
    cell.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn with<R>(f: impl FnOnce(&mut RequestAudit) -> R) -> Option<R> {
    CURRENT.try_with(|cell| f(&mut lock(cell))).ok()
}

/// Names the route the request reached and, once resolved, its caller.
pub fn identify(route: &'static RouteSpec, actor: Option<Actor>) {
    with(|audit| {
        audit.route = Some(route);
        if actor.is_some() {
            audit.actor = actor;
        }
    });
}

/// Names the caller of a public route once the handler knows who it is (a sign-in, a refresh).
pub fn set_actor(user_id: &str) {
    with(|audit| {
        audit.actor = Some(Actor {
            user_id: user_id.to_owned(),
            api_key_id: None,
        });
    });
}

/// The request in progress, if there is one and it reached a route (or the CLI verb in
/// progress): what a store write records its event with.
pub fn current() -> Option<RequestAudit> {
    with(|audit| audit.clone()).filter(|audit| audit.route.is_some() || audit.command.is_some())
}

impl RequestAudit {
    /// The operation events name: the route's operation id, or the CLI verb.
    pub fn operation_id(&self) -> &'static str {
        self.route
            .map(|r| r.operation_id)
            .or(self.command)
            .unwrap_or_default()
    }
}

/// Counts an event a store write appended for the request in progress.
pub fn recorded() {
    with(|audit| audit.recorded += 1);
}
