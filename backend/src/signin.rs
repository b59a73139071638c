//! Starting sessions (register, sign in) and continuing them (refresh). The HTTP layer
//! decides whether the tokens travel as cookies or as JSON; this module does not care.

use super::access_grant::{self, AccessGrant};
use super::audit::{self, AuditEvent, AuditKind, ClientInfo};
use super::clock::UnixTime;
use super::db;
use super::error::{ApiError, ApiResult};
use super::password::{hash_password, verify_password};
use super::rate_limit::{Slot, SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_IP};
use super::secret::Secret;
use super::sessions::{self, RefreshOutcome, RevokeReason};
use super::signout::{self, Revoked};
use super::state::AppState;
use super::tokens::{hash_refresh_token, AccessClaims};
use super::users::{self, CreateUser, RowLock, User};

pub use wire::rules::MAX_PASSWORD_CHARS;

/// Tokens handed out for a session.
pub struct IssuedTokens {
    pub user: User,
    pub access_token: Secret,
    pub access_claims: AccessClaims,
    /// `None` when an access token was re-issued without rotating (the grace window).
    pub refresh_token: Option<Secret>,
}

pub fn validate_new_password(password: &str) -> ApiResult<()> {
    match wire::rules::new_password_problem(password) {
        Some(problem) => Err(ApiError::InvalidInput(problem)),
        None => Ok(()),
    }
}

pub async fn register(
    state: &AppState,
    email: &str,
    display_name: Option<&str>,
    password: Secret,
    client: &ClientInfo,
) -> ApiResult<IssuedTokens> {
    // The words the browser shows beside the field, from the same rule.
    if let Some(problem) = wire::rules::email_problem(email) {
        return Err(ApiError::InvalidInput(problem.into()));
    }
    let email = users::normalize_email(email);
    let display_name = super::display_name::validate(display_name)?;
    validate_new_password(password.expose())?;
    let hash = hash_password(password).await?;
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let user = match users::create(&mut tx, &email, display_name.as_deref(), &hash, now).await? {
        CreateUser::Created(user) => user,
        CreateUser::EmailTaken => return Err(ApiError::EmailTaken),
    };
    let session = sessions::create(&mut tx, &user.id, client, state.session_policy(), now).await?;
    let grant = grant_access(state, &mut tx, &user.id, &session.session_id, now).await?;
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
        grant,
        Some(session.refresh_token),
        now,
    )
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
    let verified_hash = hash.clone();
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
    // The password was checked against the account as it was before the Argon2 work. A
    // password or email change may have committed since: under the user's row lock (which
    // the change holds until it commits), the credentials checked must still be the
    // account's, or this sign-in would open a session with the old ones after the change
    // ended every other session.
    //
    // Exclusively: the session cap counts the user's sessions, and two sign-ins of one
    // user counting at once would both find room.
    let current = users::lock(&mut tx, state.dialect, &user.id, RowLock::Exclusive).await?;
    let checked_hash = verified_hash.map(|h| h.0).unwrap_or_default();
    let Some(current) = current.filter(|c| c.email == email && c.password_hash.0 == checked_hash)
    else {
        return Err(ApiError::InvalidCredentials);
    };
    // Said only to whoever knows the password.
    if !current.is_active() {
        return Err(ApiError::AccountDisabled);
    }
    let made_room = make_room(state, &mut tx, &user.id, client, now).await?;
    let session = sessions::create(&mut tx, &user.id, client, state.session_policy(), now).await?;
    let new_device = tell_of_new_device(
        state,
        &mut tx,
        &current.email,
        &user.id,
        &session.session_id,
        client,
        now,
    )
    .await?;
    let grant = grant_access(state, &mut tx, &user.id, &session.session_id, now).await?;
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
    made_room.apply_to(state);
    if new_device {
        state.mail_committed();
    }
    issue(
        state,
        user,
        &session.session_id,
        grant,
        Some(session.refresh_token),
        now,
    )
}

