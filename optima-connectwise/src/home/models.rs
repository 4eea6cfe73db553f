//! Models of every schema in the CW Home OpenAPI.
//!
//! Lenient like the Manage models: every field optional, unknown fields kept in
//! `extra`, numbers accepted as strings, unknown enum values kept as `Other`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// A value this crate does not know, kept as sent.
            Other(String),
        }
        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self { $(Self::$var => $s,)* Self::Other(s) => s }
            }
        }
        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s { $($s => Self::$var,)* other => Self::Other(other.to_owned()) }
            }
        }
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(Self::from(s.as_str()))
            }
        }
    };
}

open_enum!(
    /// `claimType` of an additional claim.
    ClaimType { /// `contact_email`
    ContactEmail = "contact_email" }
);
open_enum!(
    /// `claimValue.type` of an additional claim.
    ClaimValueKind { /// `contact`
    Contact = "contact" }
);
open_enum!(
    /// `claimValueType` of an additional claim.
    ClaimValueType { /// `json`
    Json = "json" }
);

impl User {
    /// A user with the fields the spec requires for creation, and a `contact_email` claim.
    pub fn new(
        partner_id: impl Into<String>,
        user_name: impl Into<String>,
        email: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        let email = email.into();
        Self {
            partner_id: Some(partner_id.into()),
            user_name: Some(user_name.into()),
            first_name: Some(first_name.into()),
            last_name: Some(last_name.into()),
            additional_claims: vec![AdditionalClaim {
                claim_type: Some(ClaimType::ContactEmail),
                claim_value: Some(ClaimValue {
                    value: Some(email.clone()),
                    type_: Some(ClaimValueKind::Contact),
                    extra: Map::new(),
                }),
                claim_value_type: Some(ClaimValueType::Json),
                extra: Map::new(),
            }],
            email: Some(email),
            ..Self::default()
        }
    }
}

impl AsioRoleRequestBody {
    /// A body assigning one role, optionally constrained to resources.
    pub fn role(role_id: impl Into<String>, assigned_resources: Vec<String>) -> Self {
        Self {
            connected_app_roles: vec![ConnectedAppRole {
                role_id: Some(role_id.into()),
                assigned_resources,
                extra: Map::new(),
            }],
            extra: Map::new(),
        }
    }
}

impl IdentityRoleRequestBody {
    /// A body assigning these identity roles.
    pub fn roles<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Self {
        Self {
            identity_role_ids: ids.into_iter().map(Into::into).collect(),
            extra: Map::new(),
        }
    }
}

