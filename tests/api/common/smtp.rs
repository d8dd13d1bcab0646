//! A real SMTP server on loopback that keeps what it receives, so tests read the mail the
//! server actually sent (no mock of the sending code).

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as received: the envelope recipients and the raw data.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone, Default)]
pub struct Mailbox {
    received: Arc<Mutex<Vec<Mail>>>,
}

impl Mailbox {
    /// Starts the listener; returns it and its port.
    pub async fn start() -> (Self, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mailbox = Self::default();
        let received = mailbox.received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, received.clone()));
            }
        });
        (mailbox, port)
    }

    pub fn all(&self) -> Vec<Mail> {
        self.received.lock().unwrap().clone()
    }

    /// A message to `address` whose text contains `needle`, waiting briefly for it.
    pub async fn find(&self, address: &str, needle: &str) -> Mail {
        for _ in 0..100 {
            let found = self.all().into_iter().find(|m| {
                m.to.iter().any(|t| t.contains(address))
                    && m.data.replace("=\r\n", "").contains(needle)
            });
            if let Some(m) = found {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!(
            "no mail to {address} with {needle:?}; received {:?}",
            self.all()
        );
    }

    /// The last message sent to `address`, waiting briefly for it to arrive.
    pub async fn last_to(&self, address: &str) -> Mail {
        for _ in 0..100 {
            if let Some(m) = self
                .all()
                .into_iter()
                .rev()
                .find(|m| m.to.iter().any(|t| t.contains(address)))
            {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no mail to {address}; received {:?}", self.all());
    }
}

impl Mail {
    /// The value of `name=` in the first link of the body.
    pub fn link_param(&self, name: &str) -> String {
        // Undo quoted-printable: soft line breaks and the encoded `=`.
        let body = self.data.replace("=\r\n", "").replace("=3D", "=");
        let start = body
            .find(&format!("{name}="))
            .unwrap_or_else(|| panic!("{name} in {body}"))
            + name.len()
            + 1;
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect()
    }
}

async fn session(socket: tokio::net::TcpStream, received: Arc<Mutex<Vec<Mail>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut to = Vec::new();
    let _ = write.write_all(b"220 localhost ESMTP test\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 localhost\r\n",
            "MAIL" => {
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(
                    line[line.find(':').map_or(0, |i| i + 1)..]
                        .trim()
                        .to_owned(),
                );
                b"250 OK\r\n"
            }
            "DATA" => {
                let _ = write.write_all(b"354 go ahead\r\n").await;
                let mut data = String::new();
                while let Ok(Some(l)) = lines.next_line().await {
                    if l == "." {
                        break;
                    }
                    data.push_str(&l);
                    data.push_str("\r\n");
                }
                received.lock().unwrap().push(Mail {
                    to: to.clone(),
                    data,
                });
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 OK\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
