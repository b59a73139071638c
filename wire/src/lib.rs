//! What the server and the browser agree on: every type that crosses the wire (the JSON of
//! the auth API and the values of the server functions), the rules both sides apply to
//! input, the notices and the pages an action lands on, and the one cookie the client
//! reads. Shared by the server and the WASM client so that both sides agree on every field
//! name; it depends on nothing of either side.

pub mod landing;
pub mod routes;
pub mod rules;

pub use landing::Landing;

/// Set when a sign-out could not reach the server (by the web client, or by the server for
/// a plain form post): while it is present the browser's auth cookies count for nothing,
/// so a reload cannot sign the user back in through cookies whose revocation is pending.
/// Not HttpOnly, not secret: the client reads it to retry, and clears it.
pub const SIGNOUT_PENDING_COOKIE: &str = "signout_pending";

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// A sign-up: the credentials and, optionally, the name shown with the user's public
/// posts (blank or absent: a neutral name derived from the account is shown instead).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub email: String,
    pub password: String,
    /// At most `MAX_DISPLAY_NAME_CHARS` characters, no control or invisible characters,
    /// no `@`. (`display_name` is the sign-up form's field name.)
    #[serde(
        default,
        alias = "display_name",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub display_name: Option<String>,
}

pub const MAX_DISPLAY_NAME_CHARS: usize = 40;

/// The signed-in user as the client may know it: nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    pub email: String,
    /// The name shown with the user's public posts: the chosen one, or the derived one.
    /// (Defaulted: a snapshot saved in the browser before it existed still reads.)
    #[serde(default)]
    pub display_name: String,
    pub created_at: i64,
    /// May use `/admin` (granted with `server admin grant EMAIL`).
    #[serde(default)]
    pub is_admin: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub user: UserView,
    pub session_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogoutRequest {
    #[serde(default, alias = "refresh_token")]
    pub refresh_token: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutResponse {
    pub success: bool,
    pub message: String,
    /// Unix seconds.
    pub timestamp: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogoutAllRequest {
    #[serde(default, alias = "keep_current")]
    pub keep_current: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutAllResponse {
    pub success: bool,
    pub message: String,
    pub revoked: usize,
    /// Unix seconds.
    pub timestamp: i64,
}

/// The error body of every failed API call and server function. `retryAfter` (seconds)
/// only in server-function errors; the JSON API sends it as the `Retry-After` header.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// One signed-in device in the user's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    /// "Chrome on Linux", parsed from the User-Agent.
    pub device: String,
    pub ip: Option<String>,
    /// The country of `ip` ("France"), from the server's local GeoIP database; absent when
    /// unknown (loopback and private addresses always are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub created_at: i64,
    pub last_active_at: i64,
    /// The session of the request that asked.
    pub current: bool,
}

/// The devices list of the profile page: every active session, the current one first,
/// and the server's time when it was read. Relative times ("2 hours ago") are counted
/// from `as_of`, so that the server's render and the browser's hydration say the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignedInDevices {
    /// Unix seconds.
    pub as_of: i64,
    pub sessions: Vec<SessionView>,
    /// The sessions that ended in the last `RECENTLY_ENDED_DAYS` days, the latest first (at
    /// most `RECENTLY_ENDED_MAX`): what a person checks after "was that me?".
    #[serde(default)]
    pub recently_ended: Vec<EndedSessionView>,
}

/// How far back "Recently signed out" looks (ended sessions are kept that long).
pub const RECENTLY_ENDED_DAYS: i64 = 30;
/// How many ended sessions the devices list shows at most.
pub const RECENTLY_ENDED_MAX: usize = 50;

/// A session that has ended, for "Recently signed out".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EndedSessionView {
    pub id: String,
    /// "Chrome on Linux", parsed from the User-Agent.
    pub device: String,
    pub ip: Option<String>,
    /// As in `SessionView::location`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub created_at: i64,
    pub ended_at: i64,
    /// Why it ended: a session-end reason (`sign_out`, `revoked_from_devices_list`,
    /// `password_changed`, …, as in the push channel's `session-ended`), or `expired`.
    pub ended_by: String,
}

/// One of the user's sessions in full, for its details page (`/profile/sessions/<id>`):
/// live, or ended in the last `RECENTLY_ENDED_DAYS` days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionDetails {
    pub id: String,
    /// "Firefox on macOS", parsed from the User-Agent.
    pub device: String,
    /// The User-Agent as the device sent it, for the curious.
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// As in `SessionView::location`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// When it signed in, and when it was last active (unix seconds).
    pub created_at: i64,
    pub last_active_at: i64,
    /// How it signed in: `browser` (the web app's sign-in or sign-up form) or `api` (the
    /// token API's password grant); either is then renewed by refresh.
    pub signed_in_with: String,
    /// The session of the request that asked.
    pub current: bool,
    /// When and why it ended (as `EndedSessionView::ended_by`); absent while it is live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
    /// The server's time when it was read ("2 hours ago" counts from it).
    pub as_of: i64,
}

