//! The token API's grants (RFC 6749 §4.3 and §6), for clients that are not browsers: the
//! resource-owner password grant and the refresh grant. The tokens travel in the answer.

use crate::audit::{ClientInfo, ClientKind};
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::REFRESH_PER_IP;
use crate::secret::Secret;
use crate::signin::{self, IssuedTokens, Refreshed};
use crate::state::AppState;

use super::ip_key;
use super::sessions::record_ids;

/// What an API client offers for tokens.
pub enum Grant {
    Password { username: String, password: Secret },
    RefreshToken(Secret),
}

/// Issues tokens for a grant. A grant that is refused (wrong credentials; a refresh token
/// that is invalid, revoked, reused or of a session that ended meanwhile) is
/// `InvalidCredentials` or `InvalidRefreshToken`, which the token endpoint answers as
/// `invalid_grant`.
#[tracing::instrument(name = "grant_tokens", skip_all, fields(user_id, session_id))]
pub async fn grant_tokens(
    state: &AppState,
    client: &ClientInfo,
    grant: Grant,
) -> ApiResult<IssuedTokens> {
    // Sessions started here are API sessions: no refresh grace, ever.
    let client = ClientInfo {
        kind: ClientKind::Api,
        ..client.clone()
    };
    let tokens = match grant {
        Grant::Password { username, password } => {
            signin::sign_in(state, &username, password, &client).await?
        }
        Grant::RefreshToken(refresh_token) => {
            state.rate_limit(REFRESH_PER_IP, &ip_key(&client))?;
            // No grace window: an API client holds one token, so a second use is a copy.
            match signin::refresh(state, &refresh_token, false, &client).await? {
                Refreshed::Tokens(tokens) => *tokens,
                Refreshed::Refused | Refreshed::Expired => {
                    return Err(ApiError::InvalidRefreshToken)
                }
                Refreshed::AccountDisabled => return Err(ApiError::AccountDisabled),
            }
        }
    };
    record_ids(&tokens.access_claims.sub, &tokens.access_claims.sid);
    Ok(tokens)
}
