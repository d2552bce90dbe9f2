//! Administration of staff accounts, on the backend under test: disabling
//! and re-enabling an account, a generated password reset, roles and TOTP.

use sen_app::accounts::NewGrant;
use sen_app::{Actor, App, AppError};
use sen_store::events::{self, EventFilter};
use sen_store::testing::TestDb;

const PW: &str = sen_app::demo::DEMO_PASSWORD;

async fn app() -> (App, TestDb) {
    let t = TestDb::new().await;
    let app = App::new(t.db.clone(), sen_app::Settings::default());
    app.load_demo().await.unwrap();
    (app, t)
}

async fn staff(app: &App, username: &str) -> Actor {
    let a = app.account_by_username(username).await.unwrap();
    Actor::Staff {
        id: a.id,
        tenant_id: a.tenant_id,
        username: a.username.clone(),
        grants: sen_store::accounts::grants(&app.db, a.id).await.unwrap(),
    }
}

async fn actions_on(app: &App, id: uuid::Uuid) -> Vec<String> {
    events::list(
        &app.db,
        &EventFilter {
            object_type: Some("account".into()),
            object_id: Some(id.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|e| e.action)
    .collect()
}

#[tokio::test]
async fn an_administrator_disables_and_re_enables_an_account() {
    let (app, _t) = app().await;
    let admin = staff(&app, "quantri").await;
    let desk = app.account_by_username("motcua").await.unwrap();
    let session = app.sign_in("motcua", PW, "10.0.0.1").await.unwrap();
    assert!(app.actor_for_token(&session.token).await.unwrap().is_some());

    // Only whoever manages accounts on the account's units may do it.
    let officer = staff(&app, "lanhdao").await;
    assert!(matches!(
        app.set_account_active(&officer, desk.id, false).await,
        Err(AppError::Forbidden(_))
    ));
    // Nobody locks themselves out.
    let me = app.account_by_username("quantri").await.unwrap();
    assert!(matches!(
        app.set_account_active(&admin, me.id, false).await,
        Err(AppError::Conflict { .. })
    ));

    assert!(app
        .set_account_active(&admin, desk.id, false)
        .await
        .unwrap());
    assert!(
        !app.set_account_active(&admin, desk.id, false)
            .await
            .unwrap(),
        "disabling twice changes nothing"
    );
    assert_eq!(app.account_by_id(desk.id).await.unwrap().status, "disabled");
    // Its open session ends at once, and the right password no longer works.
    assert!(app.actor_for_token(&session.token).await.unwrap().is_none());
    assert!(matches!(
        app.sign_in("motcua", PW, "10.0.0.1").await,
        Err(AppError::BadCredentials)
    ));

    assert!(app.set_account_active(&admin, desk.id, true).await.unwrap());
    app.sign_in("motcua", PW, "10.0.0.1").await.unwrap();
    let acts = actions_on(&app, desk.id).await;
    assert!(
        acts.contains(&"account.disabled".to_string())
            && acts.contains(&"account.enabled".to_string()),
        "{acts:?}"
    );
    assert_eq!(
        acts.iter().filter(|a| *a == "account.disabled").count(),
        1,
        "no event when nothing changed"
    );
    let v = app.verify_log(&Actor::Operator).await.unwrap();
    assert!(v.tamper.is_none() && v.head_matches);
}

#[tokio::test]
async fn a_generated_password_replaces_the_old_one() {
    let (app, _t) = app().await;
    let admin = staff(&app, "quantri").await;
    let user = app.account_by_username("chuyenvien").await.unwrap();
    let old = app.sign_in("chuyenvien", PW, "10.0.0.2").await.unwrap();
    let new = app.reset_password_generated(&admin, user.id).await.unwrap();
    assert_ne!(new, PW);
    assert!(sen_domain::auth::validate_password(&new).is_ok());
    assert!(app.actor_for_token(&old.token).await.unwrap().is_none());
    assert!(matches!(
        app.sign_in("chuyenvien", PW, "10.0.0.2").await,
        Err(AppError::BadCredentials)
    ));
    app.sign_in("chuyenvien", &new, "10.0.0.2").await.unwrap();
    // Another reset gives another password.
    let again = app.reset_password_generated(&admin, user.id).await.unwrap();
    assert_ne!(again, new);
    // A specialist cannot reset anyone's password.
    let other = staff(&app, "chuyenvienxd").await;
    assert!(app.reset_password_generated(&other, user.id).await.is_err());
    assert!(actions_on(&app, user.id)
        .await
        .contains(&"account.password_reset".to_string()));
}

#[tokio::test]
async fn roles_are_granted_and_revoked_and_totp_turned_off() {
    let (app, _t) = app().await;
    let admin = staff(&app, "quantri").await;
    let user = app.account_by_username("chuyenvien").await.unwrap();
    let units = app.units(&admin, user.tenant_id, None).await.unwrap();
    let unit = |code: &str| units.iter().find(|u| u.code == code).unwrap().id;
    let extra = NewGrant {
        role: "one_stop_officer".into(),
        unit_id: unit("H99.05"),
    };
    assert!(app
        .grant_role(&admin, user.id, extra.clone())
        .await
        .unwrap());
    assert!(!app
        .grant_role(&admin, user.id, extra.clone())
        .await
        .unwrap());
    let a = staff(&app, "chuyenvien").await;
    let Actor::Staff { grants, .. } = &a else {
        unreachable!()
    };
    assert_eq!(grants.len(), 2);
    assert!(app
        .revoke_role(&admin, user.id, extra.clone())
        .await
        .unwrap());
    assert!(!app.revoke_role(&admin, user.id, extra).await.unwrap());
    let acts = actions_on(&app, user.id).await;
    assert_eq!(
        (
            acts.iter().filter(|a| *a == "role.granted").count(),
            acts.iter().filter(|a| *a == "role.revoked").count()
        ),
        (1, 1),
        "{acts:?}"
    );

    // TOTP enrolled by the user, turned off by the administrator.
    let me = staff(&app, "chuyenvien").await;
    app.totp_begin(&me).await.unwrap();
    let stored = app
        .account_by_id(user.id)
        .await
        .unwrap()
        .totp_secret
        .unwrap();
    let key = hex::decode(stored).unwrap();
    let code = sen_domain::auth::totp(&key, chrono::Utc::now().timestamp());
    app.totp_confirm(&me, &code).await.unwrap();
    assert!(app.account_by_id(user.id).await.unwrap().totp_enabled);
    assert!(
        app.sign_in("chuyenvien", PW, "10.0.0.3")
            .await
            .unwrap()
            .totp_required
    );
    app.totp_disable(&admin, user.id).await.unwrap();
    assert!(!app.account_by_id(user.id).await.unwrap().totp_enabled);
    assert!(
        !app.sign_in("chuyenvien", PW, "10.0.0.3")
            .await
            .unwrap()
            .totp_required
    );
}
