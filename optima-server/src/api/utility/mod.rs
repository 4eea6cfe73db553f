//! `/teapot`.

pub mod models;

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use self::models::TeapotBody;
use super::{ApiTags, Public};
use crate::routes;

/// Utility routes.
#[derive(Debug)]
pub struct UtilityApi;

/// HTTP 418.
#[derive(Debug, ApiResponse)]
pub enum TeapotResponse {
    /// I'm a teapot.
    #[oai(status = 418)]
    Teapot(Json<TeapotBody>),
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Utility")]
impl UtilityApi {
    /// A fun Easter egg that answers HTTP 418; handy as a liveness probe of the API layer.
    async fn teapot(&self, route: Public<routes::Teapot>) -> TeapotResponse {
        let r = route.spec();
        TeapotResponse::Teapot(Json(TeapotBody {
            status: r.status,
            message: r.message.to_owned(),
            successful: false,
        }))
    }
}
