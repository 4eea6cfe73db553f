//! `/credential`: the credential vault of each company, and `/audit/secure-value-reads`.
//!
//! Acting on a credential needs its type's `permissionScope` as well as the route's own nodes;
//! lists leave out what the caller may not see. Secure values leave the server only through the
//! secure-values routes, and every such read is recorded first (no record, no value).

pub mod models;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use optima_core::vault::{
    Credential, CredentialInput, CredentialStore, CredentialType, CredentialTypeStore,
    CredentialVersion, DeletedCredential, PasswordPolicy, PathSegment, RevealAuditStore,
    RevealKind, RevealQuery, RevealRecord, StoredValue, SubCredentialInput, TotpSeed,
    ValidationErrors, ValueAt, ValueType, value_at,
};
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use secrecy::ExposeSecret;

use self::models::{
    CompanyRef, CreateCredential, CreateSubCredential, CredentialHistoryOut, CredentialOut,
    CredentialVersionDetailOut, Deleted200, FieldAtVersionOut, GenerateValue, GeneratedValueOut,
    HistoricalSecureValueOut, HistoryPurgedOut, MarkRotationDue, ReadKind, RevealedFieldOut,
    RotationDueOut, SecureValueOut, SecureValueReadPage, SecureValueReadPageResponse,
    StoredFieldOut, TotpCodeOut, UpdateCredential, UpdateCredentialFields, all_or_problems,
    body_path, deleted, field_inputs, sub_inputs,
};
use super::common::{ApiError, Created201, FieldError, JsonBody, Ok200};
use super::companies::find_company;
use super::credential_types::models::ValueTypeName;
use super::pagination::PageRequest;
use super::{ApiTags, Authorized};
use crate::auth::caller::Caller;
use crate::db::timestamp;
use crate::routes;
use crate::state::AppState;

/// `/credential` and `/audit`.
#[derive(Debug)]
pub struct CredentialApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// The engine's validation errors as a 400, paths under `body`.
pub fn validation_error(errors: ValidationErrors) -> ApiError {
    ApiError::validation(
        errors
            .iter()
            .map(|e| FieldError {
                path: std::iter::once("body".to_owned())
                    .chain(e.segments().into_iter().map(|s| match s {
                        PathSegment::Key(k) => k,
                        PathSegment::Index(i) => i.to_string(),
                    }))
                    .collect(),
                message: e.message.clone(),
            })
            .collect(),
    )
}

/// A vault error as a response: validation → 400 with paths, unreadable ciphertext → 409
/// `SecureValueUnreadable` (without its internals), the rest as usual.
pub fn vault_error(e: optima_core::Error) -> ApiError {
    match e {
        optima_core::Error::Validation(errors) => validation_error(errors),
        optima_core::Error::Crypto(cause) => {
            tracing::warn!(error = %cause, "a secure value could not be decrypted");
            unreadable()
        }
        other => other.into(),
    }
}

fn unreadable() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "SecureValueUnreadable",
        "A stored secure value cannot be decrypted: it was altered or moved, or its key is no \
         longer configured. Set it again to replace it.",
    )
}

/// 403 unless the caller holds the type's permission scope.
pub fn require_scope(caller: &Caller, ty: &CredentialType) -> Result<(), ApiError> {
    if caller.can(&ty.permission_scope) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "Insufficient permissions: credentials of type `{}` require `{}`",
            ty.name, ty.permission_scope
        )))
    }
}

fn credential_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "CredentialNotFound",
        format!("Credential with identifier '{id}' was not found."),
    )
}

/// The credential type with this id (or name).
pub async fn find_type(state: &AppState, identifier: &str) -> Result<CredentialType, ApiError> {
    state.store.find_type(identifier).await?.ok_or_else(|| {
        ApiError::not_found(
            "CredentialTypeNotFound",
            format!("Credential type with identifier '{identifier}' was not found."),
        )
    })
}

/// Names of companies by id, marked-deleted ones included.
async fn company_ref(state: &AppState, id: &str) -> Result<CompanyRef, ApiError> {
    let name = state.store.company_name(id).await?;
    Ok(CompanyRef {
        id: id.to_owned(),
        name: name.unwrap_or_default(),
    })
}

/// Builds responses for credentials, looking up each type and company once.
struct Presenter<'a> {
    state: &'a AppState,
    types: HashMap<String, Option<CredentialType>>,
    companies: HashMap<String, CompanyRef>,
}

impl<'a> Presenter<'a> {
    fn new(state: &'a AppState) -> Self {
        Presenter {
            state,
            types: HashMap::new(),
            companies: HashMap::new(),
        }
    }

    fn with_type(mut self, ty: &CredentialType) -> Self {
        self.types.insert(ty.id.clone(), Some(ty.clone()));
        self
    }

    async fn type_of(&mut self, c: &Credential) -> Result<Option<CredentialType>, ApiError> {
        if !self.types.contains_key(&c.type_id) {
            let ty = self.state.store.get_type(&c.type_id).await?;
            self.types.insert(c.type_id.clone(), ty);
        }
        Ok(self.types[&c.type_id].clone())
    }

