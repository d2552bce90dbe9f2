//! The storage story, run on whichever backend TEST_DATABASE_URL names.
//! The test script runs it on SQLite and on PostgreSQL.

use sen_domain::audit::NewEvent;
use sen_store::org::{Tenant, Unit};
use sen_store::testing::TestDb;
use sen_store::{events, new_id, now_utc, org, StoreError};
use serde_json::json;

fn unit(tenant: uuid::Uuid, parent: Option<uuid::Uuid>, code: &str, name: &str) -> Unit {
    let now = now_utc();
    Unit {
        id: new_id(),
        tenant_id: tenant,
        parent_id: parent,
        code: code.into(),
        abbreviation: "UBND".into(),
        name: name.into(),
        kind: "department".into(),
        status: "active".into(),
        merged_into: None,
        created_at: now.clone(),
        updated_at: now,
    }
}

async fn tenant(t: &TestDb) -> uuid::Uuid {
    let id = new_id();
    let mut tx = t.db.begin().await.unwrap();
    org::insert_tenant(
        &mut tx,
        &Tenant {
            id,
            code: "H12".into(),
            name: "Tỉnh Thử".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn backend_under_test_is_reported() {
    let t = TestDb::new().await;
    // Printed so the test log shows which backend ran the story.
    println!("storage story backend: {}", t.db.backend().name());
    t.db.ping().await.unwrap();
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let t = TestDb::new().await;
    assert!(
        t.db.migrate().await.unwrap().is_empty(),
        "second run applied something"
    );
    assert_eq!(
        t.db.schema_version().await.unwrap(),
        sen_store::Db::known_schema_version()
    );
}

#[tokio::test]
async fn units_unique_codes_unicode_and_search() {
    let t = TestDb::new().await;
    let ten = tenant(&t).await;
    let root = unit(ten, None, "H12", "Ủy ban nhân dân tỉnh Hà Nam Ninh");
    let child = unit(ten, Some(root.id), "H12.01", "Sở Tư pháp");
    let mut tx = t.db.begin().await.unwrap();
    org::insert_unit(&mut tx, &root).await.unwrap();
    org::insert_unit(&mut tx, &child).await.unwrap();
    tx.commit().await.unwrap();

    let got = org::unit(&t.db, child.id).await.unwrap().unwrap();
    assert_eq!(
        got, child,
        "round trip keeps every field, diacritics included"
    );
    let found = org::units(&t.db, ten, Some("ha nam")).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, root.id);
    assert_eq!(
        org::units(&t.db, ten, Some("TU PHAP")).await.unwrap()[0].id,
        child.id
    );
    // Ancestors, nearest first, in one statement; none for a root or an
    // unknown unit; a cycle is an error, not a loop.
    let grandchild = unit(ten, Some(child.id), "H12.01.01", "Phòng Hộ tịch");
    let mut tx = t.db.begin().await.unwrap();
    org::insert_unit(&mut tx, &grandchild).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = t.db.pool().acquire().await.unwrap();
    assert_eq!(
        org::ancestors(&mut conn, child.id).await.unwrap(),
        vec![root.id]
    );
    assert_eq!(
        org::ancestors(&mut conn, grandchild.id).await.unwrap(),
        vec![child.id, root.id]
    );
    assert!(org::ancestors(&mut conn, root.id).await.unwrap().is_empty());
    assert!(org::ancestors(&mut conn, uuid::Uuid::nil())
        .await
        .unwrap()
        .is_empty());
    let mut tx = t.db.begin().await.unwrap();
    sqlx::query("UPDATE units SET parent_id = $1 WHERE id = $2")
        .bind(grandchild.id.to_string())
        .bind(root.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let cyclic = org::ancestors(&mut *tx, child.id).await;
    assert!(
        matches!(&cyclic, Err(StoreError::Corrupt { .. })),
        "{cyclic:?}"
    );
    tx.rollback().await.unwrap();
    drop(conn);

    // A duplicate code is a unique violation, and the transaction leaves nothing.
    let mut tx = t.db.begin().await.unwrap();
    let other = unit(ten, Some(root.id), "H12.02", "Sở Y tế");
    org::insert_unit(&mut tx, &other).await.unwrap();
    let err = org::insert_unit(&mut tx, &unit(ten, Some(root.id), "H12.01", "Trùng mã"))
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    tx.rollback().await.unwrap();
    assert!(
        org::unit(&t.db, other.id).await.unwrap().is_none(),
        "partial write survived"
    );

    // A parent that does not exist is a foreign-key violation.
    let mut tx = t.db.begin().await.unwrap();
    let err = org::insert_unit(&mut tx, &unit(ten, Some(new_id()), "H12.09", "Mồ côi"))
        .await
        .unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err}");
}

#[tokio::test]
async fn concurrent_appends_form_one_chain() {
    let t = TestDb::new().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            db.transaction(|tx| {
                let db = db.clone();
                Box::pin(async move {
                    let ev = NewEvent::new("system", "test.appended", "test", Some(i.to_string()))
                        .payload(json!({"i": i, "tên": "Nguyễn Văn An"}));
                    events::append(&db, tx, ev).await
                })
            })
            .await
        }));
    }
    // Batches too: 20 transactions of 1 to 70 events each (more than one
    // multi-row insert for the largest), each batch in order in the chain.
    for i in 0..20usize {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let sealed = db
                .transaction(|tx| {
                    let db = db.clone();
                    Box::pin(async move {
                        let n = if i == 0 { 70 } else { i % 4 + 1 };
                        let evs = (0..n)
                            .map(|k| {
                                NewEvent::new("system", "test.batch", "test", Some(format!("{i}")))
                                    .payload(json!({"k": k}))
                            })
                            .collect();
                        events::append_all(&db, tx, evs).await
                    })
                })
                .await?;
            let seqs: Vec<i64> = sealed.iter().map(|e| e.seq).collect();
            assert_eq!(
                seqs,
                (seqs[0]..seqs[0] + seqs.len() as i64).collect::<Vec<_>>()
            );
            Ok(sealed.last().cloned().unwrap())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let batched: i64 = 70 + (1..20).map(|i| (i % 4 + 1) as i64).sum::<i64>();
    let v = events::verify(&t.db).await.unwrap();
    assert_eq!(v.checked, 40 + batched as u64);
    assert!(v.tamper.is_none() && v.head_matches, "{v:?}");
    let listed = events::list(
        &t.db,
        &events::EventFilter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        listed.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=100).collect::<Vec<_>>()
    );
}

