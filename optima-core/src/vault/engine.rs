//! [`Vault`]: validation, sealing and revealing tied together, so a server does not repeat it.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};

use super::crypto::{KeyRing, Sealed};
use super::errors::{CryptoError, ValidationErrors, join_key};
use super::model::{
    Credential, CredentialInput, FieldInput, StoredField, StoredValue, SubCredentialInput,
    SubCredentialInputs, new_id, now,
};
use super::schema::{CredentialType, FieldDefinition, FieldPath};
use super::store::{CredentialStore, Rewrite};
use super::validate::{validate_credential, validate_field_update, validate_sub_credential};
use crate::{Error, Result};

/// A credential about to be stored with the sub-credentials created with it (parents before their
/// children). Store it in one go with [`CredentialStore::create_credential`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    /// The credential (or, from [`Vault::create_sub_credential`], the new sub-credential).
    pub credential: Credential,
    /// Its descendants created inline.
    pub sub_credentials: Vec<Credential>,
}

impl NewCredential {
    /// The credential and its descendants, parents first.
    pub fn all(&self) -> impl Iterator<Item = &Credential> {
        std::iter::once(&self.credential).chain(&self.sub_credentials)
    }
}

/// One value moved to the primary key by [`Vault::rewrap`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewrappedField {
    /// The field.
    pub field_id: String,
    /// The sealed text before.
    pub from: Sealed,
    /// The sealed text after, under the primary key.
    pub to: Sealed,
}

/// What [`rewrap_store`] did.
#[derive(Debug, Default)]
pub struct RewrapReport {
    /// Credentials (and sub-credentials) looked at.
    pub credentials: u64,
    /// Secure values looked at.
    pub values: u64,
    /// Values re-sealed under the primary key.
    pub rewrapped: u64,
    /// Values that changed in the store while being rewrapped (left as the writer left them).
    pub changed_meanwhile: u64,
    /// Values that could not be opened, with the reason. They stay as they are.
    pub failures: Vec<RewrapFailure>,
}

/// A value [`rewrap_store`] could not move.
#[derive(Debug)]
pub struct RewrapFailure {
    /// The credential.
    pub credential_id: String,
    /// The field.
    pub field_id: String,
    /// Why.
    pub error: CryptoError,
}

/// The vault: a key ring plus the rules for credentials. Cheap to clone.
///
/// Every secure value is sealed for its credential id and field id, so [`Credential::id`] must not
/// change once values are sealed.
#[derive(Debug, Clone)]
pub struct Vault {
    keyring: Arc<KeyRing>,
}

impl Vault {
    /// A vault over `keyring`.
    pub fn new(keyring: KeyRing) -> Self {
        Vault {
            keyring: Arc::new(keyring),
        }
    }

    /// The key ring.
    pub fn keyring(&self) -> &KeyRing {
        &self.keyring
    }

