//! RPC and events over real ZeroMQ sockets on 127.0.0.1 (ephemeral ports).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use bytes::Bytes;
use model::{ModelError, Table};
use proto::{
    ApiError, Change, ChangeOp, DecodeError, EventPublisher, EventSequencer, EventSubscriber, Key,
    Notice, Op, Reply, Response, RpcClient, RpcError, RpcServer,
};
use serde_json::{Value, json};
use tokio::time::timeout;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

const ANY_PORT: &str = "tcp://127.0.0.1:0";
/// Upper bound for any single step of a test.
const STEP: Duration = Duration::from_secs(5);

/// A server answering ping, show (echoing the id after a delay that reorders replies) and
/// refusing deletes with the original's code 113.
async fn echo_server(endpoint: &str) -> (String, tokio::task::JoinHandle<()>) {
    let server = RpcServer::bind(endpoint).await.unwrap();
    let endpoint = server.endpoint().to_owned();
    let task = tokio::spawn(server.serve(|op| async move {
        match op {
            Op::Ping => Ok(Reply::Pong),
            Op::Show {
                key: Key::Id(id), ..
            } => {
                tokio::time::sleep(Duration::from_millis(u64::try_from(id % 7).unwrap())).await;
                Ok(Reply::Row(json!({ "id": id })))
            }
            Op::Delete { .. } => Err(ModelError::DeleteRestriction {
                target: "network nw-a".into(),
                reason: "interface if-a uses it".into(),
            }
            .into()),
            _ => Err(ApiError::internal("not in this test")),
        }
    }));
    (endpoint, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_calls_get_their_own_replies() {
    let (endpoint, _server) = echo_server(ANY_PORT).await;
    let client = RpcClient::new(&endpoint, STEP);
    let calls = (0..100i64).map(|id| {
        let client = client.clone();
        tokio::spawn(async move {
            let row = client.show(Table::Networks, Key::Id(id)).await.unwrap();
            assert_eq!(row, json!({ "id": id }));
        })
    });
    timeout(STEP, futures::future::join_all(calls))
        .await
        .unwrap()
        .into_iter()
        .for_each(|r| r.unwrap());

    let err = client
        .delete(Table::Networks, Key::Id(1))
        .await
        .unwrap_err();
    let RpcError::Api(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.code, 113);
    assert_eq!(e.error, "DeleteRestrictionError");
    assert_eq!(
        e.message,
        "cannot delete network nw-a: interface if-a uses it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_of_another_version_is_told_both_versions_and_garbage_is_ignored() {
    let (endpoint, _server) = echo_server(ANY_PORT).await;
    let mut dealer = zeromq::DealerSocket::new();
    timeout(STEP, dealer.connect(&endpoint))
        .await
        .unwrap()
        .unwrap();

    // Garbage first: no answer (there is no id to answer), and the server keeps serving.
    for garbage in [&b"hello"[..], b"", b"\xff\x00", b"{\"proto\":1}"] {
        dealer
            .send(ZmqMessage::from(garbage.to_vec()))
            .await
            .unwrap();
    }
    dealer
        .send(ZmqMessage::from(r#"{"proto":2,"id":5,"op":"ping"}"#))
        .await
        .unwrap();
    let reply = timeout(STEP, dealer.recv()).await.unwrap().unwrap();
    let response = Response::decode(reply.get(0).unwrap()).unwrap();
    assert_eq!(response.id, 5);
    let e = response.result.unwrap_err();
    assert_eq!((e.code, e.error.as_str()), (500, "ProtocolError"));
    assert!(e.message.contains("proto 2"), "{}", e.message);
    assert!(e.message.contains("proto 1"), "{}", e.message);

    dealer
        .send(ZmqMessage::from(r#"{"proto":1,"id":6,"op":"ping"}"#))
        .await
        .unwrap();
    let reply = timeout(STEP, dealer.recv()).await.unwrap().unwrap();
    let response = Response::decode(reply.get(0).unwrap()).unwrap();
    assert_eq!((response.id, response.result), (6, Ok(Reply::Pong)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_of_another_version_gives_the_client_a_typed_error() {
    let mut router = zeromq::RouterSocket::new();
    let endpoint = router.bind(ANY_PORT).await.unwrap().to_string();
    tokio::spawn(async move {
        while let Ok(message) = router.recv().await {
            let peer = message.get(0).unwrap().clone();
            let request: Value = serde_json::from_slice(message.get(1).unwrap()).unwrap();
            let body = json!({"proto": 2, "id": request["id"], "answer": "from the future"});
            let mut reply = ZmqMessage::from(serde_json::to_vec(&body).unwrap());
            reply.push_front(peer);
            router.send(reply).await.unwrap();
        }
    });
    let client = RpcClient::new(&endpoint, STEP);
    let err = client.ping().await.unwrap_err();
    match &err {
        RpcError::Decode {
            error: DecodeError::VersionMismatch { theirs, ours, .. },
            ..
        } => assert_eq!((*theirs, *ours), (2, 1)),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&endpoint), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_times_out_when_the_server_is_gone_and_recovers_when_it_returns() {
    let (endpoint, server) = echo_server(ANY_PORT).await;
    let client = RpcClient::new(&endpoint, Duration::from_millis(500));
    client.ping().await.unwrap();

    server.abort();
    let _ = server.await;
    let started = tokio::time::Instant::now();
    let err = client.ping().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        err.to_string()
            .starts_with(&format!("vnmgr unreachable at {endpoint}")),
        "{err}"
    );
    // Still nobody there: every call fails the same way, none hangs.
    assert!(matches!(
        client.ping().await,
        Err(RpcError::Unreachable { .. })
    ));

    // A new server on the same endpoint (the old listener closes asynchronously).
    let deadline = tokio::time::Instant::now() + STEP;
    let _server = loop {
        match RpcServer::bind(&endpoint).await {
            Ok(server) => break tokio::spawn(server.serve(|_| async { Ok(Reply::Pong) })),
            Err(e) if tokio::time::Instant::now() < deadline => {
                eprintln!("rebinding: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e}"),
        }
    };
    client.ping().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_the_call_out() {
    // Accepts and reads requests but never replies.
    let mut router = zeromq::RouterSocket::new();
    let endpoint = router.bind(ANY_PORT).await.unwrap().to_string();
    tokio::spawn(async move { while router.recv().await.is_ok() {} });
    let client = RpcClient::new(&endpoint, Duration::from_millis(300));
    let err = client.ping().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("vnmgr unreachable at {endpoint}: no reply within 300ms")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_events_reach_every_subscriber_in_order() {
    let publisher = EventPublisher::bind(ANY_PORT).await.unwrap();
    let mut subscribers = Vec::new();
    for _ in 0..3 {
        let mut s = EventSubscriber::<Value>::connect(publisher.endpoint())
            .await
            .unwrap();
        assert!(timeout(STEP, s.subscribed()).await.unwrap());
        subscribers.push(s);
    }
    // The publisher learns of subscriptions asynchronously: heartbeat until each hears one.
    let mut sequencer = EventSequencer::new(42);
    for s in &mut subscribers {
        timeout(STEP, async {
            loop {
                publisher.heartbeat(sequencer.heartbeat()).await.unwrap();
                let got = tokio::time::timeout(Duration::from_millis(50), s.recv()).await;
                if let Ok(Some(Ok(Notice::Heartbeat(hb)))) = got {
                    assert_eq!((hb.epoch, hb.seq), (42, 0));
                    return;
                }
            }
        })
        .await
        .unwrap();
    }
    let sent: Vec<_> = (0..100)
        .map(|i| {
            sequencer.next_event(
                "network_created_item",
                vec![Change {
                    op: ChangeOp::Created,
                    row: json!({"table": "networks", "row": {"id": i}}),
                }],
            )
        })
        .collect();
    for event in &sent {
        publisher.publish(event).await.unwrap();
    }
    for s in &mut subscribers {
        let mut received = Vec::new();
        while received.len() < sent.len() {
            match timeout(STEP, s.recv()).await.unwrap().unwrap().unwrap() {
                Notice::Event(e) => received.push(e),
                Notice::Heartbeat(_) => {}
            }
        }
        assert_eq!(received, sent);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_reports_foreign_and_garbage_event_frames() {
    let mut publisher = zeromq::PubSocket::new();
    let endpoint = publisher.bind(ANY_PORT).await.unwrap().to_string();
    let mut subscriber = EventSubscriber::<Value>::connect(&endpoint).await.unwrap();
    assert!(timeout(STEP, subscriber.subscribed()).await.unwrap());
    let frames = |topic: &'static [u8], body: &'static [u8]| {
        let mut m = ZmqMessage::from(Bytes::from_static(topic));
        m.push_back(Bytes::from_static(body));
        m
    };
    let first = timeout(STEP, async {
        loop {
            publisher
                .send(frames(b"hb", br#"{"proto":7,"epoch":1,"seq":1}"#))
                .await
                .unwrap();
            if let Ok(n) = tokio::time::timeout(Duration::from_millis(50), subscriber.recv()).await
            {
                return n;
            }
        }
    })
    .await
    .unwrap();
    assert!(matches!(
        first,
        Some(Err(DecodeError::VersionMismatch {
            theirs: 7,
            ours: 1,
            ..
        }))
    ));
    publisher.send(frames(b"ev", b"not json")).await.unwrap();
    publisher.send(frames(b"xx", b"{}")).await.unwrap();
    let mut rest = Vec::new();
    while rest.len() < 2 {
        match timeout(STEP, subscriber.recv()).await.unwrap().unwrap() {
            Err(DecodeError::VersionMismatch { .. }) => {} // more of the probe heartbeats
            other => rest.push(other),
        }
    }
    assert!(matches!(
        rest[0],
        Err(DecodeError::Malformed { what: "event", .. })
    ));
    assert!(matches!(rest[1], Err(DecodeError::UnknownTopic { .. })));
}
