//! Pings from inside a namespace: a count of replies, and a continuous stream at N packets per
//! second whose losses are counted when it stops.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use rustix::process::Signal;

use crate::exec::{self, display, in_netns};
use crate::process::Process;
use crate::{Error, Result};

/// Sends up to `count` echo requests from `netns` to `ip`, 0.2 s apart, and returns how many
/// replies came back. Stops early once `count` replies arrived, and gives up after `timeout`.
/// A ping that gets no reply is not an error: it returns 0.
pub fn ping(netns: &str, ip: Ipv4Addr, count: u32, timeout: Duration) -> Result<u32> {
    let count = count.to_string();
    let deadline = timeout.as_secs().max(1).to_string();
    let target = ip.to_string();
    let argv = in_netns(
        netns,
        &[
            "ping", "-n", "-q", "-i", "0.2", "-c", &count, "-w", &deadline, &target,
        ],
    );
    let output = exec::output(&argv)?;
    // 0: replies; 1: none (or too few before the deadline); anything else: ping failed.
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(Error::CommandFailed {
            command: display(&argv),
            status: output.status,
            stderr: output.stderr.trim().to_owned(),
        });
    }
    parse_summary(&output.stdout)
        .map(|(_, received)| received)
        .ok_or_else(|| Error::BadOutput {
            command: display(&argv),
            output: output.stdout,
        })
}

/// What a continuous ping saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingStats {
    /// Echo requests sent.
    pub transmitted: u32,
    /// Distinct requests answered.
    pub received: u32,
    /// Requests never answered, not counting the last one if it was still in flight when the
    /// stream stopped.
    pub lost: u32,
}

/// `ping -i INTERVAL` running in the background; [`PingStream::stop`] counts what was lost.
#[derive(Debug)]
pub struct PingStream {
    process: Process,
}

impl PingStream {
    /// Starts pinging `ip` from `netns` every `interval` (10 ms for 100 pps; below 200 ms needs
    /// root), writing ping's per-packet output to `log`.
    pub fn start(netns: &str, ip: Ipv4Addr, interval: Duration, log: &Path) -> Result<PingStream> {
        let interval = format!("{:.3}", interval.as_secs_f64());
        let target = ip.to_string();
        let process = Process::spawn(
            &format!("ping-{target}"),
            Some(netns),
            &["ping", "-n", "-i", &interval, &target],
            &[],
            log,
            true,
        )?;
        Ok(PingStream { process })
    }

    /// Stops the stream (SIGINT, so ping prints its summary) and counts.
    pub fn stop(mut self) -> Result<PingStats> {
        self.process.signal(Signal::INT)?;
        self.process.wait_timeout(Duration::from_secs(5))?;
        let text = self.process.log();
        parse_stream(&text).ok_or_else(|| Error::BadOutput {
            command: format!("ping (log {})", self.process.log_path().display()),
            output: text
                .chars()
                .rev()
                .take(400)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect(),
        })
    }
}

/// `(transmitted, received)` from ping's summary line, e.g. `3 packets transmitted, 2
/// received, +1 errors, 33% packet loss, time 2003ms`.
pub fn parse_summary(text: &str) -> Option<(u32, u32)> {
    let line = text
        .lines()
        .find(|line| line.contains("packets transmitted"))?;
    let mut transmitted = None;
    let mut received = None;
    for part in line.split(',') {
        let mut words = part.split_whitespace();
        let number = words.next()?.parse::<u32>().ok();
        match words.next() {
            Some("packets") => transmitted = number,
            Some("received") => received = number,
            _ => {}
        }
    }
    Some((transmitted?, received?))
}

