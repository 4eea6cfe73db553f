//! [`Vault`]: validation, sealing and revealing tied together, so a server does not repeat it.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};

use super::crypto::{KeyRing, Sealed};
use super::errors::{CryptoError, ValidationErrors, join_key};
use super::history::{
    CredentialVersion, SupersededValue, ValueAt, VersionChange, history_place, value_at,
};
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
    /// The user creating them, for their first [`CredentialVersion`].
    pub created_by: Option<String>,
}

impl NewCredential {
    /// The credential and its descendants, parents first.
    pub fn all(&self) -> impl Iterator<Item = &Credential> {
        std::iter::once(&self.credential).chain(&self.sub_credentials)
    }

    /// The same credentials, created by `user_id`.
    pub fn by(mut self, user_id: impl Into<String>) -> Self {
        self.created_by = Some(user_id.into());
        self
    }

    /// Version 1 of each credential, for its history.
    pub fn first_versions(&self) -> Vec<CredentialVersion> {
        self.all()
            .map(|c| CredentialVersion {
                credential_id: c.id.clone(),
                version: c.version,
                at: c.created_at,
                changed_by: self.created_by.clone(),
                changed_fields: c.fields.iter().map(|f| f.field_id.clone()).collect(),
                restored_from: None,
            })
            .collect()
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
    /// The field (`<field id>@<version>` for a value kept in the credential's history).
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
            version: 1,
            rotation_due: false,
        };
        Ok(NewCredential {
            credential,
            sub_credentials: subs,
            created_by: None,
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
            created_by: None,
        })
    }

    /// Validates `fields` against the credential's level of `ty` (see [`validate_field_update`]),
    /// seals secure ones, and replaces or adds those values; the others are kept. Makes the next
    /// version: bumps `version` and `updated_at`, clears `rotation_due` when a secure value
    /// changes, and returns the change (the new version and the values it replaced) for the store
    /// to keep with the credential.
    pub fn update_fields(
        &self,
        ty: &CredentialType,
        credential: &mut Credential,
        fields: Vec<FieldInput>,
    ) -> Result<VersionChange> {
        let defs = level_fields(ty, credential)?;
        validate_field_update(defs, &fields)?;
        self.replace_fields(defs, credential, fields, None)
    }

    /// Seals `fields` (already validated) into `credential` as its next version.
    fn replace_fields(
        &self,
        defs: &[FieldDefinition],
        credential: &mut Credential,
        fields: Vec<FieldInput>,
        restored_from: Option<u64>,
    ) -> Result<VersionChange> {
        // A value given again unchanged is not a change: it neither makes history nor counts as
        // a rotation (writing a password back must not pass for changing it).
        let mut fields = fields;
        fields.retain_mut(|input| {
            let same = credential
                .field(&input.field_id)
                .is_some_and(|old| self.holds(&credential.id, old, &input.value));
            if same {
                input.value.zeroize();
            }
            !same
        });
        let sealed = self.seal_fields(&credential.id, defs, fields)?;
        let previous = credential.version;
        let mut superseded = Vec::with_capacity(sealed.len());
        let mut changed_fields = Vec::with_capacity(sealed.len());
        let mut rotates_secret = false;
        for new in sealed {
            let slot = credential
                .fields
                .iter_mut()
                .find(|f| f.field_id == new.field_id);
            let kept = match &slot {
                Some(old) => self.keep(&credential.id, old, previous),
                None => None,
            };
            superseded.push(SupersededValue {
                credential_id: credential.id.clone(),
                field_id: new.field_id.clone(),
                version: previous,
                value: kept,
            });
            changed_fields.push(new.field_id.clone());
            rotates_secret |= new.is_secure();
            match slot {
                Some(old) => *old = new,
                None => credential.fields.push(new),
            }
        }
        if rotates_secret {
            credential.rotation_due = false;
        }
        credential.version = previous + 1;
        credential.updated_at = now();
        Ok(VersionChange {
            version: CredentialVersion {
                credential_id: credential.id.clone(),
                version: credential.version,
                at: credential.updated_at,
                changed_by: None,
                changed_fields,
                restored_from,
            },
            superseded,
            rotates_secret,
        })
    }

    /// Whether `field` holds `value` (a secure value that does not open holds nothing).
    fn holds(&self, credential_id: &str, field: &StoredField, value: &str) -> bool {
        match &field.value {
            StoredValue::Plain(text) => text == value,
            StoredValue::Sealed(sealed) => self
                .keyring
                .open(sealed.as_str(), credential_id, &field.field_id)
                .is_ok_and(|clear| clear.expose_secret() == value),
        }
    }

    /// A live value as history keeps it once `version` is over: plain as it is, secure re-sealed
    /// for its version. A secure value that no longer opens cannot be kept (it is being replaced
    /// because it is unreadable, most likely) and is recorded as absent.
    fn keep(&self, credential_id: &str, field: &StoredField, version: u64) -> Option<StoredValue> {
        match &field.value {
            StoredValue::Plain(text) => Some(StoredValue::Plain(text.clone())),
            StoredValue::Sealed(sealed) => {
                let place = history_place(&field.field_id, version);
                let kept = self
                    .keyring
                    .open(sealed.as_str(), credential_id, &field.field_id)
                    .and_then(|clear| {
                        self.keyring
                            .seal(credential_id, &place, clear.expose_secret().as_bytes())
                    });
                match kept {
                    Ok(sealed) => Some(StoredValue::Sealed(sealed)),
                    Err(error) => {
                        tracing::warn!(
                            credential_id,
                            field_id = %field.field_id,
                            %error,
                            "a replaced secure value could not be opened and is not kept in its history"
                        );
                        None
                    }
                }
            }
        }
    }

    /// Opens the secure value `field_id` had at `version`, from the credential's live values and
    /// its `history` ([`CredentialStore::history_values`]). [`Error::NotFound`] when there was no
    /// such version or no secure value of that field in it.
    pub fn reveal_at(
        &self,
        credential: &Credential,
        history: &[SupersededValue],
        field_id: &str,
        version: u64,
    ) -> Result<SecretString> {
        if version == 0 || version > credential.version {
            return Err(Error::NotFound {
                kind: "credential version",
                id: version.to_string(),
            });
        }
        let live = credential.field(field_id).map(|f| &f.value);
        let (sealed, place) = match value_at(live, history, field_id, version) {
            ValueAt::Live(StoredValue::Sealed(s)) => (s, field_id.to_owned()),
            ValueAt::Superseded {
                value: StoredValue::Sealed(s),
                version,
            } => (s, history_place(field_id, version)),
            _ => {
                return Err(Error::NotFound {
                    kind: "secure field",
                    id: field_id.to_owned(),
                });
            }
        };
        Ok(self.keyring.open(sealed.as_str(), &credential.id, &place)?)
    }

    /// Brings back the field values `credential` had at `version` as its next version (see
    /// [`Self::update_fields`]; the change names the version restored). Fields with no value
    /// then keep the one they have, as do fields `ty` no longer defines at this level; the values
    /// are checked against the type as it is now.
    pub fn restore(
        &self,
        ty: &CredentialType,
        credential: &mut Credential,
        history: &[SupersededValue],
        version: u64,
    ) -> Result<VersionChange> {
        if version == 0 || version > credential.version {
            return Err(Error::NotFound {
                kind: "credential version",
                id: version.to_string(),
            });
        }
        let defs = level_fields(ty, credential)?;
        let mut inputs: Vec<FieldInput> = Vec::new();
        for def in defs.iter().filter(|d| !d.value_type.is_multi()) {
            let live = credential.field(&def.id).map(|f| &f.value);
            let clear = match value_at(live, history, &def.id, version) {
                ValueAt::Superseded { value, version } => match value {
                    StoredValue::Plain(text) => text.clone(),
                    // Restoring it would store a value that was secure in clear: a reveal that
                    // no reveal permission allowed.
                    StoredValue::Sealed(_) if !def.secure => {
                        for mut input in inputs {
                            input.value.zeroize();
                        }
                        let mut errs = ValidationErrors::new();
                        errs.push(
                            join_key("fields", &def.id),
                            format!(
                                "was secure at version {version} and is plain now: restoring it \
                                 would store a secret in clear. Set its value instead"
                            ),
                        );
                        return Err(Error::Validation(errs));
                    }
                    StoredValue::Sealed(s) => self
                        .keyring
                        .open(s.as_str(), &credential.id, &history_place(&def.id, version))?
                        .expose_secret()
                        .to_owned(),
                },
                // Unchanged since, or nothing to bring back.
                ValueAt::Live(_) | ValueAt::Absent => continue,
            };
            inputs.push(FieldInput::new(def.id.clone(), clear));
        }
        if let Err(errors) = validate_field_update(defs, &inputs) {
            for mut input in inputs {
                input.value.zeroize();
            }
            return Err(errors.into());
        }
        self.replace_fields(defs, credential, inputs, Some(version))
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
            version: 1,
            rotation_due: false,
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
    // Then the values kept in credentials' histories, sealed for their versions.
    let mut after: Option<SupersededValue> = None;
    loop {
        let page = store.history_page(after.as_ref(), batch).await?;
        let full = page.len() == batch;
        for kept in &page {
            let Some(StoredValue::Sealed(sealed)) = &kept.value else {
                continue;
            };
            report.values += 1;
            let place = history_place(&kept.field_id, kept.version);
            match vault
                .keyring
                .rewrap(sealed.as_str(), &kept.credential_id, &place)
            {
                Ok(None) => {}
                Ok(Some(to)) => {
                    if store.swap_history_value(kept, sealed, &to).await? {
                        report.rewrapped += 1;
                    } else {
                        report.changed_meanwhile += 1;
                    }
                }
                Err(error) => report.failures.push(RewrapFailure {
                    credential_id: kept.credential_id.clone(),
                    field_id: place,
                    error,
                }),
            }
        }
        if !page.is_empty() {
            progress(&report);
        }
        match page.into_iter().last() {
            Some(last) if full => after = Some(last),
            _ => break,
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
