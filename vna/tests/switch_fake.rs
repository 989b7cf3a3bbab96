//! `vna::switch` against a scripted switch (no Open vSwitch needed): what a real OVS does not
//! do on demand — an OpenFlow 1.0-only peer, two connections with one dpid, undecodable and
//! unframeable messages, a flood of PACKET_INs — and a switch without bundles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use openflow::codec::OfCodec;
use openflow::errors::{code, error_type};
use openflow::message::{
    ErrorMsg, Hello, MessageBody, OFP_NO_BUFFER, PacketIn, SwitchFeatures, msg_type,
};
use openflow::multipart::{MultipartReply, MultipartReplyBody, MultipartRequestBody};
use openflow::{Action, Match, Message, Oxm, Port};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;
use vna::switch::{self, Config, Listener, SwitchEvent};

const DPID: u64 = 0x42;
const WAIT: Duration = Duration::from_secs(10);

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

type Wire = Framed<TcpStream, OfCodec>;

/// Connects as switch `dpid` with one port and no bundle support; returns after the
/// controller's handshake barrier was answered.
async fn fake_switch(addr: SocketAddr, dpid: u64) -> Wire {
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut wire = Framed::new(stream, OfCodec::new());
    wire.send(Message::new(1, MessageBody::Hello(Hello::of13())))
        .await
        .unwrap();
    loop {
        let msg = within("the handshake", wire.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let reply = match msg.body {
            MessageBody::FeaturesRequest => MessageBody::FeaturesReply(SwitchFeatures {
                datapath_id: dpid,
                n_buffers: 0,
                n_tables: 254,
                auxiliary_id: 0,
                capabilities: 0,
                reserved: 0,
            }),
            MessageBody::MultipartRequest(r) if r.body == MultipartRequestBody::PortDesc => {
                MessageBody::MultipartReply(MultipartReply::new(MultipartReplyBody::PortDesc(
                    vec![Port {
                        port_no: 1,
                        name: "vif1".into(),
                        ..Port::default()
                    }],
                )))
            }
            MessageBody::BundleControl(_) => MessageBody::Error(ErrorMsg::about(
                error_type::BAD_REQUEST,
                code::BAD_REQUEST_BAD_EXPERIMENTER,
                &[],
            )),
            MessageBody::BarrierRequest => {
                wire.send(Message::new(msg.xid, MessageBody::BarrierReply))
                    .await
                    .unwrap();
                return wire;
            }
            _ => continue,
        };
        wire.send(Message::new(msg.xid, reply)).await.unwrap();
    }
}

/// Answers echoes and the next barrier; returns the other messages received before it.
async fn answer_barrier(wire: &mut Wire) -> Vec<Message> {
    let mut got = Vec::new();
    loop {
        let msg = within("a barrier", wire.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match msg.body {
            MessageBody::BarrierRequest => {
                wire.send(Message::new(msg.xid, MessageBody::BarrierReply))
                    .await
                    .unwrap();
                return got;
            }
            MessageBody::EchoRequest(d) => wire
                .send(Message::new(msg.xid, MessageBody::EchoReply(d)))
                .await
                .unwrap(),
            _ => got.push(msg),
        }
    }
}

async fn listen(config: Config) -> Listener {
    switch::serve("127.0.0.1:0", config).await.unwrap()
}

#[tokio::test]
async fn a_switch_without_openflow_13_gets_hello_failed_and_is_closed() {
    let listener = listen(Config::default()).await;
    let mut stream = TcpStream::connect(listener.local_addr()).await.unwrap();
    // An OpenFlow 1.0 HELLO, no version bitmap.
    stream
        .write_all(&[1, msg_type::HELLO, 0, 8, 0, 0, 0, 9])
        .await
        .unwrap();
    let mut bytes = Vec::new();
    within("the controller to close", stream.read_to_end(&mut bytes))
        .await
        .unwrap();
    let hello_len = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
    let hello = Message::decode(&bytes[..hello_len]).unwrap();
    assert!(matches!(hello.body, MessageBody::Hello(h) if h.supports(4) == Some(true)));
    let error = Message::decode(&bytes[hello_len..]).unwrap();
    let MessageBody::Error(e) = error.body else {
        panic!("expected an error, got {error}")
    };
    assert_eq!(
        (e.ty, e.code),
        (error_type::HELLO_FAILED, code::HELLO_INCOMPATIBLE)
    );
    assert_eq!(error.xid, 9);
    assert!(listener.dpids().is_empty());
}

#[tokio::test]
async fn a_new_connection_replaces_the_old_one_for_the_same_dpid() {
    let mut listener = listen(Config::default()).await;
    let sw = listener.switch(DPID);
    let mut events = sw.events();
    let mut first = fake_switch(listener.local_addr(), DPID).await;
    assert!(matches!(
        within("Connected", events.next()).await,
        Some(SwitchEvent::Connected(DPID))
    ));
    assert_eq!(sw.uses_bundles(), Some(false));
    assert_eq!(sw.ports().borrow().switch_ports().number("vif1"), Some(1));
    let second = fake_switch(listener.local_addr(), DPID).await;
    assert!(matches!(
        within("Connected again", events.next()).await,
        Some(SwitchEvent::Connected(DPID))
    ));
    // The old connection is closed by vna.
    assert!(
        within("the old connection to close", first.next())
            .await
            .is_none()
    );
    assert!(sw.is_connected());
    assert_eq!(sw.stats().connections, 2);
    // next_switch() announced the dpid once.
    let announced = within("next_switch", listener.next_switch()).await.unwrap();
    assert_eq!(announced.dpid(), DPID);
    // Requests go to the new connection.
    let mut second = second;
    let (done, _) = tokio::join!(sw.barrier(), answer_barrier(&mut second));
    done.unwrap();
    drop(second);
    assert!(matches!(
        within("Disconnected", events.next()).await,
        Some(SwitchEvent::Disconnected(DPID))
    ));
}

#[tokio::test]
async fn undecodable_messages_are_skipped_and_broken_framing_closes_the_connection() {
    let listener = listen(Config::default()).await;
    let sw = listener.switch(DPID);
    let mut events = sw.events();
    let wire = fake_switch(listener.local_addr(), DPID).await;
    within("Connected", events.next()).await;
    let mut stream = wire.into_inner();
    // A FEATURES_REPLY four bytes long: framed, but undecodable. Skipped.
    stream
        .write_all(&[4, msg_type::FEATURES_REPLY, 0, 12, 0, 0, 0, 1, 1, 2, 3, 4])
        .await
        .unwrap();
    let mut wire = Framed::new(stream, OfCodec::new());
    let (done, _) = tokio::join!(sw.barrier(), answer_barrier(&mut wire));
    done.unwrap();
    assert!(sw.is_connected());
    // A header whose length is shorter than a header: the stream is out of step. Closed.
    let mut stream = wire.into_inner();
    stream
        .write_all(&[4, msg_type::ECHO_REQUEST, 0, 4, 0, 0, 0, 2])
        .await
        .unwrap();
    assert!(matches!(
        within("Disconnected", events.next()).await,
        Some(SwitchEvent::Disconnected(DPID))
    ));
    let mut rest = Vec::new();
    within("the controller to close", stream.read_to_end(&mut rest))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_flood_of_packet_ins_is_dropped_for_a_slow_reader_and_counted() {
    let listener = listen(Config {
        event_capacity: 64,
        ..Config::default()
    })
    .await;
    let sw = listener.switch(DPID);
    let mut events = sw.events();
    let mut wire = fake_switch(listener.local_addr(), DPID).await;
    within("Connected", events.next()).await;
    let n = 5000;
    for i in 0..n {
        let pi = PacketIn {
            buffer_id: OFP_NO_BUFFER,
            total_len: 60,
            reason: 1,
            table_id: 0,
            cookie: i,
            match_: Match::new().with(Oxm::InPort(1)),
            data: vec![0xab; 60],
        };
        wire.feed(Message::new(0, MessageBody::PacketIn(pi)))
            .await
            .unwrap();
    }
    SinkExt::<Message>::flush(&mut wire).await.unwrap();
    // The reader is told how many it lost, then gets the newest ones.
    let (done, _) = tokio::join!(sw.barrier(), answer_barrier(&mut wire));
    done.unwrap();
    assert_eq!(sw.stats().packet_ins, n);
    let mut lost = 0;
    let mut seen = 0;
    let mut last_cookie = 0;
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(200), events.next()).await {
        match e {
            SwitchEvent::Lost(k) => lost += k,
            SwitchEvent::PacketIn(pi) => {
                seen += 1;
                last_cookie = pi.cookie;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(seen <= 64, "{seen}");
    assert_eq!(lost + seen, n);
    assert_eq!(last_cookie, n - 1);
    assert_eq!(events.lost(), lost);

    // The switch's own ECHO_REQUEST is answered with its xid and payload.
    wire.send(Message::new(77, MessageBody::EchoRequest(b"hi".to_vec())))
        .await
        .unwrap();
    let reply = within("an echo reply", wire.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        reply,
        Message::new(77, MessageBody::EchoReply(b"hi".to_vec()))
    );

    // PACKET_OUT reaches the switch.
    sw.packet_out(
        1,
        vec![Action::Output {
            port: 2,
            max_len: 0,
        }],
        vec![1, 2, 3],
    )
    .await
    .unwrap();
    let (done, got) = tokio::join!(sw.barrier(), answer_barrier(&mut wire));
    done.unwrap();
    assert!(
        got.iter()
            .any(|m| matches!(&m.body, MessageBody::PacketOut(po) if po.data == [1, 2, 3] && po.in_port == 1)),
        "{got:?}"
    );
}