/// `EndedSessionView::ended_by` of a session that ran out rather than being ended.
pub const ENDED_BY_EXPIRY: &str = "expired";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RevokeSessionRequest {
    pub session_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangeEmailRequest {
    pub current_password: String,
    pub new_email: String,
}

/// `POST /api/auth/account/delete`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeleteAccountRequest {
    pub current_password: String,
    /// Leave the published posts up, signed "Former member" (default: they go too).
    #[serde(default)]
    pub keep_published_posts: Option<bool>,
}

/// `POST /api/auth/reauthenticate`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReauthenticateRequest {
    pub password: String,
}

/// The session entered its password now: guarded actions are allowed for `maxAge` seconds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Reauthenticated {
    pub success: bool,
    /// Unix seconds.
    pub auth_time: i64,
    pub max_age: i64,
}

/// What an administrator types to end every session of every account.
pub const END_EVERY_SESSION_CONFIRMATION: &str = "end every session";

/// `POST /api/admin/sessions/revoke-all`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndEverySessionRequest {
    /// Exactly `end every session`.
    pub confirm: String,
}

/// An account as an administrator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminUser {
    pub id: String,
    pub email: String,
    /// Unix seconds.
    pub created_at: i64,
    pub disabled: bool,
    pub is_admin: bool,
    pub active_sessions: i64,
}

/// `GET /api/admin/users?email=`: accounts whose email contains the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUsers {
    pub users: Vec<AdminUser>,
}

/// `POST /api/auth/password-reset/request`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub email: String,
}

/// `POST /api/auth/password-reset/confirm`: the token of the mail's link, and the new
/// password.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordResetConfirm {
    pub token: String,
    pub new_password: String,
}

/// The same answer whatever was asked for: nothing about who has an account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    pub success: bool,
    pub message: String,
}

/// What a reset request is answered, whatever the address.
pub const RESET_REQUESTED: &str =
    "If an account has this address, a link to set a new password is on its way.";

/// The answer to any call that ends sessions.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsEnded {
    pub success: bool,
    pub message: String,
    pub revoked: usize,
    /// Unix seconds.
    pub timestamp: i64,
}

/// One line of the "Recent security activity" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    pub kind: String,
    pub at: i64,
    /// The device that did it ("Chrome on Android").
    pub device: String,
    /// For a device signed out from another (`session_revoked`): the device whose session
    /// ended, where `device` is the one that ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_device: Option<String>,
    pub ip: Option<String>,
}

/// One page of the security activity: the newest events, and whether older ones follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    pub more: bool,
}

/// How many activity events the profile shows at first, and adds with each "Show more".
pub const ACTIVITY_PAGE: u32 = 20;
/// The most it shows (and the API's largest `limit`).
pub const ACTIVITY_MAX: u32 = 200;

/// The stored `revoked_reason` of a session that its own device signed out (as opposed to
/// one ended from elsewhere), and the push channel's word for it.
pub const ENDED_BY_SIGN_OUT: &str = "sign_out";

/// Why a session ended, as the push channel (`GET /api/auth/events`, the data of its one
/// `session-ended` event) tells the page that holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// This device signed itself out (in another tab, or through the API).
    SignOut,
    /// Another device of the user signed out every device.
    SignOutEverywhere,
    /// Another device signed out every other device.
    SignOutOthers,
    /// Ended from another device's list, or for a reason the holder is not told (a reused
    /// refresh token: a thief must not learn it was detected).
    Revoked,
    PasswordChanged,
    EmailChanged,
    /// "Report a security concern", from any device of the user.
    SecurityConcern,
    /// A new sign-in found the account at its session cap; this session was the least
    /// recently active.
    SessionLimit,
    /// An administrator ended the account's sessions.
    Administrator,
    AccountDisabled,
    AccountDeleted,
}

impl SessionEnd {
    pub const ALL: [SessionEnd; 11] = [
        Self::SignOut,
        Self::SignOutEverywhere,
        Self::SignOutOthers,
        Self::Revoked,
        Self::PasswordChanged,
        Self::EmailChanged,
        Self::SecurityConcern,
        Self::SessionLimit,
        Self::Administrator,
        Self::AccountDisabled,
        Self::AccountDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignOut => ENDED_BY_SIGN_OUT,
            Self::SignOutEverywhere => "sign_out_everywhere",
            Self::SignOutOthers => "sign_out_others",
            Self::Revoked => "revoked",
            Self::PasswordChanged => "password_changed",
            Self::EmailChanged => "email_changed",
            Self::SecurityConcern => "security_concern",
            Self::SessionLimit => "session_limit",
            Self::Administrator => "administrator",
            Self::AccountDisabled => "account_disabled",
            Self::AccountDeleted => "account_deleted",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|end| end.as_str() == word)
    }
}