/// The pool pings a connection only after it sat idle; one the server
/// dropped meanwhile is replaced, and the caller never sees the loss.
#[tokio::test]
async fn connections_dropped_by_the_server_are_replaced() {
    let t = TestDb::new().await;
    // Several connections in the pool at once.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move { events::count(&db).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // The public lookup's own read connections (outside the pool) too; a
    // burst of reads waits for them instead of opening more, and they are
    // done in batches.
    let mut reads = Vec::new();
    for _ in 0..40 {
        let db = t.db.clone();
        reads.push(tokio::spawn(async move {
            sen_store::dossiers::public_by_code(&db, "H99-000000-0000").await
        }));
    }
    for read in reads {
        assert_eq!(read.await.unwrap().unwrap(), None);
    }
    if let Some(opened) = sen_store::testing::pg_read_connections_opened(&t.db) {
        assert!((1..=16).contains(&opened), "{opened} opened");
    }
    if let Some((batches, reads)) = sen_store::bench::pg_read_batches(&t.db) {
        assert_eq!(reads, 40);
        assert!((1..40).contains(&batches), "{batches} batches");
    }
    if t.db.backend() == sen_store::Backend::Postgres {
        // Another session ends every pooled one, as a server restart or an
        // idle-session timeout would.
        let killer = sen_store::Db::connect(&t.url).await.unwrap();
        let killed = killer.terminate_other_sessions().await.unwrap();
        assert!(killed >= 1, "{killed}");
        killer.close().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    for _ in 0..10 {
        events::count(&t.db).await.unwrap();
        let read = sen_store::dossiers::public_by_code(&t.db, "H99-000000-0000").await;
        assert_eq!(read.unwrap(), None);
    }
}

/// A lookup whose request is dropped while it reads for others (on
/// PostgreSQL, concurrent lookups are read in batches by one of them) does
/// not take their answers with it: they ask again.
#[tokio::test]
async fn dropped_lookups_do_not_fail_the_others() {
    let t = TestDb::new().await;
    if t.db.backend() != sen_store::Backend::Postgres {
        return; // SQLite reads each lookup alone, on its own thread.
    }
    let batches = || sen_store::bench::pg_read_batches(&t.db).unwrap();
    async fn wait_for(what: &str, done: impl Fn() -> bool) {
        let started = std::time::Instant::now();
        while !done() {
            assert!(
                started.elapsed().as_secs() < 30,
                "waited too long for {what}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
    // Reads wait at the server for as long as another session holds the
    // table locked.
    let mut lock = t.db.begin().await.unwrap();
    sqlx::query("LOCK TABLE dossiers IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let mut reads = Vec::new();
    for _ in 0..40 {
        let db = t.db.clone();
        reads.push(tokio::spawn(async move {
            sen_store::dossiers::public_by_code(&db, "H99-000000-0000").await
        }));
    }
    // The first reads take every connection, each for itself; the others
    // queue. Dropping the first lets the next one read for all the rest.
    wait_for("the first batches", || batches().0 >= 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (first, _) = batches();
    for read in &reads[..first] {
        read.abort();
    }
    wait_for("the batch of the rest", || batches().1 == 40).await;
    // Now that batch waits at the server: drop every read but the last,
    // the one reading for the others with them.
    let last = reads.pop().unwrap();
    for read in &reads {
        read.abort();
    }
    wait_for("the last read asked again", || batches().1 == 41).await;
    lock.rollback().await.unwrap();
    assert_eq!(last.await.unwrap().unwrap(), None);
    for read in reads {
        if let Err(e) = read.await {
            assert!(e.is_cancelled(), "{e}");
        }
    }
}

/// A process opens no more connections than it is allowed, pool and
/// lookup reads together, however many callers it has at once.
#[tokio::test]
async fn connections_stay_within_the_configured_bound() {
    let t = TestDb::new().await;
    assert!(sen_store::Db::connect_with(&t.url, Some(3)).await.is_err());
    let db = sen_store::Db::connect_with(&t.url, Some(6)).await.unwrap();
    let mut work = Vec::new();
    for i in 0..40 {
        let db = db.clone();
        work.push(tokio::spawn(async move {
            if i % 2 == 0 {
                sen_store::dossiers::public_by_code(&db, "H99-000000-0000")
                    .await
                    .map(|_| ())
            } else {
                // Holds its pooled connection a while on PostgreSQL, so
                // that the pool opens all it may.
                let hold = match db.backend() {
                    sen_store::Backend::Postgres => "SELECT CAST(pg_sleep(0.05) AS TEXT) AS x",
                    sen_store::Backend::Sqlite => "SELECT 'x' AS x",
                };
                sqlx::query(hold)
                    .execute(db.pool())
                    .await
                    .map(|_| ())
                    .map_err(StoreError::from)
            }
        }));
    }
    for w in work {
        w.await.unwrap().unwrap();
    }
    match db.backend() {
        sen_store::Backend::Postgres => {
            // This one's listener is among the 6 (counted once in place).
            let mut waited = 0;
            while db.lookup_cache().map(|c| c.listening) != Some(true) {
                assert!(waited < 1000, "the listener is in place");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                waited += 1;
            }
            // Counted by the server, from another process's connection
            // (one without a lookup cache, whose listener would count).
            let other = sen_store::Db::connect_options(
                &t.url,
                sen_store::DbOptions {
                    lookup_cache_mb: Some(0),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let row = sqlx::query(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_one(other.pool())
            .await
            .unwrap();
            let open: i64 = sqlx::Row::try_get(&row, "n").unwrap();
            // The test harness's own pool is in the same database, and
            // its lookup cache's listener.
            let harness = t.db.pool().size() as i64 + i64::from(t.db.lookup_cache().is_some());
            assert!(
                open - harness <= 6,
                "{open} sessions, {harness} of the harness"
            );
            assert!(
                sen_store::testing::pg_read_connections_opened(&db).unwrap() <= 1,
                "a quarter of 6 for the reads"
            );
            other.close().await;
        }
        sen_store::Backend::Sqlite => {
            assert_eq!(db.pool().options().get_max_connections(), 6);
        }
    }
    db.close().await;
}

#[tokio::test]
async fn the_database_refuses_to_change_events() {
    let t = TestDb::new().await;
    let mut tx = t.db.begin().await.unwrap();
    events::append(
        &t.db,
        &mut tx,
        NewEvent::new("system", "test.appended", "test", None),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let upd = sqlx::query("UPDATE events SET payload = '{}' WHERE seq = 1")
        .execute(t.db.pool())
        .await;
    assert!(upd.is_err(), "UPDATE on events was allowed");
    let del = sqlx::query("DELETE FROM events").execute(t.db.pool()).await;
    assert!(del.is_err(), "DELETE on events was allowed");
    assert_eq!(events::count(&t.db).await.unwrap(), 1);
}

#[tokio::test]
async fn failed_transaction_rolls_back_and_conflicts_retry() {
    let t = TestDb::new().await;
    let ten = tenant(&t).await;
    let u = unit(ten, None, "H99", "Đơn vị thử");
    let res: Result<(), StoreError> =
        t.db.transaction(|tx| {
            let u = u.clone();
            Box::pin(async move {
                org::insert_unit(tx, &u).await?;
                // Fail after the write: nothing may remain.
                Err(StoreError::Backup("boom".into()))
            })
        })
        .await;
    assert!(res.is_err());
    assert!(org::unit(&t.db, u.id).await.unwrap().is_none());

    // Concurrent read-modify-write of one counter row: every increment lands.
    sqlx::query("CREATE TABLE counter_test (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(t.db.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO counter_test (id, n) VALUES (1, 0)")
        .execute(t.db.pool())
        .await
        .unwrap();
    let for_update = if t.db.backend() == sen_store::Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            db.transaction(|tx| {
                Box::pin(async move {
                    let row = sqlx::query(&format!(
                        "SELECT n FROM counter_test WHERE id = 1{for_update}"
                    ))
                    .fetch_one(&mut **tx)
                    .await?;
                    let n: i64 = sqlx::Row::try_get(&row, "n")?;
                    sqlx::query("UPDATE counter_test SET n = $1 WHERE id = 1")
                        .bind(n + 1)
                        .execute(&mut **tx)
                        .await?;
                    Ok::<_, StoreError>(())
                })
            })
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let row = sqlx::query("SELECT n FROM counter_test WHERE id = 1")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(sqlx::Row::try_get::<i64, _>(&row, "n").unwrap(), 30);
}

/// A write for the group-commit test: inserts its keys into a scratch
/// table in one statement and records the size of each group it is given.
struct Probe {
    groups: std::sync::Arc<std::sync::Mutex<Vec<usize>>>,
    /// PostgreSQL: the lock wait each group ran with.
    lock_waits: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    postgres: bool,
}

impl sen_store::group::BatchWork for Probe {
    type Item = String;
    type Output = usize;
    type Error = sen_store::StoreError;

    fn run<'c>(
        &'c self,
        tx: &'c mut sen_store::Tx,
        items: &'c [String],
    ) -> sen_store::BoxFuture<'c, Result<Vec<usize>, sen_store::StoreError>> {
        Box::pin(async move {
            self.groups.lock().unwrap().push(items.len());
            if self.postgres {
                let r = sqlx::query("SELECT current_setting('lock_timeout') AS w")
                    .fetch_one(&mut **tx)
                    .await?;
                let wait: String = sqlx::Row::get(&r, "w");
                self.lock_waits.lock().unwrap().push(wait);
            }
            let values: Vec<String> = (1..=items.len()).map(|i| format!("(${i})")).collect();
            let sql = format!("INSERT INTO group_probe (k) VALUES {}", values.join(", "));
            let mut q = sqlx::query(&sql);
            for k in items {
                q = q.bind(k.clone());
            }
            q.execute(&mut **tx).await?;
            Ok((0..items.len()).collect())
        })
    }
}

/// A test database with the [`Probe`]'s table, and its record of groups.
async fn probe_db() -> (TestDb, std::sync::Arc<std::sync::Mutex<Vec<usize>>>) {
    let t = TestDb::new().await;
    sqlx::query("CREATE TABLE group_probe (k TEXT PRIMARY KEY)")
        .execute(t.db.pool())
        .await
        .unwrap();
    (t, Default::default())
}

#[tokio::test]
async fn grouped_writes_share_a_transaction_and_fail_alone() {
    let (t, groups) = probe_db().await;
    let lock_waits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let postgres = t.db.backend() == sen_store::Backend::Postgres;
    let b = sen_store::group::Batcher::start(
        t.db.clone(),
        Probe {
            groups: groups.clone(),
            lock_waits: lock_waits.clone(),
            postgres,
        },
    );
    // Queued together (before the writer runs): one group, one output each.
    let (r1, r2, r3, r4) = tokio::join!(
        b.submit("a".into()),
        b.submit("b".into()),
        b.submit("c".into()),
        b.submit("d".into())
    );
    assert_eq!(
        [r1.unwrap(), r2.unwrap(), r3.unwrap(), r4.unwrap()],
        [0, 1, 2, 3]
    );
    assert_eq!(*groups.lock().unwrap(), vec![4]);
    if postgres {
        // A group waits for a lock for a bounded time only.
        assert_eq!(*lock_waits.lock().unwrap(), vec!["100ms"]);
    }
    // One item that cannot be written fails the group; the group is rolled
    // back and each item written alone: only that one fails.
    let (r1, r2, r3) = tokio::join!(
        b.submit("e".into()),
        b.submit("a".into()),
        b.submit("f".into())
    );
    assert_eq!(r1.unwrap(), 0);
    assert!(r2.unwrap_err().is_unique_violation());
    assert_eq!(r3.unwrap(), 0);
    assert_eq!(*groups.lock().unwrap(), vec![4, 3, 1, 1, 1]);
    let rows = sqlx::query("SELECT k FROM group_probe ORDER BY k")
        .fetch_all(t.db.pool())
        .await
        .unwrap();
    let keys: Vec<String> = rows.iter().map(|r| sqlx::Row::get(r, "k")).collect();
    assert_eq!(keys, ["a", "b", "c", "d", "e", "f"]);
    // Alone in the queue: written alone.
    assert_eq!(b.submit("g".into()).await.unwrap(), 0);
    assert_eq!(groups.lock().unwrap().last(), Some(&1));
    if postgres {
        // Written alone, as any transaction: the server's default wait.
        assert_eq!(
            lock_waits.lock().unwrap().last().map(String::as_str),
            Some("0")
        );
    }
}

#[tokio::test]
async fn a_group_waits_a_moment_to_grow_back_but_a_quiet_queue_does_not() {
    let (t, groups) = probe_db().await;
    let linger = std::time::Duration::from_secs(2);
    let b = std::sync::Arc::new(sen_store::group::Batcher::start_lingering(
        t.db.clone(),
        Probe {
            groups: groups.clone(),
            lock_waits: Default::default(),
            postgres: false,
        },
        linger,
    ));
    let (r1, r2, r3, r4) = tokio::join!(
        b.submit("a".into()),
        b.submit("b".into()),
        b.submit("c".into()),
        b.submit("d".into())
    );
    assert!(r1.is_ok() && r2.is_ok() && r3.is_ok() && r4.is_ok());
    // The callers of a group of four come back one after the other: the
    // first waits for the others (without the wait: a group of one, then
    // one of three).
    let first = tokio::spawn({
        let b = b.clone();
        async move { b.submit("e".into()).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (r6, r7, r8) = tokio::join!(
        b.submit("f".into()),
        b.submit("g".into()),
        b.submit("h".into())
    );
    assert!(first.await.unwrap().is_ok() && r6.is_ok() && r7.is_ok() && r8.is_ok());
    assert_eq!(*groups.lock().unwrap(), vec![4, 4]);
    // No one else comes: written alone once the wait is over.
    let start = std::time::Instant::now();
    assert_eq!(b.submit("i".into()).await.unwrap(), 0);
    assert!(start.elapsed() >= linger - std::time::Duration::from_millis(100));
    // After a group of one, one is enough: no wait.
    let start = std::time::Instant::now();
    assert_eq!(b.submit("j".into()).await.unwrap(), 0);
    assert!(start.elapsed() < linger / 2, "{:?}", start.elapsed());
    assert_eq!(*groups.lock().unwrap(), vec![4, 4, 1, 1]);
    let n = sqlx::query("SELECT COUNT(*) AS n FROM group_probe")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(sqlx::Row::get::<i64, _>(&n, "n"), 10);
}
