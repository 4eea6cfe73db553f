//! Users and roles, the async store traits a backend implements for them, and an in-memory
//! implementation for tests and small programs.

use std::sync::RwLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::rbac::{Catalog, GrantSet};
use crate::{Error, Result};

/// A named set of grants that users hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Stable identifier.
    pub id: String,
    /// Display name (`System Administrator`).
    pub title: String,
    /// Unique short name used to address the role (`system_admin`).
    pub moniker: String,
    /// Grants: nodes, wildcards and denials.
    pub permissions: Vec<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A person who signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Stable identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email address, unique, compared case-insensitively.
    pub email: String,
    /// Login name (the part of the sign-in name before `@`).
    pub login: String,
    /// Avatar URL.
    pub image: Option<String>,
    /// Ids of the roles the user holds.
    pub roles: Vec<String>,
    /// Grants given to the user directly, beside their roles'.
    pub permissions: Vec<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new role's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRole {
    /// Display name.
    pub title: String,
    /// Unique short name.
    pub moniker: String,
    /// Grants.
    pub permissions: Vec<String>,
}

/// A new user's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Login name.
    pub login: String,
    /// Avatar URL.
    pub image: Option<String>,
    /// Role ids.
    pub roles: Vec<String>,
}

/// A fresh identifier for a record: a UUIDv7 (RFC 9562), 32 lower-case hex digits. Its first
/// 48 bits are the creation time in milliseconds, so ids made one after another sort together
/// and a bulk insert appends to the id index instead of writing all over it. The rest is a
/// counter seeded at random each millisecond and random bits. (An id is a name, not a secret:
/// every route checks its caller's permissions.)
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Storage of roles.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Creates a role; a moniker in use is [`Error::Conflict`].
    async fn create_role(&self, role: NewRole) -> Result<Role>;
    /// A role by id or by moniker.
    async fn find_role(&self, id_or_moniker: &str) -> Result<Option<Role>>;
    /// Every role, oldest first.
    async fn list_roles(&self) -> Result<Vec<Role>>;
    /// Replaces a role's title, moniker and permissions (matched by id) and bumps `updated_at`.
    /// A moniker taken by another role is [`Error::Conflict`]; a missing id [`Error::NotFound`].
    async fn update_role(&self, role: &Role) -> Result<Role>;
    /// Deletes a role by id and removes it from every user who holds it. Returns the role.
    async fn delete_role(&self, id: &str) -> Result<Option<Role>>;
}

/// Storage of users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; an email in use is [`Error::Conflict`].
    async fn create_user(&self, user: NewUser) -> Result<User>;
    /// A user by id.
    async fn find_user(&self, id: &str) -> Result<Option<User>>;
    /// A user by email, case-insensitively.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>>;
    /// Every user, oldest first.
    async fn list_users(&self) -> Result<Vec<User>>;
    /// The users who hold a role (by role id).
    async fn users_with_role(&self, role_id: &str) -> Result<Vec<User>>;
    /// Replaces a user's name, image, roles and permissions (matched by id) and bumps
    /// `updated_at`.
    async fn update_user(&self, user: &User) -> Result<User>;
    /// Changes only a user's name and image (matched by id), so that a profile edit can never
    /// write back roles or grants read before someone else changed them.
    async fn update_profile(&self, id: &str, name: &str, image: Option<&str>) -> Result<User>;
    /// Deletes a user by id. Returns the user.
    async fn delete_user(&self, id: &str) -> Result<Option<User>>;
}

/// Compiles a user's grants: the union of their roles' grants (each tagged with the role's
/// moniker) and their direct grants, with dependencies from `catalog`. Role ids that no longer
/// resolve are skipped.
pub async fn resolve_grants(
    roles: &(impl RoleStore + ?Sized),
    user: &User,
    catalog: &Catalog,
) -> Result<GrantSet> {
    let mut builder = GrantSet::builder();
    for role_id in &user.roles {
        if let Some(role) = roles.find_role(role_id).await? {
            builder = builder.role(&role.moniker, &role.permissions)?;
        }
    }
    Ok(builder
        .direct(&user.permissions)?
        .dependencies_from(catalog)
        .build())
}

