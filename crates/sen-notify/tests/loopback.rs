//! Delivery to real protocol peers on loopback: an SMSC (`smpp34`'s server)
//! and an SMTP server (Python `aiosmtpd`). See `peers/mod.rs`.

mod peers;

use peers::{reassemble, wait_until, MemQueue, Smsc, SmscTimers, SmtpSink, PATIENCE};
use sen_notify::smtp::message_id_for;
use sen_notify::{
    ChannelKind, Dispatcher, Outgoing, PassReport, SmppChannel, SmppConfig, SmtpChannel, SmtpConfig,
};
use smpp34::SmppError;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

const SYSTEM_ID: &str = "sen";
const PASSWORD: &str = "s3cret";
const FROM: &str = "Sở Tư pháp <no-reply@stp.example.gov.vn>";

fn sms(key: &str, recipient: &str, body: &str) -> Outgoing {
    Outgoing {
        id: Uuid::now_v7(),
        channel: ChannelKind::Sms,
        recipient: recipient.into(),
        subject: String::new(),
        body: body.into(),
        idempotency_key: key.into(),
        attempts: 0,
    }
}

fn email(key: &str, recipient: &str, subject: &str, body: &str) -> Outgoing {
    Outgoing {
        id: Uuid::now_v7(),
        channel: ChannelKind::Email,
        recipient: recipient.into(),
        subject: subject.into(),
        body: body.into(),
        idempotency_key: key.into(),
        attempts: 0,
    }
}

fn smpp_config(smsc: &Smsc) -> SmppConfig {
    let mut c = SmppConfig::new("127.0.0.1", smsc.port, SYSTEM_ID, PASSWORD);
    c.source_addr = "SoTuPhap".into();
    c.connect_timeout = Duration::from_secs(10);
    c.response_timeout = Duration::from_secs(10);
    c
}

fn smpp(config: SmppConfig) -> Arc<SmppChannel> {
    Arc::new(SmppChannel::new(config).unwrap())
}

fn smtp(sink: &SmtpSink) -> Arc<SmtpChannel> {
    let mut c = SmtpConfig::new("127.0.0.1", sink.port, FROM);
    c.timeout = Duration::from_secs(20);
    Arc::new(SmtpChannel::new(c).unwrap())
}

fn report(claimed: usize, sent: usize, transient: usize, permanent: usize) -> PassReport {
    PassReport {
        claimed,
        sent,
        transient,
        permanent,
    }
}

/// `n` characters of Vietnamese prose, every one of them precomposed NFC.
fn vietnamese(n: usize) -> String {
    let text = "Sở Tư pháp tỉnh Hà Giang thông báo: hồ sơ đăng ký khai sinh của công dân \
                Nguyễn Thị Hằng đã được tiếp nhận, đề nghị ông/bà mang theo bản chính giấy tờ \
                tùy thân khi đến nhận kết quả tại Bộ phận Một cửa. ";
    let s: String = text.chars().cycle().take(n).collect();
    assert_eq!(s.chars().count(), n);
    s
}