    async fn present(&mut self, c: &Credential) -> Result<CredentialOut, ApiError> {
        let ty = self
            .type_of(c)
            .await?
            .ok_or_else(|| credential_not_found(&c.id))?;
        if !self.companies.contains_key(&c.company_id) {
            let company = company_ref(self.state, &c.company_id).await?;
            self.companies.insert(c.company_id.clone(), company);
        }
        Ok(CredentialOut::new(
            c,
            &ty,
            self.companies[&c.company_id].clone(),
        ))
    }

    /// The credentials the caller may see (their type's scope granted), presented.
    async fn visible(
        &mut self,
        caller: &Caller,
        credentials: &[Credential],
    ) -> Result<Vec<CredentialOut>, ApiError> {
        let mut out = Vec::with_capacity(credentials.len());
        for c in credentials {
            match self.type_of(c).await? {
                Some(ty) if caller.can(&ty.permission_scope) => out.push(self.present(c).await?),
                _ => {}
            }
        }
        Ok(out)
    }
}

/// The credentials of a type that the caller may see, presented (`GET /credential-type/{id}/credentials`).
pub async fn visible_of_type(
    state: &AppState,
    caller: &Caller,
    ty: &CredentialType,
) -> Result<Vec<CredentialOut>, ApiError> {
    let credentials = state.store.list_by_type(&ty.id).await?;
    Presenter::new(state)
        .with_type(ty)
        .visible(caller, &credentials)
        .await
}

/// Where a request came from, for the audit: the peer's IP, and what `x-forwarded-for` claims
/// when the client sent one (recorded, not trusted: a client can write anything there).
pub fn client_address(req: &Request) -> Option<String> {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().chars().take(200).collect::<String>())
        .filter(|v| !v.is_empty());
    match (peer, forwarded) {
        (Some(p), Some(f)) => Some(format!("{p} (x-forwarded-for: {f})")),
        (Some(p), None) => Some(p),
        (None, Some(f)) => Some(format!("x-forwarded-for: {f}")),
        (None, None) => None,
    }
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::invalid(&["body", "name"], "must not be empty"));
    }
    if name.chars().count() > optima_core::vault::MAX_NAME_LEN {
        return Err(ApiError::invalid(
            &["body", "name"],
            format!(
                "must be at most {} characters",
                optima_core::vault::MAX_NAME_LEN
            ),
        ));
    }
    Ok(())
}

/// A credential whose history is asked for: live, or deleted with its history kept.
enum HistorySubject {
    Live(Box<(Credential, CredentialType)>),
    Deleted(DeletedCredential),
}

impl HistorySubject {
    fn deleted_at(&self) -> Option<String> {
        match self {
            HistorySubject::Live(..) => None,
            HistorySubject::Deleted(d) => Some(timestamp(d.deleted_at)),
        }
    }

    /// The credential, or for a deleted one a stand-in without live values at its last version.
    fn credential(&self, versions: &[CredentialVersion]) -> Credential {
        match self {
            HistorySubject::Live(live) => live.0.clone(),
            HistorySubject::Deleted(d) => Credential {
                id: d.credential_id.clone(),
                name: d.name.clone(),
                notes: None,
                type_id: d.type_id.clone(),
                company_id: d.company_id.clone(),
                sub_credential_of_id: None,
                schema_path: Vec::new(),
                fields: Vec::new(),
                created_at: d.deleted_at,
                updated_at: d.deleted_at,
                version: versions.iter().map(|v| v.version).max().unwrap_or(0),
                rotation_due: false,
            },
        }
    }
}

/// A credential (live or deleted) read for one of its versions: what the history routes need.
struct AtVersion {
    subject: HistorySubject,
    history: Vec<optima_core::vault::SupersededValue>,
    versions: Vec<CredentialVersion>,
    /// The live credential, or a deleted one's stand-in.
    credential: Credential,
}

fn version_not_found(version: u64) -> ApiError {
    ApiError::not_found(
        "CredentialVersionNotFound",
        format!("Credential version {version} was not found."),
    )
}

impl CredentialApi {
    /// The credential (live, or deleted with its history kept) after checking its type's scope
    /// (for a deleted one, the scope its type had).
    async fn load_history(&self, caller: &Caller, id: &str) -> Result<HistorySubject, ApiError> {
        if self.state.store.get_credential(id).await?.is_some() {
            let (c, ty) = self.load(caller, id).await?;
            return Ok(HistorySubject::Live(Box::new((c, ty))));
        }
        let gone = self
            .state
            .store
            .deleted_credential(id)
            .await?
            .ok_or_else(|| credential_not_found(id))?;
        if !caller.can(&gone.permission_scope) {
            return Err(ApiError::forbidden(format!(
                "Insufficient permissions: this deleted credential's type required `{}`",
                gone.permission_scope
            )));
        }
        // A type whose scope was narrowed since narrows its deleted credentials' history too.
        if let Some(ty) = self.state.store.get_type(&gone.type_id).await? {
            require_scope(caller, &ty)?;
        }
        Ok(HistorySubject::Deleted(gone))
    }

    /// The credential `id` with its history, after the scope check, for `version` (404 when it
    /// never had that version).
    async fn at_version(
        &self,
        caller: &Caller,
        id: &str,
        version: u64,
    ) -> Result<AtVersion, ApiError> {
        let subject = self.load_history(caller, id).await?;
        let history = self.state.store.history_values(id).await?;
        let versions = self.state.store.list_versions(id).await?;
        let credential = subject.credential(&versions);
        if version == 0 || version > credential.version {
            return Err(version_not_found(version));
        }
        Ok(AtVersion {
            subject,
            history,
            versions,
            credential,
        })
    }