/// Users and roles in memory. Cheap to share behind an `Arc`; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    roles: Vec<Role>,
    users: Vec<User>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl RoleStore for MemoryStore {
    async fn create_role(&self, role: NewRole) -> Result<Role> {
        let mut inner = self.write();
        if inner.roles.iter().any(|r| r.moniker == role.moniker) {
            return Err(Error::Conflict {
                kind: "role",
                id: role.moniker,
            });
        }
        let now = Utc::now();
        let role = Role {
            id: new_id(),
            title: role.title,
            moniker: role.moniker,
            permissions: role.permissions,
            created_at: now,
            updated_at: now,
        };
        inner.roles.push(role.clone());
        Ok(role)
    }

    async fn find_role(&self, id_or_moniker: &str) -> Result<Option<Role>> {
        let inner = self.read();
        Ok(inner
            .roles
            .iter()
            .find(|r| r.id == id_or_moniker)
            .or_else(|| inner.roles.iter().find(|r| r.moniker == id_or_moniker))
            .cloned())
    }

    async fn list_roles(&self) -> Result<Vec<Role>> {
        Ok(self.read().roles.clone())
    }

    async fn update_role(&self, role: &Role) -> Result<Role> {
        let mut inner = self.write();
        if inner
            .roles
            .iter()
            .any(|r| r.moniker == role.moniker && r.id != role.id)
        {
            return Err(Error::Conflict {
                kind: "role",
                id: role.moniker.clone(),
            });
        }
        let stored = inner
            .roles
            .iter_mut()
            .find(|r| r.id == role.id)
            .ok_or_else(|| Error::NotFound {
                kind: "role",
                id: role.id.clone(),
            })?;
        stored.title.clone_from(&role.title);
        stored.moniker.clone_from(&role.moniker);
        stored.permissions.clone_from(&role.permissions);
        stored.updated_at = Utc::now();
        Ok(stored.clone())
    }

    async fn delete_role(&self, id: &str) -> Result<Option<Role>> {
        let mut inner = self.write();
        let Some(pos) = inner.roles.iter().position(|r| r.id == id) else {
            return Ok(None);
        };
        let role = inner.roles.remove(pos);
        for user in &mut inner.users {
            user.roles.retain(|r| r != id);
        }
        Ok(Some(role))
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        let mut inner = self.write();
        if inner
            .users
            .iter()
            .any(|u| u.email.eq_ignore_ascii_case(&user.email))
        {
            return Err(Error::Conflict {
                kind: "user",
                id: user.email,
            });
        }
        let now = Utc::now();
        let user = User {
            id: new_id(),
            name: user.name,
            email: user.email,
            login: user.login,
            image: user.image,
            roles: user.roles,
            permissions: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        inner.users.push(user.clone());
        Ok(user)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        Ok(self.read().users.iter().find(|u| u.id == id).cloned())
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(self
            .read()
            .users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .cloned())
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        Ok(self.read().users.clone())
    }

    async fn users_with_role(&self, role_id: &str) -> Result<Vec<User>> {
        Ok(self
            .read()
            .users
            .iter()
            .filter(|u| u.roles.iter().any(|r| r == role_id))
            .cloned()
            .collect())
    }

    async fn update_user(&self, user: &User) -> Result<User> {
        let mut inner = self.write();
        let stored = inner
            .users
            .iter_mut()
            .find(|u| u.id == user.id)
            .ok_or_else(|| Error::NotFound {
                kind: "user",
                id: user.id.clone(),
            })?;
        stored.name.clone_from(&user.name);
        stored.image.clone_from(&user.image);
        stored.roles.clone_from(&user.roles);
        stored.permissions.clone_from(&user.permissions);
        stored.updated_at = Utc::now();
        Ok(stored.clone())
    }

    async fn update_profile(&self, id: &str, name: &str, image: Option<&str>) -> Result<User> {
        let mut inner = self.write();
        let stored =
            inner
                .users
                .iter_mut()
                .find(|u| u.id == id)
                .ok_or_else(|| Error::NotFound {
                    kind: "user",
                    id: id.to_owned(),
                })?;
        name.clone_into(&mut stored.name);
        stored.image = image.map(str::to_owned);
        stored.updated_at = Utc::now();
        Ok(stored.clone())
    }

    async fn delete_user(&self, id: &str) -> Result<Option<User>> {
        let mut inner = self.write();
        let Some(pos) = inner.users.iter().position(|u| u.id == id) else {
            return Ok(None);
        };
        Ok(Some(inner.users.remove(pos)))
    }
}

/// Helpers for testing any [`RoleStore`] + [`UserStore`] the same way; backends run
/// [`conformance::run`] against themselves.
pub mod conformance {
    use super::*;

    /// Exercises a store's role and user behaviour, panicking with a message on the first
    /// departure from the trait contracts. Use it from a backend's tests on an empty store.
    pub async fn run<S: RoleStore + UserStore + ?Sized>(store: &S) {
        let admin = store
            .create_role(NewRole {
                title: "Administrator".into(),
                moniker: "admin".into(),
                permissions: vec!["*".into()],
            })
            .await
            .expect("create role");
        let viewer = store
            .create_role(NewRole {
                title: "Viewer".into(),
                moniker: "viewer".into(),
                permissions: vec!["user.read".into(), "company.fetch".into()],
            })
            .await
            .expect("create second role");
        assert!(
            matches!(
                store
                    .create_role(NewRole {
                        title: "Again".into(),
                        moniker: "admin".into(),
                        permissions: vec![],
                    })
                    .await,
                Err(Error::Conflict { .. })
            ),
            "a duplicate moniker must be a conflict"
        );
        assert_eq!(store.find_role(&admin.id).await.unwrap().unwrap(), admin);
        assert_eq!(
            store.find_role("viewer").await.unwrap().unwrap().id,
            viewer.id
        );
        assert!(store.find_role("nobody").await.unwrap().is_none());
        assert_eq!(store.list_roles().await.unwrap().len(), 2);

        let mut changed = viewer.clone();
        changed.permissions.push("credential.fetch".into());
        changed.title = "Reader".into();
        let updated = store.update_role(&changed).await.expect("update role");
        assert_eq!(updated.permissions.len(), 3);
        assert_eq!(updated.title, "Reader");
        assert!(updated.updated_at >= viewer.updated_at);
        changed.moniker = "admin".into();
        assert!(
            matches!(
                store.update_role(&changed).await,
                Err(Error::Conflict { .. })
            ),
            "taking another role's moniker must be a conflict"
        );

        let user = store
            .create_user(NewUser {
                name: "Jo Tech".into(),
                email: "Jo@Example.com".into(),
                login: "jo".into(),
                image: None,
                roles: vec![admin.id.clone(), viewer.id.clone()],
            })
            .await
            .expect("create user");
        assert!(
            matches!(
                store
                    .create_user(NewUser {
                        name: "Dup".into(),
                        email: "jo@example.com".into(),
                        login: "jo2".into(),
                        image: None,
                        roles: vec![],
                    })
                    .await,
                Err(Error::Conflict { .. })
            ),
            "emails are unique, case-insensitively"
        );
        assert_eq!(
            store
                .find_user_by_email("JO@example.COM")
                .await
                .unwrap()
                .unwrap()
                .id,
            user.id
        );
        assert_eq!(store.users_with_role(&viewer.id).await.unwrap().len(), 1);
        let second = store
            .create_user(NewUser {
                name: "Sam".into(),
                email: "sam@example.com".into(),
                login: "sam".into(),
                image: None,
                roles: vec![viewer.id.clone(), admin.id.clone()],
            })
            .await
            .expect("create a second user");
        let listed = store.list_users().await.unwrap();
        let roles_of = |id: &str| listed.iter().find(|u| u.id == id).map(|u| u.roles.clone());
        assert_eq!(
            roles_of(&user.id),
            Some(user.roles.clone()),
            "each user keeps its own roles"
        );
        assert_eq!(
            roles_of(&second.id),
            Some(vec![viewer.id.clone(), admin.id.clone()]),
            "in their order"
        );
        let profiled = store
            .update_profile(&second.id, "Samantha", Some("https://example.com/s.png"))
            .await
            .unwrap();
        assert_eq!(
            (profiled.name.as_str(), profiled.roles.len()),
            ("Samantha", 2),
            "a profile edit changes the profile only"
        );
        store.delete_user(&second.id).await.unwrap();

        let mut edited = user.clone();
        edited.name = "Jo".into();
        edited.permissions = vec!["-credential.secure_values.read".into()];
        edited.image = Some("https://example.com/a.png".into());
        let saved = store.update_user(&edited).await.expect("update user");
        assert_eq!(saved.name, "Jo");
        assert_eq!(saved.permissions, edited.permissions);
        assert_eq!(saved.email, user.email, "email is not changed by update");

        let catalog = Catalog::optima();
        let grants = resolve_grants(store, &saved, &catalog).await.unwrap();
        assert!(grants.check("credential.fetch"));
        assert!(!grants.check("credential.secure_values.read"));

        let deleted = store.delete_role(&admin.id).await.unwrap().unwrap();
        assert_eq!(deleted.id, admin.id);
        let after = store.find_user(&user.id).await.unwrap().unwrap();
        assert_eq!(
            after.roles,
            vec![viewer.id.clone()],
            "deleting a role removes it from users"
        );
        assert!(store.delete_role(&admin.id).await.unwrap().is_none());

        assert_eq!(
            store.delete_user(&user.id).await.unwrap().unwrap().id,
            user.id
        );
        assert!(store.find_user(&user.id).await.unwrap().is_none());
        assert!(store.list_users().await.unwrap().is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_store_meets_the_contract() {
        conformance::run(&MemoryStore::new()).await;
    }
}