#[tokio::test]
async fn vietnamese_sms_reaches_the_smsc_as_ucs2() {
    let smsc = Smsc::started(SYSTEM_ID, PASSWORD).await;
    let queue = Arc::new(MemQueue::default());
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Sms, smpp(smpp_config(&smsc)));

    let text = "Hồ sơ của bạn đã được tiếp nhận. Hẹn trả kết quả ngày 10/3/2026.";
    assert!(text.chars().count() <= 70);
    let m = sms("notice:1", "0912 345 678", text);
    queue.push(m.clone());
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));

    let got = smsc.submits();
    assert_eq!(got.len(), 1);
    let s = &got[0];
    assert_eq!(s.system_id, SYSTEM_ID);
    assert_eq!(
        (s.source_addr.as_str(), s.source_addr_ton, s.source_addr_npi),
        ("SoTuPhap", 5, 0)
    );
    assert_eq!(
        (
            s.destination_addr.as_str(),
            s.dest_addr_ton,
            s.dest_addr_npi
        ),
        ("84912345678", 1, 1)
    );
    assert_eq!((s.esm_class, s.data_coding), (0x00, 0x08));
    let units: Vec<u16> = s
        .short_message
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(String::from_utf16(&units).unwrap(), text);
    assert_eq!(queue.entry(m.id).status, "sent");

    // Text the default alphabet can carry goes as data_coding 0, one octet
    // a character, on the same session.
    let otp = "Ma xac thuc Sen cua ban la 482913, hieu luc 5 phut. Khong chia se ma nay. / Your Sen code is 482913, valid 5 minutes.";
    queue.push(sms("otp:1", "+84912345678", otp));
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    let got = smsc.submits();
    assert_eq!(got.len(), 2);
    assert_eq!((got[1].esm_class, got[1].data_coding), (0x00, 0x00));
    assert_eq!(got[1].short_message, otp.as_bytes());
    assert_eq!(smsc.binds(), 1, "the session is reused");
}

#[tokio::test]
async fn a_long_vietnamese_sms_arrives_as_segments_that_reassemble() {
    let smsc = Smsc::started(SYSTEM_ID, PASSWORD).await;
    let queue = Arc::new(MemQueue::default());
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Sms, smpp(smpp_config(&smsc)));

    let text = vietnamese(200);
    queue.push(sms("long:1", "0912345678", &text));
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    let got = smsc.submits();
    assert_eq!(got.len(), 3, "200 UCS-2 characters take 67 + 67 + 66");
    let headers: Vec<_> = got.iter().map(peers::decode_part).collect();
    let reference = headers[0].0.unwrap().0;
    for (i, (udh, units)) in headers.iter().enumerate() {
        assert_eq!((got[i].esm_class, got[i].data_coding), (0x40, 0x08));
        assert_eq!(*udh, Some((reference, 3, i as u8 + 1)));
        assert_eq!(units.len(), [67, 67, 66][i]);
    }
    assert_eq!(reassemble(&got), vec![text]);

    // A character outside the BMP straddling the first boundary moves whole
    // into the second segment.
    let text = format!("{}😀{}", vietnamese(66), vietnamese(30));
    queue.push(sms("long:2", "0912345678", &text));
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    let got = smsc.submits()[3..].to_vec();
    assert_eq!(got.len(), 2);
    assert_eq!(peers::decode_part(&got[0]).1.len(), 66);
    assert_ne!(
        peers::decode_part(&got[0]).0.unwrap().0,
        reference,
        "another message, another reference"
    );
    assert_eq!(reassemble(&got), vec![text]);
}

#[tokio::test]
async fn vietnamese_email_reaches_the_smtp_server() {
    let sink = SmtpSink::started().await;
    let queue = Arc::new(MemQueue::default());
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Email, smtp(&sink));

    let subject = "Thông báo: hồ sơ đã được tiếp nhận – Sở Tư pháp tỉnh Hà Giang (mã hồ sơ 000.00.01.H12-260305-0001)";
    let body = format!(
        "Kính gửi bà Nguyễn Thị Hằng,\n\n{}\n\nTrân trọng,\nBộ phận Một cửa — Sở Tư pháp\n",
        vietnamese(300)
    );
    let m = email("notice:42", "hang.nguyen@example.vn", subject, &body);
    queue.push(m.clone());
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    assert_eq!(queue.entry(m.id).status, "sent");

    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r["mail_from"], "no-reply@stp.example.gov.vn");
    assert_eq!(r["rcpt_tos"], serde_json::json!(["hang.nguyen@example.vn"]));
    assert_eq!(r["helo"], "localhost");
    assert_eq!(r["from"], FROM);
    assert_eq!(r["to"], "hang.nguyen@example.vn");
    assert_eq!(r["subject"], subject);
    assert_eq!(r["content_type"], "text/plain");
    assert_eq!(r["charset"], "utf-8");
    assert_eq!(r["auto_submitted"], "auto-generated");
    assert_ne!(r["date"], "None");
    let received = r["body"].as_str().unwrap().replace("\r\n", "\n");
    assert_eq!(received, body);
    let id = message_id_for("notice:42", "stp.example.gov.vn");
    assert_eq!(r["message_id"], id);
    assert!(
        r["raw"].as_str().unwrap().is_ascii(),
        "7-bit clean on the wire"
    );

    // The same outbox message sent again (a lost acknowledgement) carries
    // the same Message-ID; another message does not.
    queue.push(email("notice:42", "hang.nguyen@example.vn", subject, &body));
    queue.push(email("notice:43", "hang.nguyen@example.vn", subject, &body));
    assert_eq!(d.run_once().await.unwrap(), report(2, 2, 0, 0));
    let got = sink.messages();
    assert_eq!(got.len(), 3);
    assert_eq!(got[1]["message_id"], id);
    assert_ne!(got[2]["message_id"], id);
}

