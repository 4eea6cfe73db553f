//! The forecast of an opportunity, accepted as an object or as an array.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::{ForecastItem, ForecastObject};

/// An opportunity's forecast (`GET sales/opportunities/{id}/forecast`).
///
/// The API documents an array, but answers one object with `forecastItems[]`
/// in practice. Both shapes decode into this type: an array of items becomes
/// a forecast whose `items` are those items, and an array of forecast objects
/// is merged (items concatenated, totals taken from the first).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Forecast {
    /// The forecast object (totals, revenue groups, unknown fields); its `forecast_items` are moved to `items`.
    pub summary: ForecastObject,
    /// Every revenue line.
    pub items: Vec<ForecastItem>,
    /// Whether the server answered with an array rather than an object.
    pub was_array: bool,
}

impl Forecast {
    /// Sum of `revenue` over all items.
    pub fn total_revenue(&self) -> f64 {
        self.items.iter().filter_map(|i| i.revenue).sum()
    }

    /// Sum of `cost` over all items.
    pub fn total_cost(&self) -> f64 {
        self.items.iter().filter_map(|i| i.cost).sum()
    }
}

impl Serialize for Forecast {
    /// Serialises in the object form (`{..., "forecastItems": [...]}`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut obj = self.summary.clone();
        obj.forecast_items.clone_from(&self.items);
        obj.serialize(s)
    }
}

struct ForecastVisitor;

impl<'de> Visitor<'de> for ForecastVisitor {
    type Value = Forecast;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a forecast object or an array of forecast items")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Forecast, A::Error> {
        let mut summary = ForecastObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let items = std::mem::take(&mut summary.forecast_items);
        Ok(Forecast {
            summary,
            items,
            was_array: false,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Forecast, A::Error> {
        let mut out = Forecast {
            was_array: true,
            ..Forecast::default()
        };
        let mut first_object = true;
        let mut index = 0usize;
        while let Some(v) = seq.next_element::<Value>()? {
            let at = |e: serde_path_to_error::Error<serde_json::Error>| {
                de::Error::custom(format_args!("[{index}].{}: {}", e.path(), e.inner()))
            };
            if v.get("forecastItems").is_some() {
                let mut obj: ForecastObject = serde_path_to_error::deserialize(v).map_err(at)?;
                out.items.append(&mut obj.forecast_items);
                if first_object {
                    out.summary = obj;
                    first_object = false;
                }
            } else {
                out.items
                    .push(serde_path_to_error::deserialize(v).map_err(at)?);
            }
            index += 1;
        }
        Ok(out)
    }
}

impl<'de> Deserialize<'de> for Forecast {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ForecastVisitor)
    }
}
