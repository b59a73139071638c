//! Posts and the names they carry: public posts name their author by a display name and
//! never by email; an author can edit, unpublish and delete their own posts, through the
//! JSON door and the form door, and nobody else's.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{spawn_app, unique_email, Backend, Browser, Caller, TestApp, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    a_display_name_chosen_at_sign_up_is_shown_and_the_email_never,
    without_a_display_name_a_neutral_one_is_derived,
    a_bad_display_name_is_refused_with_a_clear_400_and_no_account,
    the_sign_up_form_takes_a_display_name,
    an_author_edits_unpublishes_and_deletes_their_own_posts,
    someone_elses_post_is_not_found_and_left_untouched,
    plain_form_posts_of_post_changes_land_on_the_dashboard_with_a_notice,
    bad_edits_are_refused_with_400_and_unknown_posts_with_404,
);

async fn register(app: &TestApp, body: Value) -> (Browser, crate::harness::Reply) {
    let mut browser = app.browser();
    let res = browser.post("/api/auth/register", body).await;
    (browser, res)
}

/// Saves and publishes a post; returns its id.
async fn publish(browser: &mut Browser, title: &str) -> String {
    let saved = browser
        .post(
            "/api/posts/drafts",
            json!({"title": title, "body": "hello"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let id = saved.json.as_str().expect("the draft's id").to_owned();
    let published = browser.post("/api/posts/publish", json!({"id": id})).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    id
}

/// The caller's own post `id` as `/api/posts/mine` lists it.
async fn mine(browser: &mut Browser, id: &str) -> Option<Value> {
    let res = browser.get("/api/posts/mine").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json
        .as_array()
        .expect("a list")
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
}

async fn a_display_name_chosen_at_sign_up_is_shown_and_the_email_never(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = unique_email();
    let (mut author, res) = register(
        &app,
        json!({"email": email, "password": PASSWORD, "displayName": "  Grace Hopper "}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json["user"]["displayName"], "Grace Hopper");
    assert_eq!(
        author.me().await.json["user"]["displayName"],
        "Grace Hopper"
    );
    publish(&mut author, "Compilers").await;

    let listed = app.browser().get("/api/posts/published").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let post = &listed.json[0];
    assert_eq!(post["title"], "Compilers");
    assert_eq!(post["author_name"], "Grace Hopper");
    assert!(post.get("author_email").is_none(), "{post}");
    assert!(!listed.body.contains(&email), "{}", listed.body);
    // Not in the author's own list either: the type has no email field at all.
    let own = author.get("/api/posts/mine").await;
    assert!(!own.body.contains(&email) && own.body.contains("Grace Hopper"));

    // The public home, as the server renders it (its hydration data included).
    let home = app.browser().get("/").await;
    assert!(home.body.contains("Grace Hopper"), "{}", home.body);
    assert!(!home.body.contains(&email), "the home page names an email");
}

async fn without_a_display_name_a_neutral_one_is_derived(backend: Backend) {
    let app = spawn_app(backend).await;
    for body in [
        json!({"email": unique_email(), "password": PASSWORD}),
        json!({"email": unique_email(), "password": PASSWORD, "displayName": null}),
        json!({"email": unique_email(), "password": PASSWORD, "displayName": "   "}),
    ] {
        let (mut author, res) = register(&app, body.clone()).await;
        assert_eq!(res.status, StatusCode::CREATED, "{body}: {}", res.body);
        let name = res.json["user"]["displayName"].as_str().unwrap().to_owned();
        let id = res.json["user"]["id"].as_str().unwrap().replace('-', "");
        assert_eq!(name, format!("Member {}", &id[id.len() - 6..]), "{body}");
        let email = body["email"].as_str().unwrap();
        let local_part = email.split('@').next().unwrap();
        assert!(!name.contains(local_part));

        let title = format!("Post by {name}");
        publish(&mut author, &title).await;
        let listed = app.browser().get("/api/posts/published").await;
        let post = listed
            .json
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["title"] == title.as_str())
            .cloned()
            .expect("published");
        assert_eq!(post["author_name"], name.as_str());
        assert!(!listed.body.contains(email));
    }
}

async fn a_bad_display_name_is_refused_with_a_clear_400_and_no_account(backend: Backend) {
    let app = spawn_app(backend).await;
    for (name, says) in [
        (json!("grace@example.com"), "may not contain @"),
        (json!("x".repeat(41)), "at most 40 characters"),
        (json!("a\u{0}b"), "control or invisible"),
        (json!("tab\there"), "control or invisible"),
        (json!("evil\u{202E}gpj.exe"), "control or invisible"),
        // Blank to the eye, an address by a look-alike at sign, someone's given name.
        (json!("\u{3164}"), "control or invisible"),
        (json!("grace\u{FF20}example.com"), "may not contain @"),
        (json!("Member 3f2a9c"), "given to members who choose none"),
        // Not text at all: the body's own error.
        (json!(5), ""),
    ] {
        let email = unique_email();
        let (_, res) = register(
            &app,
            json!({"email": email, "password": PASSWORD, "displayName": name}),
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{name}: {}", res.body);
        let message = res.json["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{name}: {message}");
        let login = app.sign_in_with(&email, PASSWORD).await;
        assert_eq!(
            login.status,
            StatusCode::UNAUTHORIZED,
            "no account for {name}"
        );
    }
}

async fn the_sign_up_form_takes_a_display_name(backend: Backend) {
    let app = spawn_app(backend).await;
    // As the WASM client sends it, and as a plain form post.
    let mut client = app.browser();
    let email = unique_email();
    let fields = [
        ("email", email.as_str()),
        ("password", PASSWORD),
        ("display_name", "Ada"),
    ];
    let res = client
        .submit(
            Caller::WasmClient,
            "/api/auth/web/sign-up",
            &fields,
            "/register",
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["user"]["displayName"], "Ada");

    let mut plain = app.browser();
    let email = unique_email();
    let fields = [
        ("email", email.as_str()),
        ("password", PASSWORD),
        ("display_name", ""),
    ];
    let res = plain
        .submit(
            Caller::PlainForm,
            "/api/auth/web/sign-up",
            &fields,
            "/register",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.header("location"), Some("/dashboard"));
    let me = plain.me().await;
    assert!(me.json["user"]["displayName"]
        .as_str()
        .is_some_and(|n| n.starts_with("Member ")));

    // The old form, without the field, still works.
    let mut old = app.browser();
    let email = unique_email();
    let fields = [("email", email.as_str()), ("password", PASSWORD)];
    let res = old
        .submit(
            Caller::WasmClient,
            "/api/auth/web/sign-up",
            &fields,
            "/register",
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // A refused name comes back to the form with its reason.
    let mut refused = app.browser();
    let email = unique_email();
    let fields = [
        ("email", email.as_str()),
        ("password", PASSWORD),
        ("display_name", "me@example.com"),
    ];
    let res = refused
        .submit(
            Caller::WasmClient,
            "/api/auth/web/sign-up",
            &fields,
            "/register",
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(res.body.contains("display name"), "{}", res.body);
}

async fn an_author_edits_unpublishes_and_deletes_their_own_posts(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut author, _) = app.signed_up_browser().await;
    let id = publish(&mut author, "First title").await;

    let edited = author
        .post(
            "/api/posts/update",
            json!({"id": id, "title": "Second title", "body": "new body"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let post = mine(&mut author, &id).await.expect("still there");
    assert_eq!(post["title"], "Second title");
    assert_eq!(post["body"], "new body");
    assert!(app
        .browser()
        .get("/api/posts/published")
        .await
        .body
        .contains("Second title"));

    let unpublished = author.post("/api/posts/unpublish", json!({"id": id})).await;
    assert_eq!(unpublished.status, StatusCode::OK, "{}", unpublished.body);
    assert_eq!(mine(&mut author, &id).await.unwrap()["published"], false);
    let public = app.browser().get("/api/posts/published").await;
    assert!(!public.body.contains("Second title"), "a draft again");

    let deleted = author.post("/api/posts/delete", json!({"id": id})).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert!(mine(&mut author, &id).await.is_none());
    let again = author.post("/api/posts/delete", json!({"id": id})).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

async fn someone_elses_post_is_not_found_and_left_untouched(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut owner, _) = app.signed_up_browser().await;
    let id = publish(&mut owner, "Mine alone").await;
    let (mut other, _) = app.signed_up_browser().await;

    let json_doors = [
        (
            "/api/posts/update",
            json!({"id": id, "title": "Taken", "body": "x"}),
        ),
        ("/api/posts/unpublish", json!({"id": id})),
        ("/api/posts/publish", json!({"id": id})),
        ("/api/posts/delete", json!({"id": id})),
    ];
    for (path, body) in json_doors {
        let res = other.post(path, body).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
        assert_eq!(res.json["error"], "not_found", "{path}");
    }
    for caller in [Caller::WasmClient, Caller::PlainForm] {
        for (path, fields) in [
            (
                "/api/web/posts/edit",
                vec![("id", id.as_str()), ("title", "Taken"), ("body", "x")],
            ),
            ("/api/web/posts/unpublish", vec![("id", id.as_str())]),
            ("/api/web/posts/delete", vec![("id", id.as_str())]),
        ] {
            let res = other.submit(caller, path, &fields, "/dashboard").await;
            match caller {
                Caller::WasmClient => {
                    assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body)
                }
                // Back to the page with the error, not to the dashboard with a notice.
                Caller::PlainForm => {
                    let location = res.header("location").unwrap_or_default();
                    assert!(location.contains("__err="), "{path}: {location}");
                    assert!(res.set_cookie("flash").is_none(), "{path}");
                }
            }
        }
    }
    // Anonymous callers are turned away before any lookup.
    let anonymous = app
        .browser()
        .post("/api/posts/delete", json!({"id": id}))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let post = mine(&mut owner, &id).await.expect("not deleted");
    assert_eq!(post["title"], "Mine alone");
    assert_eq!(post["published"], true);
}

/// A form door, its fields, the notice code it leaves, and the notice's words.
type PlainStep<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);

async fn plain_form_posts_of_post_changes_land_on_the_dashboard_with_a_notice(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut author, _) = app.signed_up_browser().await;
    let id = publish(&mut author, "Plain").await;
    let id_field = ("id", id.as_str());
    let steps: [PlainStep; 4] = [
        (
            "/api/web/posts/edit",
            vec![id_field, ("title", "Plainer"), ("body", "no scripts")],
            "post_updated",
            "Changes saved",
        ),
        (
            "/api/web/posts/unpublish",
            vec![id_field],
            "post_unpublished",
            "Unpublished",
        ),
        (
            "/api/web/posts/publish",
            vec![id_field],
            "draft_published",
            "Published",
        ),
        (
            "/api/web/posts/delete",
            vec![id_field],
            "post_deleted",
            "Post deleted",
        ),
    ];
    for (path, fields, code, text) in steps {
        let res = author
            .submit(Caller::PlainForm, path, &fields, "/dashboard")
            .await;
        assert_eq!(res.status, StatusCode::FOUND, "{path}: {}", res.body);
        assert_eq!(res.header("location"), Some("/dashboard"), "{path}");
        let flash = res.set_cookie("flash").unwrap_or_default();
        assert!(
            flash.starts_with(&format!("flash={code};")),
            "{path}: {flash}"
        );
        let page = author.get("/dashboard").await;
        assert!(page.body.contains(text), "{path}: the notice is shown");
        if path.ends_with("edit") {
            assert_eq!(mine(&mut author, &id).await.unwrap()["title"], "Plainer");
        }
    }
    assert!(mine(&mut author, &id).await.is_none(), "deleted");
}

async fn bad_edits_are_refused_with_400_and_unknown_posts_with_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut author, _) = app.signed_up_browser().await;
    let id = publish(&mut author, "Kept").await;
    for body in [
        json!({"id": id, "title": "", "body": "x"}),
        json!({"id": id, "title": "t".repeat(201), "body": "x"}),
        json!({"id": id, "title": "a\u{0}b", "body": "x"}),
        json!({"id": id, "title": "ok", "body": "a\u{0}b"}),
        json!({"id": id, "title": "ok"}),
    ] {
        let res = author.post("/api/posts/update", body.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.body);
    }
    assert_eq!(mine(&mut author, &id).await.unwrap()["title"], "Kept");
    for path in [
        "/api/posts/delete",
        "/api/posts/unpublish",
        "/api/posts/publish",
    ] {
        for unknown in ["no-such-post", "\u{0}"] {
            let res = author.post(path, json!({"id": unknown})).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path} {unknown:?}");
        }
    }
    // The edit page of an unknown post says so rather than failing.
    let page = author.get("/dashboard?edit=no-such-post").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("cannot be edited"), "{}", page.body);
    let page = author.get(&format!("/dashboard?edit={id}")).await;
    assert!(page.body.contains("Save changes") && page.body.contains("Kept"));
}