#[tokio::test]
async fn smtp_refusals_are_classified() {
    let sink = SmtpSink::started().await;
    let queue = Arc::new(MemQueue::default());
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Email, smtp(&sink));

    let rejected = email("e:1", "ai.do@reject.test", "Thử", "Nội dung");
    let greylisted = email("e:2", "ai.do@greylist.test", "Thử", "Nội dung");
    let malformed = email("e:3", "không phải địa chỉ", "Thử", "Nội dung");
    for m in [&rejected, &greylisted, &malformed] {
        queue.push(m.clone());
    }
    assert_eq!(d.run_once().await.unwrap(), report(3, 0, 1, 2));

    let e = queue.entry(rejected.id);
    assert_eq!(e.status, "failed");
    assert!(e.errors[0].contains("550"), "{:?}", e.errors);
    let e = queue.entry(greylisted.id);
    assert_eq!((e.status, e.attempts), ("pending", 1));
    assert!(e.errors[0].contains("451"), "{:?}", e.errors);
    let e = queue.entry(malformed.id);
    assert_eq!(e.status, "failed");
    assert!(
        e.errors[0].contains("not an e-mail address"),
        "{:?}",
        e.errors
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn smsc_refusals_are_classified() {
    let smsc = Smsc::started(SYSTEM_ID, PASSWORD).await;
    smsc.refuse("84911111111", SmppError::ESME_RINVDSTADR);
    smsc.refuse("84922222222", SmppError::ESME_RTHROTTLED);
    let queue = Arc::new(MemQueue::default());
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Sms, smpp(smpp_config(&smsc)));

    let invalid = sms("s:1", "0911111111", "Thử nghiệm");
    let throttled = sms("s:2", "0922222222", "Thử nghiệm");
    let malformed = sms("s:3", "gọi tôi nhé", "Thử nghiệm");
    let fine = sms("s:4", "0933333333", "Thử nghiệm");
    for m in [&invalid, &throttled, &malformed, &fine] {
        queue.push(m.clone());
    }
    assert_eq!(d.run_once().await.unwrap(), report(4, 1, 1, 2));

    let e = queue.entry(invalid.id);
    assert_eq!(e.status, "failed");
    assert!(e.errors[0].contains("ESME_RINVDSTADR"), "{:?}", e.errors);
    let e = queue.entry(throttled.id);
    assert_eq!(e.status, "pending");
    assert!(e.errors[0].contains("ESME_RTHROTTLED"), "{:?}", e.errors);
    let e = queue.entry(malformed.id);
    assert_eq!(e.status, "failed");
    assert!(e.errors[0].contains("not a phone number"), "{:?}", e.errors);
    assert_eq!(queue.entry(fine.id).status, "sent");
    assert_eq!(smsc.submits().len(), 1);
    assert_eq!(smsc.binds(), 1, "refusals do not cost the session");

    // Once the SMSC stops throttling, the retry goes through.
    smsc.state.refuse.lock().unwrap().clear();
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    assert_eq!(queue.entry(throttled.id).status, "sent");
}