/// A CW Home user (schema `user`). `partnerId`, `userName`, `email`, `firstName`, `lastName` and
/// `additionalClaims` are required when creating a user; see [`User::new`].
#[serde_with::serde_as]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Partner (tenant) id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub partner_id: Option<String>,
    /// User id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// MFA enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub mfa_enabled: Option<bool>,
    /// E-mail confirmed.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub email_confirmed: Option<bool>,
    /// Disabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_disabled: Option<bool>,
    /// Invitation pending.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_pending: Option<bool>,
    /// Invitation link still valid.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_invite_link_valid: Option<bool>,
    /// Status text.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub status: Option<String>,
    /// Creation time, Unix seconds.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub created: Option<i64>,
    /// Last update, Unix seconds.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub updated: Option<f64>,
    /// User name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub user_name: Option<String>,
    /// E-mail address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub email: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub last_name: Option<String>,
    /// Login scheme.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub login_scheme: Option<String>,
    /// Additional claims; the spec shows one object, servers may send an array: both are accepted.
    #[serde_as(as = "serde_with::OneOrMany<_>")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_claims: Vec<AdditionalClaim>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One additional claim of a user (`additionalClaims`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct AdditionalClaim {
    /// Claim type (`contact_email`).
    #[serde(default)]
    pub claim_type: Option<ClaimType>,
    /// Claim value.
    #[serde(default)]
    pub claim_value: Option<ClaimValue>,
    /// Value encoding (`json`).
    #[serde(default)]
    pub claim_value_type: Option<ClaimValueType>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The value of an additional claim.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ClaimValue {
    /// The value, e.g. an e-mail address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub value: Option<String>,
    /// Kind (`contact`).
    #[serde(default)]
    pub type_: Option<ClaimValueKind>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A login provider (schema `loginProvider`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct LoginProvider {
    /// Authority URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub authority: Option<String>,
    /// OAuth client id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub client_id: Option<String>,
    /// Client name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub client_name: Option<String>,
    /// Enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// Protocol type.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub protocol_type: Option<String>,
    /// Provider id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub provider_id: Option<i64>,
    /// OAuth response type.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub response_type: Option<String>,
    /// Scheme.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub scheme: Option<String>,
    /// Scopes.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub scopes: Vec<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An external MFA provider (schema `externalMfaProvider`, an open object: every field is in `extra`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ExternalMfaProvider {
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A CW Home identity role (schema `identityRole`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct IdentityRole {
    /// Description.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub description: Option<String>,
    /// Role id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Claims granted by the role.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub role_claims: Vec<String>,
    /// Users assigned (0 unless `includeUsersCount=true`).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub users_count: Option<i64>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A ConnectWise product as listed by `tools/products` (schema `application`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Whether the first-usage form is due.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub submit_first_usage_form: Option<bool>,
    /// Product id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub product_id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Instance id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub instance_id: Option<String>,
    /// Product info 1.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub product_info1: Option<String>,
    /// Product info 2.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub product_info2: Option<String>,
    /// STS client id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub sts_client_id: Option<String>,
    /// Information text.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub information: Option<String>,
    /// In trial.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub in_trial: Option<bool>,
    /// Purchased.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub purchased: Option<bool>,
    /// Cancelled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub cancelled: Option<bool>,
    /// Provisioning.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub provisioning: Option<bool>,
    /// Trial expired.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub trial_expired: Option<bool>,
    /// Launch URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub launch_url: Option<String>,
    /// Has an active instance.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub has_active_instance: Option<bool>,
    /// Payment past due.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub payment_past_due: Option<String>,
    /// Next bill date, Unix seconds.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub bill_next_date_unix_time_seconds: Option<i64>,
    /// Free trial allowed.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub allow_free_trial: Option<bool>,
    /// Days left in trial.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub days_left_in_trial: Option<i64>,
    /// Control dual trial.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub control_dual_trial: Option<bool>,
    /// Provisioning failed.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub failed: Option<bool>,
    /// Can be added to cart.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub allow_add_to_cart: Option<bool>,
    /// Purchase URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub purchase_url: Option<String>,
    /// Quote or demo can be requested.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub allow_request_for_quote_or_demo: Option<bool>,
    /// Active licences.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub active_licenses: Option<i64>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A plain message (schema `message`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The message.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub message: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of "add user to Asio app role" (schema `asioRoleRequestBody`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct AsioRoleRequestBody {
    /// Roles to assign.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub connected_app_roles: Vec<ConnectedAppRole>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One role assignment in an [`AsioRoleRequestBody`].
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ConnectedAppRole {
    /// Resources the role is constrained to.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub assigned_resources: Vec<String>,
    /// Application role id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub role_id: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Settings of a connected application (schema `connectedAppSettings`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ConnectedAppSettings {
    /// Settings version.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub version: Option<f64>,
    /// Application base name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub application_base_name: Option<String>,
    /// Icon name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub icon_name: Option<String>,
    /// Authorisation enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub authorization_enabled: Option<bool>,
    /// Authorisation settings.
    #[serde(default)]
    pub authorization: Option<AppAuthorization>,
    /// Access restrictions.
    #[serde(default)]
    pub access_restrictions: Option<AccessRestrictions>,
    /// Enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// OAuth client id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub client_id: Option<String>,
    /// Client name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub client_name: Option<String>,
    /// Access management URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub access_management_url: Option<String>,
    /// Redirect URIs.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub redirect_uris: Vec<String>,
    /// Users with access.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub users_count: Option<i64>,
    /// Software id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub software_id: Option<String>,
    /// Product name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub product_name: Option<String>,
    /// Claims.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub claims: Vec<ApplicationClaim>,
    /// Common application.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_common: Option<bool>,
    /// User access control enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub user_access_control_enabled: Option<bool>,
    /// Free-form properties.
    #[serde(default)]
    pub properties: Option<ConnectedAppProperties>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `authorization` block of [`ConnectedAppSettings`].
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct AppAuthorization {
    /// Role assignment.
    #[serde(default)]
    pub role_assignment: Option<RoleAssignment>,
    /// Corporate structure.
    #[serde(default)]
    pub corporate_structure: Option<CorporateStructure>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Role assignment settings of a connected application.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Only one application role per user.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub has_single_app_role_constraint: Option<bool>,
    /// Identity roles cannot be assigned.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub forbid_identity_role_assignment: Option<bool>,
    /// Application roles.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub application_roles: Vec<ApplicationRole>,
    /// URL listing application roles.
    #[serde(
        rename = "getAppRolesURL",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub get_app_roles_url: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Corporate structure settings of a connected application.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct CorporateStructure {
    /// Enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// Levels URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub levels_url: Option<String>,
    /// Containers-per-level URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub containers_per_level_url: Option<String>,
    /// Companies URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub companies_url: Option<String>,
    /// Sites URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub sites_url: Option<String>,
    /// Constraints.
    #[serde(default)]
    pub constraints: Option<CorporateConstraints>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Assignment constraints of a corporate structure.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct CorporateConstraints {
    /// Container assignment.
    #[serde(default)]
    pub container_assignment: Option<ConstraintAssignment>,
    /// Company assignment.
    #[serde(default)]
    pub company_assignment: Option<ConstraintAssignment>,
    /// Site assignment.
    #[serde(default)]
    pub site_assignment: Option<ConstraintAssignment>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Access restrictions of a connected application.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct AccessRestrictions {
    /// Access type.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub access_type: Option<String>,
    /// Access URL.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub access_url: Option<String>,
    /// Evaluation expression.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub evaluation_expression: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Free-form `properties` of a connected application (snake_case keys).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectedAppProperties {
    /// Access management endpoint.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub access_management_endpoint: Option<String>,
    /// User access control enabled (text).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub user_access_control_enabled: Option<String>,
    /// Initiate-login URI.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub initiate_login_uri: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A claim of an application (schema `applicationClaim`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ApplicationClaim {
    /// Claim type.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub type_: Option<String>,
    /// Claim value.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub value: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An application role (schema `applicationRole`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRole {
    /// Role id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub role_id: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub display_name: Option<String>,
    /// Resource constraint (open object).
    #[serde(default)]
    pub resource_constraint: Option<Value>,
    /// Role type hints.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub role_type_hints: Vec<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An assignment constraint (schema `constraintAssignment`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ConstraintAssignment {
    /// Maximum selections.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub max_selections: Option<i64>,
    /// "Select all" enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enable_select_all: Option<bool>,
    /// Access to future resources selectable.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enable_future_resource_access_selection: Option<bool>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A member of the partner's ConnectWise account team (schema `accountTeamMember`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct AccountTeamMember {
    /// Full name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub full_name: Option<String>,
    /// E-mail address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub default_email: Option<String>,
    /// Notes.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub notes: Option<String>,
    /// Phone.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub phone: Option<String>,
    /// Whether a success manager is assigned.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub has_success_manager: Option<bool>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of "add user to identity roles" (schema `identityRoleRequestBody`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct IdentityRoleRequestBody {
    /// Identity role ids.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub identity_role_ids: Vec<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Outcome of one identity role assignment (schema `appRoleResponse`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct AppRoleResponse {
    /// Status code of the operation.
    #[serde(
        rename = "Status",
        default,
        deserialize_with = "crate::lenient::opt_i64"
    )]
    pub status: Option<i64>,
    /// Identity role id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub identity_role_id: Option<String>,
    /// Message.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub message: Option<String>,
    /// Operation.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub operation: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
