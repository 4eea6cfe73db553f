//! Bodies of the utility routes.

use poem_openapi::Object;

/// A teapot's answer.
#[derive(Debug, Object)]
pub struct TeapotBody {
    /// 418.
    pub status: u16,
    /// "I'm a teapot".
    pub message: String,
    /// False: a teapot brews no coffee.
    pub successful: bool,
}