#[tokio::test]
async fn a_refused_bind_keeps_the_message() {
    let smsc = Smsc::started(SYSTEM_ID, PASSWORD).await;
    let mut config = smpp_config(&smsc);
    config.password = "wrong".into();
    let queue = Arc::new(MemQueue::default());
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Sms, smpp(config));
    let m = sms("b:1", "0912345678", "Thử nghiệm");
    queue.push(m.clone());
    assert_eq!(d.run_once().await.unwrap(), report(1, 0, 1, 0));
    let e = queue.entry(m.id);
    assert_eq!(e.status, "pending");
    assert!(e.errors[0].contains("ESME_RINVPASWD"), "{:?}", e.errors);
    assert_eq!(smsc.state.refused_binds.load(Ordering::SeqCst), 1);
    assert!(smsc.submits().is_empty());
}

#[tokio::test]
async fn a_peer_that_is_down_for_a_while_loses_no_message() {
    // Neither peer is listening yet.
    let mut smsc = Smsc::new(SYSTEM_ID, PASSWORD);
    let mut sink = SmtpSink::new();
    let queue = Arc::new(MemQueue::default());
    let d = Dispatcher::new(queue.clone())
        .with_channel(ChannelKind::Sms, smpp(smpp_config(&smsc)))
        .with_channel(ChannelKind::Email, smtp(&sink));
    let text = vietnamese(100);
    let s = sms("down:sms", "0912345678", &text);
    let e = email("down:email", "dan@example.vn", "Thông báo kết quả", &text);
    queue.push(s.clone());
    queue.push(e.clone());

    assert_eq!(d.run_once().await.unwrap(), report(2, 0, 2, 0));
    for id in [s.id, e.id] {
        let entry = queue.entry(id);
        assert_eq!((entry.status, entry.attempts), ("pending", 1));
    }
    assert!(
        queue.entry(s.id).errors[0].contains("cannot connect"),
        "{:?}",
        queue.entry(s.id).errors
    );

    smsc.start().await;
    sink.start().await;
    assert_eq!(d.run_once().await.unwrap(), report(2, 2, 0, 0));
    assert_eq!(d.run_once().await.unwrap(), report(0, 0, 0, 0));
    for id in [s.id, e.id] {
        let entry = queue.entry(id);
        assert_eq!((entry.status, entry.attempts), ("sent", 2));
    }
    assert_eq!(
        reassemble(&smsc.submits()),
        vec![text.clone()],
        "exactly once"
    );
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "exactly once");
    assert_eq!(
        mails[0]["body"].as_str().unwrap().replace("\r\n", "\n"),
        text
    );
}

#[tokio::test]
async fn the_loop_retries_until_the_peers_come_up_then_stops_cleanly() {
    let mut smsc = Smsc::new(SYSTEM_ID, PASSWORD);
    let mut sink = SmtpSink::new();
    let queue = Arc::new(MemQueue::default());
    let d = Dispatcher::new(queue.clone())
        .with_channel(ChannelKind::Sms, smpp(smpp_config(&smsc)))
        .with_channel(ChannelKind::Email, smtp(&sink));
    let s = sms("loop:sms", "0912345678", "Kết quả đã sẵn sàng.");
    let e = email(
        "loop:email",
        "dan@example.vn",
        "Kết quả",
        "Kết quả đã sẵn sàng.",
    );
    queue.push(s.clone());
    queue.push(e.clone());

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(async move {
        d.run(Duration::from_millis(50), async {
            let _ = stopped.await;
        })
        .await
    });
    wait_until("failed attempts while the peers are down", || {
        queue.entry(s.id).attempts >= 2 && queue.entry(e.id).attempts >= 2
    })
    .await;
    smsc.start().await;
    sink.start().await;
    wait_until("delivery", || {
        queue.entry(s.id).status == "sent" && queue.entry(e.id).status == "sent"
    })
    .await;
    stop.send(()).unwrap();
    tokio::time::timeout(PATIENCE, worker)
        .await
        .expect("the loop stops")
        .unwrap();

    assert_eq!(smsc.submits().len(), 1);
    assert_eq!(sink.messages().len(), 1);
    // stopping the loop closed the SMPP session with an unbind
    wait_until("unbind", || smsc.state.unbinds.load(Ordering::SeqCst) == 1).await;
}