/// Counts a per-packet ping log: replies by distinct `icmp_seq`, the total from the summary.
pub fn parse_stream(text: &str) -> Option<PingStats> {
    let (transmitted, _) = parse_summary(text)?;
    let mut answered: Vec<u32> = text
        .lines()
        .filter(|line| line.contains("bytes from") && !line.contains("(DUP!)"))
        .filter_map(|line| {
            line.split_whitespace()
                .find_map(|word| word.strip_prefix("icmp_seq="))
                .and_then(|seq| seq.parse().ok())
        })
        .collect();
    answered.sort_unstable();
    answered.dedup();
    let received = u32::try_from(answered.len()).ok()?;
    // ping numbers requests from 1; the last one may have been on the wire when SIGINT came.
    let last_in_flight = transmitted > 0 && answered.last() != Some(&transmitted);
    let lost = transmitted
        .saturating_sub(received)
        .saturating_sub(u32::from(last_in_flight));
    Some(PingStats {
        transmitted,
        received,
        lost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ping_summaries() {
        let ok = "--- 10.9.0.3 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 2017ms\n";
        assert_eq!(parse_summary(ok), Some((3, 3)));
        let errors =
            "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2027ms\npipe 3\n";
        assert_eq!(parse_summary(errors), Some((3, 0)));
        assert_eq!(
            parse_summary("ping: connect: Network is unreachable\n"),
            None
        );
    }

    #[test]
    fn counts_a_stream_by_sequence_number() {
        let log = "PING 10.9.0.3 (10.9.0.3) 56(84) bytes of data.
64 bytes from 10.9.0.3: icmp_seq=1 ttl=64 time=0.5 ms
64 bytes from 10.9.0.3: icmp_seq=2 ttl=64 time=0.5 ms
64 bytes from 10.9.0.3: icmp_seq=2 ttl=64 time=0.6 ms (DUP!)
64 bytes from 10.9.0.3: icmp_seq=4 ttl=64 time=0.5 ms

--- 10.9.0.3 ping statistics ---
5 packets transmitted, 3 received, +1 duplicates, 40% packet loss, time 40ms
";
        // Seq 3 was lost; seq 5 was in flight when ping was stopped.
        assert_eq!(
            parse_stream(log),
            Some(PingStats {
                transmitted: 5,
                received: 3,
                lost: 1
            })
        );
        let all = "64 bytes from 1.2.3.4: icmp_seq=1 ttl=64 time=0.5 ms\n1 packets transmitted, 1 received, 0% packet loss\n";
        assert_eq!(
            parse_stream(all),
            Some(PingStats {
                transmitted: 1,
                received: 1,
                lost: 0
            })
        );
    }
}

/// Echo requests from inside a namespace at a steady rate, whether or not replies come, with
/// the arrival time of every reply. (`ping -i` slows to one request per 10 ms while no
/// replies arrive, which would blur a measurement of when the first reply comes.)
#[derive(Debug)]
pub struct Prober {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Result<std::io::Result<Vec<u128>>>>,
}

impl Prober {
    /// Starts sending to `ip` from `netns` every `interval`, on its own thread.
    pub fn start(netns: &str, ip: Ipv4Addr, interval: Duration) -> Result<Prober> {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = crate::netns::spawn_in(netns, move || probe(ip, interval, &flag))?;
        Ok(Prober { stop, thread })
    }

    /// Stops, and returns when each reply arrived (nanoseconds since the Unix epoch), in order.
    pub fn stop(self) -> Result<Vec<u128>> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        match self.thread.join() {
            Ok(Ok(Ok(replies))) => Ok(replies),
            Ok(Ok(Err(source))) => Err(Error::Io {
                path: "raw ICMP socket".into(),
                source,
            }),
            Ok(Err(e)) => Err(e),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

fn unix_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The Internet checksum (RFC 1071).
fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|c| {
            let hi = c.first().copied().unwrap_or(0);
            let lo = c.get(1).copied().unwrap_or(0);
            u32::from(u16::from_be_bytes([hi, lo]))
        })
        .sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !u16::try_from(sum).unwrap_or(u16::MAX)
}

fn probe(
    ip: Ipv4Addr,
    interval: Duration,
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<Vec<u128>> {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    use std::io::Read;
    use std::time::Instant;

    let mut socket = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))?;
    // Non-blocking, polled every 200 µs: a receive timeout would be rounded up to the kernel's
    // tick (4 ms or more) and hold back the next request.
    socket.set_nonblocking(true)?;
    let target = SockAddr::from(std::net::SocketAddrV4::new(ip, 0));
    // Our echo id: replies to anyone else's pings on this namespace are not ours.
    let id = u16::try_from(std::process::id() & 0xffff).unwrap_or(0) ^ 0x5a5a;
    let mut replies = Vec::new();
    let mut seq: u16 = 0;
    let mut next = Instant::now();
    let mut buf = [0u8; 1500];
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        loop {
            match socket.read(&mut buf) {
                Ok(n) => {
                    // An IPv4 header, then the ICMP message.
                    let ihl = usize::from(buf.first().copied().unwrap_or(0) & 0x0f) * 4;
                    let Some(icmp) = buf.get(ihl..n) else {
                        continue;
                    };
                    if icmp.first() == Some(&0) && icmp.get(4..6) == Some(&id.to_be_bytes()[..]) {
                        replies.push(unix_ns());
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        let now = Instant::now();
        if now >= next {
            let mut packet = [0u8; 64];
            packet[0] = 8; // echo request
            packet[4..6].copy_from_slice(&id.to_be_bytes());
            packet[6..8].copy_from_slice(&seq.to_be_bytes());
            let sum = checksum(&packet);
            packet[2..4].copy_from_slice(&sum.to_be_bytes());
            socket.send_to(&packet, &target)?;
            seq = seq.wrapping_add(1);
            next += interval;
        } else {
            std::thread::sleep((next - now).min(Duration::from_micros(200)));
        }
    }
    Ok(replies)
}
