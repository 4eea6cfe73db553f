//! No escalation on the routes that change grants: a caller gives nobody, themselves included,
//! anything they do not hold, takes nothing from anyone who holds more than they do, and never
//! leaves the organisation without an administrator. The rules are `optima_core::rbac`'s
//! delegation checks; this module finds who a change affects and what they hold before and after.

use std::collections::HashMap;

use optima_core::rbac::{
    Affected, DelegationError, Grant, GrantSet, GrantSource, Lacking, SourcedGrant,
    authorize_change,
};
use optima_core::store::{Role, RoleStore, User, UserStore};
use poem::http::StatusCode;

use super::common::ApiError;
use crate::auth::caller::Caller;
use crate::state::AppState;

/// Roles by id, as they are or as a change would leave them.
type RoleBook = HashMap<String, Role>;

/// The delegation checks for one caller.
#[derive(Debug)]
pub struct Delegation<'a> {
    state: &'a AppState,
    caller: &'a Caller,
}

impl<'a> Delegation<'a> {
    /// Checks made on behalf of `caller`.
    pub fn new(state: &'a AppState, caller: &'a Caller) -> Self {
        Delegation { state, caller }
    }

    async fn roles(&self) -> Result<RoleBook, ApiError> {
        Ok(self
            .state
            .store
            .list_roles()
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect())
    }

    /// A user's grants as written: their roles' (in `book`) and their direct ones.
    fn written(user: &User, book: &RoleBook) -> Vec<Grant> {
        user.roles
            .iter()
            .filter_map(|id| book.get(id))
            .flat_map(|r| r.permissions.iter())
            .chain(&user.permissions)
            .filter_map(|g| Grant::parse(g).ok())
            .collect()
    }

    /// What a user would hold with the roles in `book`. Grants that no longer parse are left
    /// out: they give nothing either way.
    fn effective(&self, user: &User, book: &RoleBook) -> GrantSet {
        let mut builder = GrantSet::builder();
        for role in user.roles.iter().filter_map(|id| book.get(id)) {
            let parsed = role.permissions.iter().filter_map(|g| Grant::parse(g).ok());
            builder = builder.grants(parsed.map(|grant| SourcedGrant {
                grant,
                source: GrantSource::Role(role.moniker.clone()),
            }));
        }
        let direct = user.permissions.iter().filter_map(|g| Grant::parse(g).ok());
        builder
            .grants(direct.map(|grant| SourcedGrant {
                grant,
                source: GrantSource::Direct,
            }))
            .dependencies_from(&self.state.catalog())
            .build()
    }

    /// Whether the caller may make a role's grants go from `before` to `after` (`None` for a
    /// role being created or deleted); everyone holding the role is affected.
    pub async fn role_change(
        &self,
        before: Option<&Role>,
        after: Option<&Role>,
    ) -> Result<(), ApiError> {
        let parse = |r: Option<&Role>| -> Vec<Grant> {
            r.map(|r| {
                r.permissions
                    .iter()
                    .filter_map(|g| Grant::parse(g).ok())
                    .collect()
            })
            .unwrap_or_default()
        };
        let holders = match before {
            Some(role) => self.state.store.users_with_role(&role.id).await?,
            None => Vec::new(),
        };
        let book = self.roles().await?;
        let mut changed = book.clone();
        if let Some(role) = before {
            changed.remove(&role.id);
        }
        if let Some(role) = after {
            changed.insert(role.id.clone(), role.clone());
        }
        // Deleting a role gives nothing by itself; what its holders gain from losing its
        // denials, the check of each holder sees.
        let (written_before, written_after) = match after {
            Some(_) => (parse(before), parse(after)),
            None => (Vec::new(), Vec::new()),
        };
        self.authorize(&written_before, &written_after, &holders, &book, &changed)
            .await
    }

    /// Whether the caller may change another user from `before` to `after` (`None` deletes
    /// them): they must hold all the user holds, and any change of the user's grants stays
    /// within what the caller holds.
    pub async fn user_change(&self, before: &User, after: Option<&User>) -> Result<(), ApiError> {
        let book = self.roles().await?;
        let target = self.effective(before, &book);
        self.caller
            .grants
            .covers(&target)
            .map_err(|lacking| refused(outranked(before, lacking)))?;
        let subject = SubjectChange {
            name: &before.email,
            before: target,
            after: after.map_or_else(GrantSet::default, |u| self.effective(u, &book)),
        };
        // Deleting a user gives no one anything: compare the written lists only for an edit.
        let written_before = after.map_or_else(Vec::new, |_| Self::written(before, &book));
        let written_after = after.map_or_else(Vec::new, |u| Self::written(u, &book));
        authorize_change(
            &self.caller.grants,
            &written_before,
            &written_after,
            [subject.affected()],
        )
        .map_err(refused)?;
        if subject.before.holds_everything() && !subject.after.holds_everything() {
            self.keep_an_administrator(&book, Some(&before.id)).await?;
        }
        Ok(())
    }

    async fn authorize(
        &self,
        written_before: &[Grant],
        written_after: &[Grant],
        holders: &[User],
        book: &RoleBook,
        changed: &RoleBook,
    ) -> Result<(), ApiError> {
        let subjects: Vec<SubjectChange<'_>> = holders
            .iter()
            .map(|u| SubjectChange {
                name: &u.email,
                before: self.effective(u, book),
                after: self.effective(u, changed),
            })
            .collect();
        authorize_change(
            &self.caller.grants,
            written_before,
            written_after,
            subjects.iter().map(SubjectChange::affected),
        )
        .map_err(refused)?;
        if subjects
            .iter()
            .any(|s| s.before.holds_everything() && !s.after.holds_everything())
        {
            self.keep_an_administrator(changed, None).await?;
        }
        Ok(())
    }

    /// 409 unless someone, other than `leaving`, still holds everything with the roles in
    /// `book`: the last administrator cannot be removed or disarmed.
    async fn keep_an_administrator(
        &self,
        book: &RoleBook,
        leaving: Option<&str>,
    ) -> Result<(), ApiError> {
        let users = self.state.store.list_users().await?;
        let remains = users
            .iter()
            .filter(|u| Some(u.id.as_str()) != leaving)
            .any(|u| self.effective(u, book).holds_everything());
        if remains {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "LastAdministrator",
                "This change would leave nobody holding every permission; give another user `*` first.",
            ))
        }
    }
}

/// One user's effective grants before and after a change.
struct SubjectChange<'a> {
    name: &'a str,
    before: GrantSet,
    after: GrantSet,
}

impl SubjectChange<'_> {
    fn affected(&self) -> Affected<'_> {
        Affected {
            subject: self.name,
            before: &self.before,
            after: &self.after,
        }
    }
}

fn outranked(user: &User, lacking: Lacking) -> DelegationError {
    DelegationError::Outranked {
        subject: user.email.clone(),
        lacking,
    }
}

/// 403 naming what the caller lacks.
pub(crate) fn refused(e: DelegationError) -> ApiError {
    let code = match e {
        DelegationError::Outranked { .. } => "OutrankedUser",
        _ => "PermissionEscalation",
    };
    let message = e.to_string();
    let mut first = message.chars();
    let message = match first.next() {
        Some(c) => c.to_uppercase().chain(first).collect(),
        None => message,
    };
    ApiError::new(StatusCode::FORBIDDEN, code, format!("{message}."))
}
