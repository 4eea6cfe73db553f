//! Typed, lenient models of ConnectWise Manage records.
//!
//! Every vendor field is an `Option` (or an empty `Vec`), numbers and booleans
//! that arrive as strings or `""` are accepted, and fields the models do not
//! name are kept in `extra`, so a record survives a round trip unchanged.

mod catalog;
mod common;
mod company;
mod configuration;
mod contact;
mod forecast;
mod sales;

pub use catalog::{CatalogInventory, CatalogItem};
pub use common::{CompanyInfo, CustomField, Info, Reference};
pub use company::Company;
pub use configuration::Configuration;
pub use contact::{CommunicationItem, Contact};
pub use forecast::Forecast;
pub use sales::{
    ForecastItem, ForecastObject, Opportunity, OpportunityContact, OpportunityNote, RevenueTotals,
};

use chrono::{DateTime, Utc};

impl Reference {
    /// A reference holding only an id (handy for request bodies).
    pub fn from_id(id: i64) -> Self {
        Self {
            id: Some(id),
            ..Self::default()
        }
    }
}

impl CustomField {
    /// The value as text, if it is a non-empty string.
    pub fn as_str(&self) -> Option<&str> {
        self.value.as_ref()?.as_str().filter(|s| !s.is_empty())
    }

    /// The value as a number, whether it arrived as a number or as numeric text.
    pub fn as_f64(&self) -> Option<f64> {
        match self.value.as_ref()? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as a boolean (`true`, `"true"`, `1`, …).
    pub fn as_bool(&self) -> Option<bool> {
        match self.value.as_ref()? {
            serde_json::Value::Bool(b) => Some(*b),
            serde_json::Value::Number(n) => n.as_i64().map(|n| n != 0),
            serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Lookup of custom fields and `_info.lastUpdated`, implemented by every record type that has them.
pub trait Record {
    /// The record's custom fields (empty when none were sent).
    fn custom_fields(&self) -> &[CustomField];
    /// The record's `_info`, if sent.
    fn info(&self) -> Option<&Info>;

    /// The custom field with this caption (case-insensitive).
    fn custom_field(&self, caption: &str) -> Option<&CustomField> {
        self.custom_fields().iter().find(|f| {
            f.caption
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(caption))
        })
    }

    /// `_info.lastUpdated`, if sent.
    fn last_updated(&self) -> Option<DateTime<Utc>> {
        self.info().and_then(|i| i.last_updated)
    }
}

macro_rules! record {
    ($($t:ty),*) => {$(
        impl Record for $t {
            fn custom_fields(&self) -> &[CustomField] {
                &self.custom_fields
            }
            fn info(&self) -> Option<&Info> {
                self.info.as_ref()
            }
        }
    )*};
}
record!(Company, Contact, Configuration, CatalogItem, Opportunity);

impl CompanyInfo {
    /// The codebase normalised to `segment/` (no leading slash, one trailing slash).
    pub fn normalized_codebase(&self) -> Option<String> {
        self.codebase.as_deref().and_then(normalize_codebase)
    }
}

pub(crate) fn normalize_codebase(c: &str) -> Option<String> {
    let t = c.trim().trim_matches('/');
    if t.is_empty() {
        None
    } else {
        Some(format!("{t}/"))
    }
}

impl CommunicationItem {
    fn kind_is(&self, kind: &str) -> bool {
        if let Some(ct) = &self.communication_type {
            return ct.eq_ignore_ascii_case(kind);
        }
        // Older codebases omit communicationType; fall back on the type name and the value.
        let tn = self
            .type_
            .as_ref()
            .and_then(|t| t.name.as_deref())
            .unwrap_or("");
        match kind {
            "Email" => {
                tn.to_ascii_lowercase().contains("email")
                    || self.value.as_deref().is_some_and(|v| v.contains('@'))
            }
            "Fax" => tn.to_ascii_lowercase().contains("fax"),
            _ => {
                let l = tn.to_ascii_lowercase();
                !l.contains("email")
                    && !l.contains("fax")
                    && !self.value.as_deref().unwrap_or("").contains('@')
            }
        }
    }

    /// Whether this item is a phone number.
    pub fn is_phone(&self) -> bool {
        self.kind_is("Phone")
    }

    /// Whether this item is an e-mail address.
    pub fn is_email(&self) -> bool {
        self.kind_is("Email")
    }
}

impl Contact {
    fn pick(&self, f: impl Fn(&CommunicationItem) -> bool) -> Option<&CommunicationItem> {
        let mut it = self
            .communication_items
            .iter()
            .filter(|c| f(c) && c.value.as_deref().is_some_and(|v| !v.is_empty()));
        let first = it.clone().next();
        it.find(|c| c.default_flag == Some(true)).or(first)
    }

    /// The default phone item (or the first phone) from `communicationItems[]`.
    pub fn phone_item(&self) -> Option<&CommunicationItem> {
        self.pick(CommunicationItem::is_phone)
    }

    /// The default phone number (or the first one), falling back on `defaultPhoneNbr`.
    pub fn phone(&self) -> Option<&str> {
        self.phone_item()
            .and_then(|c| c.value.as_deref())
            .or(self.default_phone_nbr.as_deref().filter(|s| !s.is_empty()))
    }

    /// The default e-mail address (or the first one) from `communicationItems[]`.
    pub fn email(&self) -> Option<&str> {
        self.pick(CommunicationItem::is_email)
            .and_then(|c| c.value.as_deref())
    }

    /// `"First Last"`, trimmed.
    pub fn full_name(&self) -> String {
        format!(
            "{} {}",
            self.first_name.as_deref().unwrap_or(""),
            self.last_name.as_deref().unwrap_or("")
        )
        .trim()
        .to_owned()
    }

    /// Picks a company's primary contact from its contacts: the company's
    /// `defaultContact` if present in `contacts`, else the contact with `defaultFlag`.
    pub fn primary_of<'a>(
        company: Option<&Company>,
        contacts: &'a [Contact],
    ) -> Option<&'a Contact> {
        let default_id = company
            .and_then(|c| c.default_contact.as_ref())
            .and_then(|r| r.id);
        default_id
            .and_then(|id| contacts.iter().find(|c| c.id == Some(id)))
            .or_else(|| contacts.iter().find(|c| c.default_flag == Some(true)))
    }
}