    /// What `user_id` revealed, per credential field, with whether it changed since: of the
    /// credentials whose type's scope `caller` holds (for a deleted one, the scope it had).
    async fn revealed(
        &self,
        caller: &Caller,
        user_id: &str,
    ) -> Result<Vec<RevealedFieldOut>, ApiError> {
        const PAGE: u64 = 1000;
        struct Seen {
            kinds: Vec<RevealKind>,
            reads: u64,
            first: DateTime<Utc>,
            last: DateTime<Utc>,
        }
        let mut seen: BTreeMap<(String, String), Seen> = BTreeMap::new();
        let mut offset = 0;
        loop {
            let page = self
                .state
                .store
                .list_reveals(&RevealQuery {
                    user_id: Some(user_id.to_owned()),
                    offset,
                    limit: PAGE,
                    ..Default::default()
                })
                .await?;
            let n = page.items.len() as u64;
            for r in page.items {
                for field in &r.field_ids {
                    let entry = seen
                        .entry((r.credential_id.clone(), field.clone()))
                        .or_insert(Seen {
                            kinds: Vec::new(),
                            reads: 0,
                            first: r.at,
                            last: r.at,
                        });
                    entry.reads += 1;
                    entry.first = entry.first.min(r.at);
                    entry.last = entry.last.max(r.at);
                    if !entry.kinds.contains(&r.kind) {
                        entry.kinds.push(r.kind);
                    }
                }
            }
            offset += n;
            if n < PAGE {
                break;
            }
        }
        let mut out = Vec::with_capacity(seen.len());
        let mut credentials: HashMap<String, (String, String, bool, bool)> = HashMap::new();
        let mut histories: HashMap<String, Vec<CredentialVersion>> = HashMap::new();
        let mut hidden: Vec<String> = Vec::new();
        for ((credential_id, field_id), s) in seen {
            if hidden.contains(&credential_id) {
                continue;
            }
            if !credentials.contains_key(&credential_id) {
                let facts = match self.state.store.get_credential(&credential_id).await? {
                    Some(c) => {
                        let scope = self
                            .state
                            .store
                            .get_type(&c.type_id)
                            .await?
                            .map(|t| t.permission_scope);
                        scope.map(|s| (s, (c.name, c.company_id, c.rotation_due, false)))
                    }
                    None => self
                        .state
                        .store
                        .deleted_credential(&credential_id)
                        .await?
                        .map(|d| (d.permission_scope, (d.name, d.company_id, false, true))),
                };
                // Neither live nor kept (its history was purged or pruned), or out of the
                // caller's scopes: left out.
                let Some((scope, facts)) = facts else {
                    hidden.push(credential_id);
                    continue;
                };
                if !caller.can(&scope) {
                    hidden.push(credential_id);
                    continue;
                }
                credentials.insert(credential_id.clone(), facts);
                let versions = self.state.store.list_versions(&credential_id).await?;
                histories.insert(credential_id.clone(), versions);
            }
            let (name, company_id, rotation_due, deleted) = credentials[&credential_id].clone();
            let changed_since = histories[&credential_id]
                .iter()
                .any(|v| v.at > s.last && v.changed_fields.contains(&field_id));
            let mut kinds = s.kinds;
            kinds.sort_by_key(|k| k.as_str());
            out.push(RevealedFieldOut {
                credential_id,
                credential_name: name,
                company_id,
                field_id,
                kinds: kinds.into_iter().map(Into::into).collect(),
                reads: s.reads,
                first_at: timestamp(s.first),
                last_at: timestamp(s.last),
                changed_since,
                rotation_due,
                deleted,
            });
        }
        Ok(out)
    }

