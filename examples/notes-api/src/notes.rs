//! The resource itself: each user's notes, in memory. Only here to show a protected route;
//! replace it with your own.

use std::collections::HashMap;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::Authenticated;
use crate::{unix_now, AppState};

pub const MAX_NOTE_CHARS: usize = 1000;
/// Keeps one user from filling this process's memory.
pub const MAX_NOTES_PER_USER: usize = 1000;

#[derive(Clone, Debug, Serialize)]
pub struct Note {
    pub id: String,
    pub text: String,
    #[serde(rename = "createdAt")]
    pub created_at: i64,
}

/// Notes by user id.
pub type Notebook = HashMap<String, Vec<Note>>;

#[derive(Deserialize)]
pub struct NewNote {
    text: String,
}

pub async fn list_notes(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
) -> Response {
    let notes = state
        .notebook()
        .get(&claims.sub)
        .cloned()
        .unwrap_or_default();
    Json(json!({ "notes": notes })).into_response()
}

pub async fn create_note(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
    input: Result<Json<NewNote>, JsonRejection>,
) -> Response {
    let text = match input {
        Ok(Json(NewNote { text })) => text,
        Err(_) => return invalid("the body must be JSON: {\"text\": \"...\"}"),
    };
    if text.trim().is_empty() {
        return invalid("text must not be empty");
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return invalid("text must be at most 1000 characters");
    }
    let mut notebook = state.notebook();
    let notes = notebook.entry(claims.sub).or_default();
    if notes.len() >= MAX_NOTES_PER_USER {
        let body = json!({"error": "too_many_notes", "message": "this example keeps at most 1000 notes per user"});
        return (StatusCode::CONFLICT, Json(body)).into_response();
    }
    let note = Note {
        id: uuid::Uuid::now_v7().to_string(),
        text,
        created_at: unix_now(),
    };
    notes.push(note.clone());
    (StatusCode::CREATED, Json(note)).into_response()
}

fn invalid(message: &str) -> Response {
    let body = json!({"error": "invalid_request", "message": message});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