    /// Validates `input` against `ty` (see [`validate_credential`]) and builds the credential and its
    /// inline sub-credentials with fresh ids, secure values sealed. The secure values in `input` are
    /// zeroized once sealed. Errors: [`Error::Validation`] with every problem, or [`Error::Crypto`].
    pub fn create_credential(
        &self,
        ty: &CredentialType,
        input: CredentialInput,
    ) -> Result<NewCredential> {
        validate_credential(ty, &input)?;
        let now = now();
        let id = new_id();
        let ctx = Ctx {
            type_id: &ty.id,
            company_id: &input.company_id,
            now,
        };
        let mut subs = Vec::new();
        self.seal_children(&ctx, &id, &[], &ty.fields, input.sub_credentials, &mut subs)?;
        let credential = Credential {
            fields: self.seal_fields(&id, &ty.fields, input.fields)?,
            id,
            name: input.name.trim().to_owned(),
            notes: input.notes,
            type_id: ty.id.clone(),
            company_id: input.company_id,
            sub_credential_of_id: None,
            schema_path: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        Ok(NewCredential {
            credential,
            sub_credentials: subs,
        })
    }

    /// Validates and builds a sub-credential of `parent` for its multi_credential field `field_id`
    /// (`POST /credential/credentials/:id/sub-credentials`), with any nested sub-credentials.
    /// Validation paths are relative to the request body (`fieldId`, `name`, `fields[0].value`).
    pub fn create_sub_credential(
        &self,
        ty: &CredentialType,
        parent: &Credential,
        field_id: &str,
        input: SubCredentialInput,
    ) -> Result<NewCredential> {
        let parent_fields = level_fields(ty, parent)?;
        let Some(def) = parent_fields.iter().find(|d| d.id == field_id) else {
            return Err(single("fieldId", format!("unknown field `{field_id}`")));
        };
        if !def.value_type.is_multi() {
            return Err(single(
                "fieldId",
                format!("`{field_id}` is not a multi_credential field"),
            ));
        }
        validate_sub_credential(def.sub_fields(), &input)?;
        let ctx = Ctx {
            type_id: &parent.type_id,
            company_id: &parent.company_id,
            now: now(),
        };
        let mut path = parent.schema_path.clone();
        path.push(field_id.to_owned());
        let defs = def.sub_fields();
        let nested = input.sub_credentials;
        let credential = self.build_one(
            &ctx,
            &parent.id,
            path.clone(),
            defs,
            input.name,
            input.fields,
        )?;
        let mut subs = Vec::new();
        self.seal_children(&ctx, &credential.id, &path, defs, nested, &mut subs)?;
        Ok(NewCredential {
            credential,
            sub_credentials: subs,
        })
    }

    /// Validates `fields` against the credential's level of `ty` (see [`validate_field_update`]),
    /// seals secure ones, and replaces or adds those values; the others are kept. Bumps `updated_at`.
    pub fn update_fields(
        &self,
        ty: &CredentialType,
        credential: &mut Credential,
        fields: Vec<FieldInput>,
    ) -> Result<()> {
        let defs = level_fields(ty, credential)?;
        validate_field_update(defs, &fields)?;
        let sealed = self.seal_fields(&credential.id, defs, fields)?;
        for new in sealed {
            match credential
                .fields
                .iter_mut()
                .find(|f| f.field_id == new.field_id)
            {
                Some(old) => *old = new,
                None => credential.fields.push(new),
            }
        }
        credential.updated_at = now();
        Ok(())
    }

    /// Opens the secure value of `field_id`. [`Error::NotFound`] (kind `secure field`) when the
    /// credential has no secure value by that id.
    pub fn reveal(&self, credential: &Credential, field_id: &str) -> Result<SecretString> {
        match credential.field(field_id).map(|f| &f.value) {
            Some(StoredValue::Sealed(sealed)) => {
                Ok(self
                    .keyring
                    .open(sealed.as_str(), &credential.id, field_id)?)
            }
            _ => Err(Error::NotFound {
                kind: "secure field",
                id: field_id.to_owned(),
            }),
        }
    }

    /// Opens every secure value of the credential, as `(field id, value)` in stored order.
    pub fn reveal_all(&self, credential: &Credential) -> Result<Vec<(String, SecretString)>> {
        credential
            .fields
            .iter()
            .filter_map(|f| match &f.value {
                StoredValue::Sealed(s) => Some((f, s)),
                StoredValue::Plain(_) => None,
            })
            .map(|(f, s)| {
                let value = self.keyring.open(s.as_str(), &credential.id, &f.field_id)?;
                Ok((f.field_id.clone(), value))
            })
            .collect()
    }

    /// Brings a stored credential in line with `ty`, the new shape of its type: a value of a
    /// secure field left in clear is sealed (its clear text zeroized), a value of a field in
    /// `unsealed` (turned plain, with the caller's confirmation) is opened, a value of a field
    /// `ty` no longer has is dropped when `drop_orphans` (kept, unreachable, otherwise), and a
    /// sub-credential whose multi_credential field is gone is to be removed. Nothing is stored:
    /// the caller writes the result.
    pub fn apply_field_changes(
        &self,
        credential: &mut Credential,
        ty: &CredentialType,
        unsealed: &[FieldPath],
        drop_orphans: bool,
    ) -> Result<Rewrite> {
        if ty.fields_at(&credential.schema_path).is_none() {
            return Ok(Rewrite::Remove);
        }
        let opening = |field_id: &str| {
            unsealed
                .iter()
                .any(|p| p.field_id == field_id && p.schema_path == credential.schema_path)
        };
        let mut fields = Vec::with_capacity(credential.fields.len());
        let mut dropped = Vec::new();
        let mut changed = false;
        for mut field in std::mem::take(&mut credential.fields) {
            let Some(def) = ty.field_at(&credential.schema_path, &field.field_id) else {
                if drop_orphans {
                    changed = true;
                    dropped.push(field.field_id);
                } else {
                    fields.push(field);
                }
                continue;
            };
            match &mut field.value {
                StoredValue::Plain(clear) if def.secure => {
                    let sealed =
                        self.keyring
                            .seal(&credential.id, &field.field_id, clear.as_bytes());
                    clear.zeroize();
                    field.value = StoredValue::Sealed(sealed?);
                    changed = true;
                }
                StoredValue::Sealed(sealed) if !def.secure && opening(&field.field_id) => {
                    let clear =
                        self.keyring
                            .open(sealed.as_str(), &credential.id, &field.field_id)?;
                    field.value = StoredValue::Plain(clear.expose_secret().to_owned());
                    changed = true;
                }
                _ => {}
            }
            fields.push(field);
        }
        credential.fields = fields;
        Ok(if changed {
            credential.updated_at = now();
            Rewrite::Changed { dropped }
        } else {
            Rewrite::Unchanged
        })
    }

    /// The secure values of `credential` re-sealed under the primary key (those already under it are
    /// left out). Nothing is changed: apply the result, e.g. with
    /// [`CredentialStore::swap_sealed_value`].
    pub fn rewrap(
        &self,
        credential: &Credential,
    ) -> std::result::Result<Vec<RewrappedField>, CryptoError> {
        let mut out = Vec::new();
        for f in &credential.fields {
            if let StoredValue::Sealed(s) = &f.value
                && let Some(to) = self
                    .keyring
                    .rewrap(s.as_str(), &credential.id, &f.field_id)?
            {
                out.push(RewrappedField {
                    field_id: f.field_id.clone(),
                    from: s.clone(),
                    to,
                });
            }
        }
        Ok(out)
    }

    /// Seals the secure values among `fields` (already validated) for `credential_id`; clear text of
    /// secure values is zeroized. A field missing from `defs` is sealed, to fail safe.
    fn seal_fields(
        &self,
        credential_id: &str,
        defs: &[FieldDefinition],
        fields: Vec<FieldInput>,
    ) -> Result<Vec<StoredField>> {
        let mut out = Vec::with_capacity(fields.len());
        let mut fields = fields.into_iter();
        while let Some(mut f) = fields.next() {
            let secure = defs
                .iter()
                .find(|d| d.id == f.field_id)
                .is_none_or(|d| d.secure);
            let value = if secure {
                let sealed = self
                    .keyring
                    .seal(credential_id, &f.field_id, f.value.as_bytes());
                f.value.zeroize();
                match sealed {
                    Ok(s) => StoredValue::Sealed(s),
                    Err(e) => {
                        // Don't leave the remaining secrets lying around either.
                        for mut rest in fields {
                            rest.value.zeroize();
                        }
                        return Err(e.into());
                    }
                }
            } else {
                StoredValue::Plain(std::mem::take(&mut f.value))
            };
            out.push(StoredField {
                field_id: std::mem::take(&mut f.field_id),
                value,
            });
        }
        Ok(out)
    }

    /// Builds the sub-credentials in `children` (already validated) under `parent_id`, depth first,
    /// parents before their children.
    fn seal_children(
        &self,
        ctx: &Ctx<'_>,
        parent_id: &str,
        parent_path: &[String],
        parent_defs: &[FieldDefinition],
        children: SubCredentialInputs,
        out: &mut Vec<Credential>,
    ) -> Result<()> {
        for (field_id, entries) in children {
            let defs = parent_defs
                .iter()
                .find(|d| d.id == field_id)
                .map(FieldDefinition::sub_fields)
                .unwrap_or_default();
            let mut path = parent_path.to_vec();
            path.push(field_id);
            for entry in entries {
                let nested = entry.sub_credentials;
                let credential =
                    self.build_one(ctx, parent_id, path.clone(), defs, entry.name, entry.fields)?;
                let id = credential.id.clone();
                out.push(credential);
                self.seal_children(ctx, &id, &path, defs, nested, out)?;
            }
        }
        Ok(())
    }

    fn build_one(
        &self,
        ctx: &Ctx<'_>,
        parent_id: &str,
        schema_path: Vec<String>,
        defs: &[FieldDefinition],
        name: String,
        fields: Vec<FieldInput>,
    ) -> Result<Credential> {
        let id = new_id();
        Ok(Credential {
            fields: self.seal_fields(&id, defs, fields)?,
            id,
            name: name.trim().to_owned(),
            notes: None,
            type_id: ctx.type_id.to_owned(),
            company_id: ctx.company_id.to_owned(),
            sub_credential_of_id: Some(parent_id.to_owned()),
            schema_path,
            created_at: ctx.now,
            updated_at: ctx.now,
        })
    }
}

/// What every credential created in one call shares.
struct Ctx<'a> {
    type_id: &'a str,
    company_id: &'a str,
    now: DateTime<Utc>,
}

