//! The server functions' door onto the backend's services. A server function reads its
//! caller here (`caller`, `require_auth`), runs the service of its action, and hands the
//! outcome to `deliver`, which turns it into the function's return value, the response's
//! cookies and headers, and, for a plain HTML form post (a browser without JavaScript, or
//! before the WASM has loaded), a redirect to where the user lands next with a one-time
//! notice for that page. No HTTP request is made inside the process.

mod context;
mod deliver;

pub use context::{app_state, caller, internal, refused, require_auth};
pub use deliver::{deliver, is_plain_form_post, keep_typed, land};
