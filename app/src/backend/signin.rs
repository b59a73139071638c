//! Starting sessions (register, sign in) and continuing them (refresh). The HTTP layer
//! decides whether the tokens travel as cookies or as JSON; this module does not care.

use super::audit::{self, AuditEvent, AuditKind, ClientInfo};
use super::db;
use super::error::{ApiError, ApiResult};
use super::password::{hash_password, verify_password};
use super::rate_limit::{Slot, SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_IP};
use super::secret::Secret;
use super::sessions::{self, RefreshOutcome};
use super::signout;
use super::state::AppState;
use super::tokens::AccessClaims;
use super::users::{self, CreateUser, User};

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Argon2 cost grows with input; a cap keeps one request from being a denial of service.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Tokens handed out for a session.
pub struct IssuedTokens {
    pub user: User,
    pub access_token: Secret,
    pub access_claims: AccessClaims,
    /// `None` when an access token was re-issued without rotating (the grace window).
    pub refresh_token: Option<Secret>,
}

pub fn validate_new_password(password: &str) -> ApiResult<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(ApiError::InvalidInput(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(ApiError::InvalidInput(format!(
            "the password must have at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

pub async fn register(
    state: &AppState,
    email: &str,
    password: Secret,
    client: &ClientInfo,
) -> ApiResult<IssuedTokens> {
    let email = users::normalize_email(email);
    if !users::is_plausible_email(&email) {
        return Err(ApiError::InvalidInput("enter a valid email address".into()));
    }
    validate_new_password(password.expose())?;
    let hash = hash_password(password).await?;
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let user = match users::create(&mut tx, &email, &hash, now).await? {
        CreateUser::Created(user) => user,
        CreateUser::EmailTaken => return Err(ApiError::EmailTaken),
    };
    let session = sessions::create(&mut tx, &user.id, client, state.session_policy(), now).await?;
    audit::record(
        &mut tx,
        AuditEvent {
            kind: AuditKind::SignUp,
            user_id: Some(&user.id),
            session_id: Some(&session.session_id),
            client,
            detail: None,
        },
        now,
    )
    .await?;
    db::commit(tx).await?;
    issue(
        state,
        user,
        &session.session_id,
        Some(session.refresh_token),
    )
    .await
}

pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: Secret,
    client: &ClientInfo,
) -> ApiResult<IssuedTokens> {
    let email = users::normalize_email(email);
    let ip_key = client.ip.clone().unwrap_or_default();
    // Slots are taken before the password is verified, so a burst sent at once can never
    // evaluate more guesses than the limits allow.
    let attempt = SignInAttempt::reserve(state, &ip_key, &email)?;
    // Control characters (NUL above all, which PostgreSQL refuses in text) are no email.
    if email.is_empty()
        || email.chars().any(char::is_control)
        || password.expose().is_empty()
        || password.expose().chars().count() > MAX_PASSWORD_CHARS
    {
        // Nothing was verified: no guess to count.
        attempt.refund();
        return Err(ApiError::InvalidCredentials);
    }
    let result = verify_and_start_session(state, &email, password, client).await;
    // Only an answered wrong guess keeps its slots. A user who types the right password
    // is not slowed by their own successes, and an attempt the database could not serve
    // (a 503) told the caller nothing.
    if !matches!(result, Err(ApiError::InvalidCredentials)) {
        attempt.refund();
    }
    result
}

async fn verify_and_start_session(
    state: &AppState,
    email: &str,
    password: Secret,
    client: &ClientInfo,
) -> ApiResult<IssuedTokens> {
    let now = state.clock.now();
    let found = users::find_by_email(&state.db, email).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    // Runs the same Argon2 work whether or not the account exists.
    let matches = verify_password(password, hash).await?;
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let Some(user) = user.filter(|_| matches) else {
        audit::record(
            &mut tx,
            AuditEvent {
                kind: AuditKind::SignInFailed,
                user_id: None,
                session_id: None,
                client,
                detail: None,
            },
            now,
        )
        .await?;
        db::commit(tx).await?;
        return Err(ApiError::InvalidCredentials);
    };
    let session = sessions::create(&mut tx, &user.id, client, state.session_policy(), now).await?;
    audit::record(
        &mut tx,
        AuditEvent {
            kind: AuditKind::SignIn,
            user_id: Some(&user.id),
            session_id: Some(&session.session_id),
            client,
            detail: None,
        },
        now,
    )
    .await?;
    db::commit(tx).await?;
    issue(
        state,
        user,
        &session.session_id,
        Some(session.refresh_token),
    )
    .await
}

/// The slots one sign-in attempt holds: one per client IP, one per account.
struct SignInAttempt {
    per_ip: Slot,
    per_account: Slot,
}

impl SignInAttempt {
    fn reserve(state: &AppState, ip_key: &str, email: &str) -> ApiResult<Self> {
        let per_ip = state.reserve(SIGN_IN_PER_IP, ip_key)?;
        match state.reserve(SIGN_IN_PER_ACCOUNT, email) {
            Ok(per_account) => Ok(Self {
                per_ip,
                per_account,
            }),
            Err(refused) => {
                // Refused before any verification: the IP's slot was not used.
                per_ip.refund();
                Err(refused)
            }
        }
    }

    fn refund(self) {
        self.per_ip.refund();
        self.per_account.refund();
    }
}

/// What came of presenting a refresh token.
pub enum Refreshed {
    Tokens(Box<IssuedTokens>),
    /// The session ran out (absolute lifetime or idle timeout).
    Expired,
    /// Invalid, revoked, or reused (in which case the session is now revoked).
    Refused,
}

/// Exchanges a refresh token. `allow_grace` lets a token rotated moments ago by another
/// tab of the same browser get a fresh access token (the browser already holds the new
/// refresh cookie); API clients hold exactly one token and get no such allowance.
pub async fn refresh(
    state: &AppState,
    presented: &Secret,
    allow_grace: bool,
    client: &ClientInfo,
) -> ApiResult<Refreshed> {
    let now = state.clock.now();
    let outcome = sessions::rotate_refresh_token(
        &state.db,
        state.dialect,
        presented,
        state.session_policy(),
        client,
        now,
    )
    .await?;
    let (user_id, session_id, refresh_token) = match outcome {
        RefreshOutcome::Rotated {
            user_id,
            session_id,
            refresh_token,
        } => (user_id, session_id, Some(refresh_token)),
        RefreshOutcome::RotatedWithinGrace {
            user_id,
            session_id,
        } if allow_grace => (user_id, session_id, None),
        RefreshOutcome::Invalid => return Ok(Refreshed::Refused),
        RefreshOutcome::Expired => return Ok(Refreshed::Expired),
        // Outside the grace window, or an API client (which has no racing tabs): a copy
        // of the token exists somewhere.
        RefreshOutcome::RotatedWithinGrace {
            user_id,
            session_id,
        }
        | RefreshOutcome::Reused {
            user_id,
            session_id,
        } => {
            signout::revoke_for_refresh_reuse(state, &session_id, &user_id, client).await?;
            return Ok(Refreshed::Refused);
        }
    };
    let Some(user) = users::find_by_id(&state.db, &user_id).await? else {
        return Ok(Refreshed::Refused);
    };
    Ok(Refreshed::Tokens(Box::new(
        issue(state, user, &session_id, refresh_token).await?,
    )))
}

/// Issues an access token that cannot outlive its session: its expiry is capped at the
/// session's absolute end and at its idle deadline.
async fn issue(
    state: &AppState,
    user: User,
    session_id: &str,
    refresh_token: Option<Secret>,
) -> ApiResult<IssuedTokens> {
    let now = state.clock.now();
    // The session ended while this request ran (a sign-out elsewhere): issue nothing.
    let deadline = sessions::deadline(&state.db, session_id)
        .await?
        .ok_or(ApiError::InvalidRefreshToken)?;
    let (access_token, access_claims) =
        state
            .keys
            .issue(&user.id, session_id, user.token_version, now, deadline)?;
    Ok(IssuedTokens {
        user,
        access_token,
        access_claims,
        refresh_token,
    })
}
