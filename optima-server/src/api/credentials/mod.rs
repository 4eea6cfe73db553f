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
    Credential, CredentialInput, CredentialStore, CredentialType, CredentialTypeStore, PathSegment,
    RevealAuditStore, RevealQuery, RevealRecord, StoredValue, SubCredentialInput, ValidationErrors,
    ValueType,
};
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use secrecy::ExposeSecret;

use self::models::{
    CompanyRef, CreateCredential, CreateSubCredential, CredentialOut, Deleted200, SecureValueOut,
    SecureValueReadPage, SecureValueReadPageResponse, StoredFieldOut, UpdateCredential,
    UpdateCredentialFields, deleted, field_inputs, sub_inputs,
};
use super::common::{ApiError, Created201, FieldError, JsonBody, Ok200};
use super::companies::find_company;
use super::credential_types::models::ValueTypeName;
use super::pagination::PageRequest;
use super::{ApiTags, Authorized};
use crate::auth::caller::Caller;
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

impl CredentialApi {
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

    /// Records a reveal; nothing is revealed unless the record is kept.
    async fn audit(
        &self,
        caller: &Caller,
        credential: &Credential,
        field_ids: Vec<String>,
        req: &Request,
    ) -> Result<(), ApiError> {
        let record = RevealRecord::new(
            caller.user.id.clone(),
            credential.id.clone(),
            field_ids,
            client_address(req),
        );
        self.state.store.record_reveal(&record).await?;
        tracing::info!(
            user_id = %record.user_id,
            credential_id = %record.credential_id,
            fields = ?record.field_ids,
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
                    fields: field_inputs(body.fields),
                    sub_credentials: sub_inputs(body.sub_credentials),
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
                    .update_fields(&ty, &mut c, field_inputs(fields))
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
            .update_fields(&ty, &mut c, field_inputs(body.0.fields))
            .map_err(vault_error)?
            .by(caller.user.id.clone());
        self.state
            .store
            .update_credential(&c, Some(&change))
            .await?;
        Ok(caller.ok(self.present(&c, &ty).await?))
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
        let new = self
            .state
            .vault()
            .create_sub_credential(
                &ty,
                &parent,
                &body.field_id,
                SubCredentialInput {
                    name: body.name,
                    fields: field_inputs(body.fields),
                    sub_credentials: sub_inputs(body.sub_credentials),
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
}