    /// The credential with this id and its type, after checking the type's scope.
    async fn load(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(Credential, CredentialType), ApiError> {
        let credential = self
            .state
            .store
            .get_credential(id)
            .await?
            .ok_or_else(|| credential_not_found(id))?;
        let ty = self
            .state
            .store
            .get_type(&credential.type_id)
            .await?
            .ok_or_else(|| credential_not_found(id))?;
        require_scope(caller, &ty)?;
        Ok((credential, ty))
    }

    async fn present(
        &self,
        c: &Credential,
        ty: &CredentialType,
    ) -> Result<CredentialOut, ApiError> {
        Presenter::new(&self.state).with_type(ty).present(c).await
    }

    /// Stores `c` at the version `change` made, by the caller, and presents it.
    async fn save_version(
        &self,
        caller: &Caller,
        c: &Credential,
        ty: &CredentialType,
        change: optima_core::vault::VersionChange,
    ) -> Result<CredentialOut, ApiError> {
        let change = change.by(caller.user.id.clone());
        self.state.store.update_credential(c, Some(&change)).await?;
        self.present(c, ty).await
    }

    /// `fields` of a body for the vault, generated ones filled in under `ty`'s policy.
    fn inputs(
        &self,
        ty: &CredentialType,
        fields: Vec<models::FieldValueIn>,
    ) -> Result<Vec<optima_core::vault::FieldInput>, ApiError> {
        let mut problems = Vec::new();
        let inputs = field_inputs(fields, &ty.policy(), &body_path(&["fields"]), &mut problems);
        all_or_problems(inputs, problems)
    }

    /// Records a reveal; nothing is revealed unless the record is kept.
    async fn audit(
        &self,
        caller: &Caller,
        credential: &Credential,
        field_ids: Vec<String>,
        req: &Request,
    ) -> Result<(), ApiError> {
        self.audit_read(
            caller,
            &credential.id,
            field_ids,
            req,
            RevealKind::Value,
            None,
        )
        .await
    }

    /// Records a read of `kind`; nothing is shown unless the record is kept.
    async fn audit_read(
        &self,
        caller: &Caller,
        credential_id: &str,
        field_ids: Vec<String>,
        req: &Request,
        kind: RevealKind,
        version: Option<u64>,
    ) -> Result<(), ApiError> {
        let record = RevealRecord::new(
            caller.user.id.clone(),
            credential_id.to_owned(),
            field_ids,
            client_address(req),
        )
        .of_kind(kind, version);
        self.state.store.record_reveal(&record).await?;
        tracing::info!(
            user_id = %record.user_id,
            credential_id = %record.credential_id,
            fields = ?record.field_ids,
            kind = record.kind.as_str(),
            version = record.version,
            "secure values revealed"
        );
        Ok(())
    }
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Credential")]
impl CredentialApi {
    /// Every value type a credential type's field may have.
    async fn value_types(
        &self,
        caller: Authorized<routes::ListValueTypes>,
    ) -> Result<Ok200<Vec<ValueTypeName>>, ApiError> {
        Ok(caller.ok(ValueType::ALL.iter().map(|v| (*v).into()).collect()))
    }

    /// One credential (or sub-credential), secure values null.
    async fn get(
        &self,
        caller: Authorized<routes::GetCredential>,
        /// Credential id.
        id: Path<String>,
    ) -> Result<Ok200<CredentialOut>, ApiError> {
        let (c, ty) = self.load(&caller, &id.0).await?;
        Ok(caller.ok(self.present(&c, &ty).await?))
    }

    /// A company's credentials (not sub-credentials), by name; credentials of types whose
    /// scope the caller lacks are left out.
    async fn by_company(
        &self,
        caller: Authorized<routes::ListCompanyCredentials>,
        /// Optima's company id (or the ConnectWise company id).
        #[oai(name = "companyId")]
        company_id: Path<String>,
    ) -> Result<Ok200<Vec<CredentialOut>>, ApiError> {
        let company = find_company(&self.state, &company_id.0).await?;
        let credentials = self.state.store.list_by_company(&company.id).await?;
        let data = Presenter::new(&self.state)
            .visible(&caller, &credentials)
            .await?;
        Ok(caller.ok(data))
    }

    /// Create a credential, with sub-credentials inline (`subCredentials`, keyed by
    /// multi_credential field id). Every validation problem is returned at once with its path.
    async fn create(
        &self,
        caller: Authorized<routes::CreateCredential>,
        body: JsonBody<CreateCredential>,
    ) -> Result<Created201<CredentialOut>, ApiError> {
        let body = body.0;
        let ty = self
            .state
            .store
            .get_type(&body.type_id)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    "CredentialTypeNotFound",
                    format!(
                        "Credential type with identifier '{}' was not found.",
                        body.type_id
                    ),
                )
            })?;
        require_scope(&caller, &ty)?;
        let company = find_company(&self.state, &body.company_id).await?;
        let policy = ty.policy();
        let mut problems = Vec::new();
        let fields = field_inputs(body.fields, &policy, &body_path(&["fields"]), &mut problems);
        let sub_credentials = sub_inputs(
            body.sub_credentials,
            &policy,
            &body_path(&["subCredentials"]),
            &mut problems,
        );
        let (fields, sub_credentials) = all_or_problems((fields, sub_credentials), problems)?;
        let new = self
            .state
            .vault()
            .create_credential(
                &ty,
                CredentialInput {
                    name: body.name,
                    notes: body.notes,
                    type_id: ty.id.clone(),
                    company_id: company.id.clone(),
                    fields,
                    sub_credentials,
                },
            )
            .map_err(vault_error)?
            .by(caller.user.id.clone());
        self.state.store.create_credential(&new).await?;
        Ok(caller.created(self.present(&new.credential, &ty).await?))
    }

    /// Change a credential's name, notes and field values (secure ones are encrypted anew).
    async fn update(
        &self,
        caller: Authorized<routes::UpdateCredential>,
        /// Credential id.
        id: Path<String>,
        body: JsonBody<UpdateCredential>,
    ) -> Result<Ok200<CredentialOut>, ApiError> {
        let (mut c, ty) = self.load(&caller, &id.0).await?;
        let body = body.0;
        if let Some(name) = body.name {
            check_name(&name)?;
            c.name = name.trim().to_owned();
        }
        // `null` clears, as an empty string does.
        let notes: Option<Option<String>> = body.notes.into();
        if let Some(notes) = notes.map(Option::unwrap_or_default) {
            if notes.chars().count() > optima_core::vault::MAX_NOTES_LEN {
                return Err(ApiError::invalid(
                    &["body", "notes"],
                    format!(
                        "must be at most {} characters",
                        optima_core::vault::MAX_NOTES_LEN
                    ),
                ));
            }
            c.notes = (!notes.is_empty()).then_some(notes);
        }
        let change = match body.fields {
            Some(fields) => Some(
                self.state
                    .vault()
                    .update_fields(&ty, &mut c, self.inputs(&ty, fields)?)
                    .map_err(vault_error)?
                    .by(caller.user.id.clone()),
            ),
            None => {
                c.updated_at = Utc::now();
                None
            }
        };
        self.state
            .store
            .update_credential(&c, change.as_ref())
            .await?;
        let c = self
            .state
            .store
            .get_credential(&c.id)
            .await?
            .ok_or_else(|| credential_not_found(&id.0))?;
        Ok(caller.ok(self.present(&c, &ty).await?))
    }

    /// Replace field values (secure ones are encrypted anew); fields not listed keep theirs.
    async fn put_fields(
        &self,
        caller: Authorized<routes::UpdateCredentialFields>,
        /// Credential id.
        id: Path<String>,
        body: JsonBody<UpdateCredentialFields>,
    ) -> Result<Ok200<CredentialOut>, ApiError> {
        let (mut c, ty) = self.load(&caller, &id.0).await?;
        let change = self
            .state
            .vault()
            .update_fields(&ty, &mut c, self.inputs(&ty, body.0.fields)?)
            .map_err(vault_error)?;
        Ok(caller.ok(self.save_version(&caller, &c, &ty, change).await?))
    }

    /// A credential's stored field values; secure values stay encrypted
    /// (`v1.<keyId>.<base64>`).
    async fn get_fields(
        &self,
        caller: Authorized<routes::GetCredentialFields>,
        /// Credential id.
        id: Path<String>,
    ) -> Result<Ok200<Vec<StoredFieldOut>>, ApiError> {
        let (c, ty) = self.load(&caller, &id.0).await?;
        Ok(caller.ok(StoredFieldOut::list(&c, &ty)))
    }

    /// Decrypt every secure value of a credential, by field id. The read is recorded in the
    /// audit trail.
    async fn secure_values(
        &self,
        caller: Authorized<routes::GetSecureValues>,
        req: &Request,
        /// Credential id.
        id: Path<String>,
    ) -> Result<Ok200<BTreeMap<String, String>>, ApiError> {
        let (c, _) = self.load(&caller, &id.0).await?;
        let field_ids: Vec<String> = c
            .fields
            .iter()
            .filter(|f| f.is_secure())
            .map(|f| f.field_id.clone())
            .collect();
        if !field_ids.is_empty() {
            self.audit(&caller, &c, field_ids, req).await?;
        }
        let values = self.state.vault().reveal_all(&c).map_err(vault_error)?;
        Ok(caller.ok(values
            .into_iter()
            .map(|(k, v)| (k, v.expose_secret().to_owned()))
            .collect()))
    }

    /// Decrypt one secure value. The read is recorded in the audit trail.
    async fn secure_value(
        &self,
        caller: Authorized<routes::GetSecureValue>,
        req: &Request,
        /// Credential id.
        id: Path<String>,
        /// The secure field's id.
        #[oai(name = "fieldId")]
        field_id: Path<String>,
    ) -> Result<Ok200<SecureValueOut>, ApiError> {
        let (c, _) = self.load(&caller, &id.0).await?;
        if !matches!(
            c.field(&field_id.0).map(|f| &f.value),
            Some(StoredValue::Sealed(_))
        ) {
            return Err(ApiError::not_found(
                "SecureFieldNotFound",
                format!("Secure field not found: {}", field_id.0),
            ));
        }
        self.audit(&caller, &c, vec![field_id.0.clone()], req)
            .await?;
        let value = self
            .state
            .vault()
            .reveal(&c, &field_id.0)
            .map_err(vault_error)?;
        Ok(caller.ok(SecureValueOut {
            field_id: field_id.0,
            value: value.expose_secret().to_owned(),
        }))
    }

    /// Delete a credential with its secure values and, recursively, its sub-credentials.
    async fn delete(
        &self,
        caller: Authorized<routes::DeleteCredential>,
        /// Credential id.
        id: Path<String>,
    ) -> Result<Deleted200, ApiError> {
        let (c, _) = self.load(&caller, &id.0).await?;
        self.state.store.delete_credential(&c.id).await?;
        Ok(deleted(caller.route()))
    }

    /// The direct sub-credentials of a credential, oldest first.
    async fn sub_credentials(
        &self,
        caller: Authorized<routes::ListSubCredentials>,
        /// Parent credential id.
        id: Path<String>,
    ) -> Result<Ok200<Vec<CredentialOut>>, ApiError> {
        let (c, ty) = self.load(&caller, &id.0).await?;
        let subs = self.state.store.list_sub_credentials(&c.id).await?;
        let mut presenter = Presenter::new(&self.state).with_type(&ty);
        let mut data = Vec::with_capacity(subs.len());
        for s in &subs {
            data.push(presenter.present(s).await?);
        }
        Ok(caller.ok(data))
    }

    /// Add a sub-credential under one of the parent's multi_credential fields.
    async fn create_sub_credential(
        &self,
        caller: Authorized<routes::CreateSubCredential>,
        /// Parent credential id.
        id: Path<String>,
        body: JsonBody<CreateSubCredential>,
    ) -> Result<Created201<CredentialOut>, ApiError> {
        let (parent, ty) = self.load(&caller, &id.0).await?;
        let body = body.0;
        let policy = ty.policy();
        let mut problems = Vec::new();
        let fields = field_inputs(body.fields, &policy, &body_path(&["fields"]), &mut problems);
        let sub_credentials = sub_inputs(
            body.sub_credentials,
            &policy,
            &body_path(&["subCredentials"]),
            &mut problems,
        );
        let (fields, sub_credentials) = all_or_problems((fields, sub_credentials), problems)?;
        let new = self
            .state
            .vault()
            .create_sub_credential(
                &ty,
                &parent,
                &body.field_id,
                SubCredentialInput {
                    name: body.name,
                    fields,
                    sub_credentials,
                },
            )
            .map_err(vault_error)?
            .by(caller.user.id.clone());
        self.state.store.create_credential(&new).await?;
        Ok(caller.created(self.present(&new.credential, &ty).await?))
    }

    /// Delete a sub-credential (and its own sub-credentials) of this parent.
    async fn delete_sub_credential(
        &self,
        caller: Authorized<routes::DeleteSubCredential>,
        /// Parent credential id.
        id: Path<String>,
        /// Sub-credential id.
        #[oai(name = "subId")]
        sub_id: Path<String>,
    ) -> Result<Deleted200, ApiError> {
        let (parent, _) = self.load(&caller, &id.0).await?;
        let sub = self.state.store.get_credential(&sub_id.0).await?;
        if sub.is_none_or(|s| s.sub_credential_of_id.as_deref() != Some(parent.id.as_str())) {
            return Err(ApiError::not_found(
                "SubCredentialNotFound",
                "Sub-credential not found",
            ));
        }
        self.state.store.delete_credential(&sub_id.0).await?;
        Ok(deleted(caller.route()))
    }

    /// The current one-time code of a `totp` field, and how many seconds it stays valid. The
    /// seed is never shown here (revealing it needs `credential.secure_values.read`); the read
    /// is recorded in the audit trail as a code read.
    async fn totp_code(
        &self,
        caller: Authorized<routes::GetTotpCode>,
        req: &Request,
        /// Credential id.
        id: Path<String>,
        /// The totp field's id.
        #[oai(name = "fieldId")]
        field_id: Path<String>,
    ) -> Result<Ok200<TotpCodeOut>, ApiError> {
        let (c, ty) = self.load(&caller, &id.0).await?;
        let is_totp = ty
            .field_at(&c.schema_path, &field_id.0)
            .is_some_and(|d| d.value_type == ValueType::Totp);
        if !is_totp || c.field(&field_id.0).is_none_or(|f| !f.is_secure()) {
            return Err(ApiError::not_found(
                "TotpFieldNotFound",
                format!("TOTP field not found: {}", field_id.0),
            ));
        }
        self.audit_read(
            &caller,
            &c.id,
            vec![field_id.0.clone()],
            req,
            RevealKind::Code,
            None,
        )
        .await?;
        let seed = self
            .state
            .vault()
            .reveal(&c, &field_id.0)
            .map_err(vault_error)?;
        let seed = TotpSeed::parse(seed.expose_secret()).map_err(|_| {
            ApiError::new(
                StatusCode::CONFLICT,
                "TotpSeedUnreadable",
                "The stored TOTP seed is not a valid base32 secret or otpauth URI. Set it again.",
            )
        })?;
        let code = seed.now();
        Ok(caller.ok(TotpCodeOut {
            field_id: field_id.0,
            code: code.code,
            valid_for: code.valid_for,
            period: code.period,
            digits: code.digits,
        }))
    }

    /// A credential's versions, newest first: which fields each changed, by whom, when (no
    /// values). A deleted credential's versions stay readable until its history is pruned.
    async fn versions(
        &self,
        caller: Authorized<routes::ListCredentialVersions>,
        /// Credential id.
        id: Path<String>,
    ) -> Result<Ok200<CredentialHistoryOut>, ApiError> {
        let subject = self.load_history(&caller, &id.0).await?;
        let versions = self.state.store.list_versions(&id.0).await?;
        Ok(caller.ok(CredentialHistoryOut {
            credential_id: id.0,
            deleted_at: subject.deleted_at(),
            versions: versions.into_iter().map(Into::into).collect(),
        }))
    }

    /// A credential's fields as they were at a version: plain values shown, secure ones `null`.
    async fn version(
        &self,
        caller: Authorized<routes::GetCredentialVersion>,
        /// Credential id.
        id: Path<String>,
        /// The version.
        #[oai(validator(minimum(value = "1"), maximum(value = "4294967295")))]
        version: Path<u64>,
    ) -> Result<Ok200<CredentialVersionDetailOut>, ApiError> {
        let AtVersion {
            subject,
            history,
            versions,
            credential,
        } = self.at_version(&caller, &id.0, version.0).await?;
        let mut field_ids: Vec<String> = match &subject {
            HistorySubject::Live(live) => live
                .1
                .fields_at(&live.0.schema_path)
                .unwrap_or_default()
                .iter()
                .filter(|d| !d.value_type.is_multi())
                .map(|d| d.id.clone())
                .collect(),
            HistorySubject::Deleted(_) => Vec::new(),
        };
        for kept in &history {
            if !field_ids.contains(&kept.field_id) {
                field_ids.push(kept.field_id.clone());
            }
        }
        let fields = field_ids
            .into_iter()
            .filter_map(|field_id| {
                let live = credential.field(&field_id).map(|f| &f.value);
                let value = match value_at(live, &history, &field_id, version.0) {
                    ValueAt::Live(v) | ValueAt::Superseded { value: v, .. } => v,
                    ValueAt::Absent => return None,
                };
                // A field secure now shows no value, whatever it was then.
                let secure_now = match &subject {
                    HistorySubject::Live(live) => live
                        .1
                        .field_at(&live.0.schema_path, &field_id)
                        .is_some_and(|d| d.secure),
                    HistorySubject::Deleted(_) => false,
                };
                Some(FieldAtVersionOut {
                    field_id,
                    secure: value.is_secure() || secure_now,
                    value: match value {
                        StoredValue::Plain(text) if !secure_now => Some(text.clone()),
                        _ => None,
                    },
                })
            })
            .collect();
        let record = versions.iter().find(|v| v.version == version.0);
        Ok(caller.ok(CredentialVersionDetailOut {
            version: version.0,
            at: record.map(|v| timestamp(v.at)),
            changed_by: record.and_then(|v| v.changed_by.clone()),
            fields,
        }))
    }

    /// Decrypt a secure value as it was at a version. The read is recorded in the audit trail
    /// (as a read of that version).
    async fn historical_secure_value(
        &self,
        caller: Authorized<routes::GetHistoricalSecureValue>,
        req: &Request,
        /// Credential id.
        id: Path<String>,
        /// The version.
        #[oai(validator(minimum(value = "1"), maximum(value = "4294967295")))]
        version: Path<u64>,
        /// The secure field's id.
        #[oai(name = "fieldId")]
        field_id: Path<String>,
    ) -> Result<Ok200<HistoricalSecureValueOut>, ApiError> {
        let AtVersion {
            history,
            credential,
            ..
        } = self.at_version(&caller, &id.0, version.0).await?;
        let live = credential.field(&field_id.0).map(|f| &f.value);
        let secure = matches!(
            value_at(live, &history, &field_id.0, version.0),
            ValueAt::Live(StoredValue::Sealed(_))
                | ValueAt::Superseded {
                    value: StoredValue::Sealed(_),
                    ..
                }
        );
        if !secure {
            return Err(ApiError::not_found(
                "SecureFieldNotFound",
                format!(
                    "Secure field not found at version {}: {}",
                    version.0, field_id.0
                ),
            ));
        }
        self.audit_read(
            &caller,
            &id.0,
            vec![field_id.0.clone()],
            req,
            RevealKind::History,
            Some(version.0),
        )
        .await?;
        let value = self
            .state
            .vault()
            .reveal_at(&credential, &history, &field_id.0, version.0)
            .map_err(vault_error)?;
        Ok(caller.ok(HistoricalSecureValueOut {
            field_id: field_id.0,
            version: version.0,
            value: value.expose_secret().to_owned(),
        }))
    }

    /// Bring back a credential's field values as they were at a version, as a new version.
    /// Fields that had no value then keep theirs; the values are checked against the type as
    /// it is now.
    async fn restore_version(
        &self,
        caller: Authorized<routes::RestoreCredentialVersion>,
        /// Credential id.
        id: Path<String>,
        /// The version to bring back.
        #[oai(validator(minimum(value = "1"), maximum(value = "4294967295")))]
        version: Path<u64>,
    ) -> Result<Ok200<CredentialOut>, ApiError> {
        let (mut c, ty) = self.load(&caller, &id.0).await?;
        let history = self.state.store.history_values(&c.id).await?;
        let change = self
            .state
            .vault()
            .restore(&ty, &mut c, &history, version.0)
            .map_err(|e| match e {
                optima_core::Error::NotFound {
                    kind: "credential version",
                    ..
                } => version_not_found(version.0),
                other => vault_error(other),
            })?;
        Ok(caller.ok(self.save_version(&caller, &c, &ty, change).await?))
    }

    /// Erase a credential's history (its versions and the values its changes replaced), or all
    /// that remains of a deleted credential. The live values stay.
    async fn purge_history(
        &self,
        caller: Authorized<routes::PurgeCredentialHistory>,
        /// Credential id.
        id: Path<String>,
    ) -> Result<Ok200<HistoryPurgedOut>, ApiError> {
        self.load_history(&caller, &id.0).await?;
        let removed = self.state.store.purge_history(&id.0).await?;
        Ok(caller.ok(HistoryPurgedOut {
            credential_id: id.0,
            removed_versions: removed,
        }))
    }

    /// Generate a password or passphrase from the operating system's CSPRNG: under the policy
    /// given, else the type's (`typeId`), else the default (20 characters of all classes).
    /// Nothing is stored. To fill a field without the value passing through the client, send
    /// `{"fieldId": …, "generate": true}` when creating or updating a credential instead.
    async fn generate(
        &self,
        caller: Authorized<routes::GenerateCredentialValue>,
        body: JsonBody<GenerateValue>,
    ) -> Result<Ok200<GeneratedValueOut>, ApiError> {
        let mut body = body.0;
        let policy: PasswordPolicy = match (body.take_policy(), &body.type_id) {
            (Some(policy), _) => {
                let policy = PasswordPolicy::from(policy);
                policy.validate("policy").map_err(validation_error)?;
                policy
            }
            (None, Some(type_id)) => {
                let ty = find_type(&self.state, type_id).await?;
                require_scope(&caller, &ty)?;
                ty.policy()
            }
            (None, None) => PasswordPolicy::default(),
        };
        let value = policy.generate();
        Ok(caller.ok(GeneratedValueOut::new(
            value.expose_secret().to_owned(),
            &policy,
        )))
    }

    /// The log of secure-value reads, newest first, filtered by credential, user and time
    /// (`since` inclusive, `until` exclusive; RFC 3339).
    #[oai(tag = "ApiTags::Audit")]
    // One parameter per documented query parameter.
    #[allow(clippy::too_many_arguments)]
    async fn secure_value_reads(
        &self,
        caller: Authorized<routes::ListSecureValueReads>,
        /// Only reads of this credential.
        #[oai(name = "credentialId")]
        credential_id: Query<Option<String>>,
        /// Only reads by this user.
        #[oai(name = "userId")]
        user_id: Query<Option<String>>,
        /// Only reads of this kind.
        kind: Query<Option<models::ReadKind>>,
        /// Only reads at or after this time (RFC 3339).
        since: Query<Option<DateTime<Utc>>>,
        /// Only reads before this time (RFC 3339).
        until: Query<Option<DateTime<Utc>>>,
        /// Page number (default 1).
        #[oai(validator(minimum(value = "1"), maximum(value = "4294967295")))]
        page: Query<Option<i64>>,
        /// Records per page (default 30, at most 1000).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        rpp: Query<Option<i64>>,
    ) -> Result<SecureValueReadPageResponse, ApiError> {
        let paging = PageRequest::new(page.0, rpp.0)?;
        let query = RevealQuery {
            credential_id: credential_id.0,
            user_id: user_id.0,
            kind: kind.0.map(Into::into),
            since: since.0,
            until: until.0,
            offset: paging.offset() as u64,
            limit: paging.rpp as u64,
        };
        let found = self.state.store.list_reveals(&query).await?;
        let data: Vec<_> = found.items.into_iter().map(Into::into).collect();
        let r = caller.route();
        Ok(SecureValueReadPageResponse::Ok(
            poem_openapi::payload::Json(SecureValueReadPage {
                status: r.status,
                message: r.message.to_owned(),
                pagination: paging.pagination(found.total, data.len()),
                data,
                successful: true,
            }),
        ))
    }

    /// Offboarding: every credential field the user revealed, read a code of, or read an
    /// earlier version of, with when, how often, and whether it has changed since (if not,
    /// what they saw still works). Deleted users and credentials are included; credentials of
    /// types whose scope the caller lacks are left out.
    #[oai(tag = "ApiTags::Audit")]
    async fn revealed_by_user(
        &self,
        caller: Authorized<routes::ListRevealedByUser>,
        /// The user's id.
        id: Path<String>,
    ) -> Result<Ok200<Vec<RevealedFieldOut>>, ApiError> {
        Ok(caller.ok(self.revealed(&caller, &id.0).await?))
    }

    /// Mark the credentials the user revealed as due for rotation, in one call: those listed,
    /// or by default every one with a field whose value the user saw (not just a code of) and
    /// that has not changed since. Only credentials whose type's scope the caller holds.
    #[oai(tag = "ApiTags::Audit")]
    async fn mark_rotation_due(
        &self,
        caller: Authorized<routes::MarkRevealedRotationDue>,
        /// The user's id.
        id: Path<String>,
        body: JsonBody<MarkRotationDue>,
    ) -> Result<Ok200<RotationDueOut>, ApiError> {
        let revealed = self.revealed(&caller, &id.0).await?;
        let ids: Vec<String> = match body.0.credential_ids {
            Some(wanted) => {
                let problems: Vec<FieldError> = wanted
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| {
                        !revealed
                            .iter()
                            .any(|r| &r.credential_id == *w && !r.deleted)
                    })
                    .map(|(i, _)| FieldError {
                        path: body_path(&["credentialIds", &i.to_string()]),
                        message: "is not a credential this user revealed (or it was deleted)"
                            .into(),
                    })
                    .collect();
                all_or_problems(wanted, problems)?
            }
            // A code read shows no seed: only values seen and unchanged since call for rotation.
            None => revealed
                .iter()
                .filter(|r| !r.deleted && !r.changed_since)
                .filter(|r| {
                    r.kinds
                        .iter()
                        .any(|k| matches!(k, ReadKind::Value | ReadKind::History))
                })
                .map(|r| r.credential_id.clone())
                .collect(),
        };
        let mut ids = ids;
        ids.sort();
        ids.dedup();
        self.state.store.set_rotation_due(&ids, true).await?;
        Ok(caller.ok(RotationDueOut {
            credential_ids: ids,
        }))
    }
}