/// At `MAX_SESSIONS_PER_USER`, a new sign-in ends the least recently active sessions
/// until it fits (the documented policy: the newest device wins, the one unused longest
/// goes). Runs under the user's exclusive row lock, so concurrent sign-ins count one
/// after the other and the cap holds.
async fn make_room(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> ApiResult<Revoked> {
    let Some(cap) = state.config.max_sessions_per_user else {
        return Ok(Revoked::default());
    };
    let beyond = sessions::beyond_most_recent(conn, user_id, cap - 1, now).await?;
    if beyond.is_empty() {
        return Ok(Revoked::default());
    }
    let revoked = signout::end_these(
        conn,
        state,
        user_id,
        &beyond,
        RevokeReason::SessionLimit,
        now,
    )
    .await?;
    for session_id in &beyond {
        let event = AuditEvent {
            kind: AuditKind::SessionLimit,
            user_id: Some(user_id),
            session_id: Some(session_id),
            client,
            detail: Some(format!("the session cap is {cap}")),
        };
        audit::record(conn, event, now).await?;
    }
    Ok(revoked)
}

/// A sign-in from a device and browser (as its label says: "Firefox on Windows") that this
/// account has not been used on before: the owner is told by mail, with the "Not me" link.
/// Returns whether a mail was written.
async fn tell_of_new_device(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    email: &str,
    user_id: &str,
    session_id: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> ApiResult<bool> {
    let device = crate::devices::device_label(client.user_agent.as_deref());
    let known = sessions::other_user_agents(conn, user_id, session_id).await?;
    if known
        .iter()
        .any(|ua| crate::devices::device_label(ua.as_deref()) == device)
    {
        return Ok(false);
    }
    let ip = client.ip.as_deref();
    crate::mail::security_notice(conn, state, user_id, now, |link| {
        crate::mail::messages::new_sign_in(email, &device, ip, now, link)
    })
    .await?;
    Ok(true)
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
    /// The token's account was disabled by an administrator.
    AccountDisabled,
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
    let rotation = sessions::Rotation {
        token_hash: hash_refresh_token(presented),
        policy: state.session_policy(),
        allow_grace,
        access_ttl: state.keys.access_ttl(),
        client: client.clone(),
        now,
    };
    let outcome = state.rotations.rotate(rotation).await?;
    let (user, session_id, refresh_token, grant) = match outcome {
        RefreshOutcome::Continued {
            user,
            session_id,
            refresh_token,
            grant,
        } => (user, session_id, refresh_token, grant),
        RefreshOutcome::Invalid => return refused_or_disabled(state, presented).await,
        RefreshOutcome::Expired => return Ok(Refreshed::Expired),
        // A copy of the token exists somewhere.
        RefreshOutcome::Reused {
            user_id,
            session_id,
        } => {
            signout::revoke_for_refresh_reuse(state, &session_id, &user_id, client).await?;
            return Ok(Refreshed::Refused);
        }
    };
    Ok(Refreshed::Tokens(Box::new(issue(
        state,
        user,
        &session_id,
        grant,
        refresh_token,
        now,
    )?)))
}

/// A refused refresh token of a disabled account says so, so that its holder is told why
/// (its sessions all ended when it was disabled).
async fn refused_or_disabled(state: &AppState, presented: &Secret) -> ApiResult<Refreshed> {
    let Some(session) = sessions::session_of_refresh_token(&state.db, presented).await? else {
        return Ok(Refreshed::Refused);
    };
    Ok(match users::standing(&state.db, &session.user_id).await? {
        Some(users::Standing::Disabled) => Refreshed::AccountDisabled,
        _ => Refreshed::Refused,
    })
}

/// Grants a session just created inside `conn`'s transaction its first tokens (a password
/// reset signs its browser in this way). Issued once the caller commits.
pub async fn start_session_in(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    session: sessions::NewSession,
    now: UnixTime,
) -> ApiResult<IssuedTokens> {
    let grant = grant_access(state, conn, user_id, &session.session_id, now).await?;
    let user = users::find_by_id_in(conn, user_id)
        .await?
        .ok_or(ApiError::InvalidRefreshToken)?;
    issue(
        state,
        user,
        &session.session_id,
        grant,
        Some(session.refresh_token),
        now,
    )
}

/// Grants the new session's first access token inside the transaction that starts it.
async fn grant_access(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    session_id: &str,
    now: UnixTime,
) -> ApiResult<AccessGrant> {
    let ttl = state.keys.access_ttl();
    access_grant::grant(conn, state.dialect, user_id, session_id, ttl, now)
        .await?
        // Only a session that ended (or a user deleted) in the same transaction has none.
        .ok_or(ApiError::InvalidRefreshToken)
}

/// Signs the access token `grant` allows (its version and expiry, already recorded on
/// the session).
fn issue(
    state: &AppState,
    mut user: User,
    session_id: &str,
    grant: AccessGrant,
    refresh_token: Option<Secret>,
    now: UnixTime,
) -> ApiResult<IssuedTokens> {
    user.token_version = grant.version;
    let (access_token, access_claims) =
        state
            .keys
            .issue(&user.id, session_id, grant.version, now, grant.expires_at)?;
    Ok(IssuedTokens {
        user,
        access_token,
        access_claims,
        refresh_token,
    })
}