/// The field definitions that apply to `credential` (its type's fields at its schema path).
fn level_fields<'t>(
    ty: &'t CredentialType,
    credential: &Credential,
) -> Result<&'t [FieldDefinition]> {
    if credential.type_id != ty.id {
        return Err(single(
            "typeId",
            "the credential is not of the given credential type",
        ));
    }
    ty.fields_at(&credential.schema_path).ok_or_else(|| {
        single(
            "",
            format!(
                "the credential type no longer defines the field `{}` this sub-credential belongs to",
                credential.schema_path.join(".")
            ),
        )
    })
}

fn single(path: &str, message: impl Into<String>) -> Error {
    let mut errs = ValidationErrors::new();
    errs.push(join_key("", path), message);
    Error::Validation(errs)
}

/// Moves every secure value in `store` that is not under the primary key onto it, `batch` credentials
/// at a time (the `vault rewrap` command). Values are swapped only if unchanged since they were read,
/// so a concurrent update is never overwritten. Values that cannot be opened are reported, not fatal;
/// store errors are.
pub async fn rewrap_store(
    vault: &Vault,
    store: &dyn CredentialStore,
    batch: usize,
) -> Result<RewrapReport> {
    rewrap_store_with_progress(vault, store, batch, |_| {}).await
}

/// [`rewrap_store`], calling `progress` with the counts so far after each batch (for a progress
/// display: a large vault takes a while, and the run is safe to stop and start again).
pub async fn rewrap_store_with_progress(
    vault: &Vault,
    store: &dyn CredentialStore,
    batch: usize,
    mut progress: impl FnMut(&RewrapReport),
) -> Result<RewrapReport> {
    let batch = batch.max(1);
    let mut report = RewrapReport::default();
    let mut after: Option<String> = None;
    loop {
        let page = store.list_page(after.as_deref(), batch).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        let full = page.len() == batch;
        for credential in &page {
            report.credentials += 1;
            for f in &credential.fields {
                let StoredValue::Sealed(sealed) = &f.value else {
                    continue;
                };
                report.values += 1;
                match vault
                    .keyring
                    .rewrap(sealed.as_str(), &credential.id, &f.field_id)
                {
                    Ok(None) => {}
                    Ok(Some(to)) => {
                        if store
                            .swap_sealed_value(&credential.id, &f.field_id, sealed, &to)
                            .await?
                        {
                            report.rewrapped += 1;
                        } else {
                            report.changed_meanwhile += 1;
                        }
                    }
                    Err(error) => report.failures.push(RewrapFailure {
                        credential_id: credential.id.clone(),
                        field_id: f.field_id.clone(),
                        error,
                    }),
                }
            }
        }
        progress(&report);
        if !full {
            break;
        }
    }
    tracing::info!(
        credentials = report.credentials,
        values = report.values,
        rewrapped = report.rewrapped,
        changed_meanwhile = report.changed_meanwhile,
        failures = report.failures.len(),
        "vault rewrap finished"
    );
    Ok(report)
}