/// A blog post as readers see it. The author is named by their display name only: this
/// type goes to the public, so it carries no email address at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Post {
    pub id: String,
    pub title: String,
    pub body: String,
    pub published: bool,
    pub created_at: i64,
    pub author_name: String,
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;

/// What the app tells a person after an action, by the toast in the browser, or, after a
/// plain HTML form post (no JavaScript), by a one-time cookie the next page reads. One
/// list, so both ways say the same words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    SignedOut,
    /// A sign-out the server could not record yet (its database could not be reached).
    SignOutPending,
    SignedOutEverywhere,
    ConcernReported,
    OtherDevicesSignedOut(usize),
    DeviceSignedOut,
    PasswordChanged(usize),
    EmailChanged(usize),
    DraftSaved,
    DraftPublished,
    PostUpdated,
    PostUnpublished,
    PostDeleted,
    /// The account is gone, and this browser with it.
    AccountDeleted,
    /// The password was entered again: the action it guarded can be done now.
    Reauthenticated,
    /// An administrator ended a user's sessions (how many).
    UserSessionsEnded(usize),
    UserDisabled,
    UserEnabled,
    /// An administrator ended every session of every user.
    EverySessionEnded(usize),
    /// A password reset was asked for (said whatever the address).
    ResetRequested,
    /// A new password was set with a reset link.
    PasswordReset,
    /// "Not me": every session of the account ended.
    NotMeDone,
}

impl Notice {
    pub fn text(self) -> String {
        let devices = |n: usize| {
            if n == 1 {
                "1 other device".to_owned()
            } else {
                format!("{n} other devices")
            }
        };
        match self {
            Self::SignedOut => "You have been signed out".into(),
            Self::SignOutPending => "Signing out could not be finished: the server cannot \
                reach its database right now. This browser is signed out, and the server \
                will end the session everywhere as soon as it can. To be sure it has, sign in \
                again later, then sign out."
                .into(),
            Self::SignedOutEverywhere => "You have been signed out from all devices".into(),
            Self::ConcernReported => {
                "We signed you out on every device. Sign in again and change your password.".into()
            }
            // The button is disabled without other devices; a plain post can still say 0.
            Self::OtherDevicesSignedOut(0) => "There was no other device to sign out".into(),
            Self::OtherDevicesSignedOut(n) => format!("Signed out {}", devices(n)),
            Self::DeviceSignedOut => "The device has been signed out".into(),
            // The API's own wording of these answers.
            Self::PasswordChanged(n) => {
                format!("Password changed. {n} other session(s) signed out.")
            }
            Self::EmailChanged(n) => format!("Email changed. {n} other session(s) signed out."),
            Self::DraftSaved => "Draft saved".into(),
            Self::DraftPublished => "Published".into(),
            Self::PostUpdated => "Changes saved".into(),
            Self::PostUnpublished => "Unpublished: it is a private draft again".into(),
            Self::PostDeleted => "Post deleted".into(),
            Self::AccountDeleted => {
                "Your account has been deleted, and every session with it".into()
            }
            Self::Reauthenticated => "Password confirmed: you can carry on".into(),
            Self::UserSessionsEnded(n) => format!("Ended {n} session(s) of the user"),
            Self::UserDisabled => "The account is disabled, and its sessions have ended".into(),
            Self::UserEnabled => "The account is enabled: its owner can sign in again".into(),
            Self::EverySessionEnded(n) => format!("Ended every session: {n} in all"),
            Self::ResetRequested => RESET_REQUESTED.into(),
            Self::PasswordReset => {
                "Your new password is set, and every other session of your account has ended".into()
            }
            Self::NotMeDone => {
                "Every session of your account has ended. Now set a new password.".into()
            }
        }
    }