#[tokio::test]
async fn an_idle_session_the_smsc_dropped_is_replaced() {
    // This SMSC drops a session that does not answer its enquire_link.
    let mut smsc = Smsc::new(SYSTEM_ID, PASSWORD);
    smsc.timers = SmscTimers {
        enquire_link: 200,
        inactivity: 600,
        response: 200,
    };
    smsc.start().await;
    let queue = Arc::new(MemQueue::default());

    // With a probe before every use, the dead session is noticed and
    // replaced before the message goes out: no failed attempt at all.
    let mut config = smpp_config(&smsc);
    config.keepalive = Duration::ZERO;
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Sms, smpp(config));
    queue.push(sms("idle:1", "0912345678", "Tin thứ nhất"));
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    wait_until("the SMSC to drop the idle session", || {
        smsc.state.sessions_ended.load(Ordering::SeqCst) >= 1
    })
    .await;
    queue.push(sms("idle:2", "0912345678", "Tin thứ hai"));
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    assert_eq!(smsc.binds(), 2);

    // Without the probe, the first attempt on the dead session fails
    // transiently and the retry delivers it, once.
    let mut config = smpp_config(&smsc);
    config.keepalive = Duration::from_secs(3600);
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Sms, smpp(config));
    queue.push(sms("idle:3", "0912345678", "Tin thứ ba"));
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    wait_until("the SMSC to drop the idle session", || {
        smsc.state.sessions_ended.load(Ordering::SeqCst) >= 3
    })
    .await;
    let m = sms("idle:4", "0912345678", "Tin thứ tư");
    queue.push(m.clone());
    assert_eq!(d.run_once().await.unwrap(), report(1, 0, 1, 0));
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));
    assert_eq!(queue.entry(m.id).attempts, 2);
    assert_eq!(
        reassemble(&smsc.submits()),
        ["Tin thứ nhất", "Tin thứ hai", "Tin thứ ba", "Tin thứ tư"]
    );
}

#[tokio::test]
async fn an_unbind_from_the_smsc_costs_no_message() {
    let smsc = Smsc::started(SYSTEM_ID, PASSWORD).await;
    let queue = Arc::new(MemQueue::default());
    let mut config = smpp_config(&smsc);
    config.keepalive = Duration::ZERO;
    let d = Dispatcher::new(queue.clone()).with_channel(ChannelKind::Sms, smpp(config));
    queue.push(sms("u:1", "0912345678", "Tin thứ nhất"));
    assert_eq!(d.run_once().await.unwrap(), report(1, 1, 0, 0));

    let unbinds = smsc.unbind_everyone();
    let m = sms("u:2", "0912345678", "Tin thứ hai");
    queue.push(m.clone());
    // Whether the unbind reaches the client before or during this message,
    // the message is delivered within a retry and exactly once.
    for _ in 0..3 {
        d.run_once().await.unwrap();
        if queue.entry(m.id).status == "sent" {
            break;
        }
    }
    assert_eq!(queue.entry(m.id).status, "sent");
    // smpp34 1.5.1's server does not route an incoming unbind_resp to the
    // waiting send_unbind (its read loop has no case for it), so the answer
    // itself cannot be checked here; the unit test
    // `smpp::tests::answers_the_smsc_and_handles_nacks` checks its bytes.
    for u in unbinds {
        let _ = tokio::time::timeout(PATIENCE, u).await.unwrap();
    }
    assert_eq!(smsc.binds(), 2);
    assert_eq!(reassemble(&smsc.submits()), ["Tin thứ nhất", "Tin thứ hai"]);
}