    /// A cookie-safe code (`others:3`), and back.
    pub fn code(self) -> String {
        match self {
            Self::SignedOut => "signed_out".into(),
            Self::SignOutPending => "sign_out_pending".into(),
            Self::SignedOutEverywhere => "signed_out_everywhere".into(),
            Self::ConcernReported => "concern_reported".into(),
            Self::OtherDevicesSignedOut(n) => format!("others:{n}"),
            Self::DeviceSignedOut => "device_signed_out".into(),
            Self::PasswordChanged(n) => format!("password:{n}"),
            Self::EmailChanged(n) => format!("email:{n}"),
            Self::DraftSaved => "draft_saved".into(),
            Self::DraftPublished => "draft_published".into(),
            Self::PostUpdated => "post_updated".into(),
            Self::PostUnpublished => "post_unpublished".into(),
            Self::PostDeleted => "post_deleted".into(),
            Self::AccountDeleted => "account_deleted".into(),
            Self::Reauthenticated => "reauthenticated".into(),
            Self::UserSessionsEnded(n) => format!("user_sessions:{n}"),
            Self::UserDisabled => "user_disabled".into(),
            Self::UserEnabled => "user_enabled".into(),
            Self::EverySessionEnded(n) => format!("every_session:{n}"),
            Self::ResetRequested => "reset_requested".into(),
            Self::PasswordReset => "password_reset".into(),
            Self::NotMeDone => "not_me_done".into(),
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        let (name, count) = match code.split_once(':') {
            Some((name, n)) => (name, Some(n.parse::<usize>().ok()?)),
            None => (code, None),
        };
        Some(match (name, count) {
            ("signed_out", None) => Self::SignedOut,
            ("sign_out_pending", None) => Self::SignOutPending,
            ("signed_out_everywhere", None) => Self::SignedOutEverywhere,
            ("concern_reported", None) => Self::ConcernReported,
            ("others", Some(n)) => Self::OtherDevicesSignedOut(n),
            ("device_signed_out", None) => Self::DeviceSignedOut,
            ("password", Some(n)) => Self::PasswordChanged(n),
            ("email", Some(n)) => Self::EmailChanged(n),
            ("draft_saved", None) => Self::DraftSaved,
            ("draft_published", None) => Self::DraftPublished,
            ("post_updated", None) => Self::PostUpdated,
            ("post_unpublished", None) => Self::PostUnpublished,
            ("post_deleted", None) => Self::PostDeleted,
            ("account_deleted", None) => Self::AccountDeleted,
            ("reauthenticated", None) => Self::Reauthenticated,
            ("user_sessions", Some(n)) => Self::UserSessionsEnded(n),
            ("user_disabled", None) => Self::UserDisabled,
            ("user_enabled", None) => Self::UserEnabled,
            ("every_session", Some(n)) => Self::EverySessionEnded(n),
            ("reset_requested", None) => Self::ResetRequested,
            ("password_reset", None) => Self::PasswordReset,
            ("not_me_done", None) => Self::NotMeDone,
            _ => return None,
        })
    }
}

/// What a page render learns from a plain form post that came just before it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub notice: Option<Notice>,
    /// The email typed into a sign-in or sign-up form that failed, so it is not lost.
    pub email: Option<String>,
    /// The display name typed into a sign-up form that failed: shown again, with what is
    /// wrong with it under it.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The device a plain "Revoke" signed out, so the notice can name it.
    #[serde(default)]
    pub device: Option<String>,
}

/// "Chrome on Linux has been signed out".
pub fn device_signed_out(device: &str) -> String {
    format!("{device} has been signed out")
}

impl Flash {
    /// The notice's words, naming the device when one was revoked.
    pub fn notice_text(&self) -> Option<String> {
        match (self.notice?, &self.device) {
            (Notice::DeviceSignedOut, Some(device)) => Some(device_signed_out(device)),
            (notice, _) => Some(notice.text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn every_notice_code_reads_back() {
        for notice in [
            Notice::SignedOut,
            Notice::SignOutPending,
            Notice::SignedOutEverywhere,
            Notice::ConcernReported,
            Notice::OtherDevicesSignedOut(3),
            Notice::DeviceSignedOut,
            Notice::PasswordChanged(0),
            Notice::EmailChanged(12),
            Notice::DraftSaved,
            Notice::DraftPublished,
            Notice::PostUpdated,
            Notice::PostUnpublished,
            Notice::PostDeleted,
            Notice::AccountDeleted,
            Notice::Reauthenticated,
            Notice::UserSessionsEnded(2),
            Notice::UserDisabled,
            Notice::UserEnabled,
            Notice::EverySessionEnded(7),
            Notice::ResetRequested,
            Notice::PasswordReset,
            Notice::NotMeDone,
        ] {
            assert_eq!(Notice::from_code(&notice.code()), Some(notice));
        }
        assert_eq!(Notice::from_code("others:x"), None);
        assert_eq!(Notice::from_code("signed_out:1"), None);
    }

    #[test]
    fn no_notice_ever_says_zero_devices_were_signed_out() {
        assert!(!Notice::OtherDevicesSignedOut(0).text().contains('0'));
        assert_eq!(
            Notice::OtherDevicesSignedOut(1).text(),
            "Signed out 1 other device"
        );
    }

    #[test]
    fn a_revoked_devices_notice_names_it() {
        let flash = super::Flash {
            notice: Some(Notice::DeviceSignedOut),
            device: Some("Safari on iPhone".into()),
            ..Default::default()
        };
        assert_eq!(
            flash.notice_text().as_deref(),
            Some("Safari on iPhone has been signed out")
        );
    }
}
