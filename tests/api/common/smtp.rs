//! A real SMTP server on loopback that keeps what it receives, so tests read the mail the
//! server actually sent (no mock of the sending code). It can offer STARTTLS with a
//! self-signed certificate, and records whether each message came over TLS.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// One message as received: the envelope recipients, the raw data, and whether it came
/// over TLS.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
    pub tls: bool,
}

#[derive(Clone, Default)]
pub struct Mailbox {
    received: Arc<Mutex<Vec<Mail>>>,
}

type Received = Arc<Mutex<Vec<Mail>>>;

impl Mailbox {
    /// Starts a plain SMTP listener; returns it and its port.
    pub async fn start() -> (Self, u16) {
        Self::listen(None).await
    }

    /// Starts a listener that offers STARTTLS with a self-signed certificate.
    pub async fn start_tls() -> (Self, u16) {
        let cert = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
        let chain = vec![CertificateDer::from(cert.cert.der().to_vec())];
        let config = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        Self::listen(Some(TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn listen(tls: Option<TlsAcceptor>) -> (Self, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mailbox = Self::default();
        let received = mailbox.received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (received, tls) = (received.clone(), tls.clone());
                tokio::spawn(async move {
                    if let Some(plain) = dialogue(socket, &received, tls.is_some(), false).await
                        && let Some(acceptor) = tls
                        && let Ok(secure) = acceptor.accept(plain).await
                    {
                        dialogue(secure, &received, false, true).await;
                    }
                });
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

/// Speaks SMTP on `stream` until QUIT, or until the client asks for STARTTLS (when
/// `offer_starttls`), in which case the stream comes back to be upgraded.
async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    received: &Received,
    offer_starttls: bool,
    secure: bool,
) -> Option<S> {
    let mut reader = BufReader::new(stream);
    if !secure {
        reader
            .get_mut()
            .write_all(b"220 localhost ESMTP test\r\n")
            .await
            .ok()?;
    }
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" if offer_starttls => b"250-localhost\r\n250 STARTTLS\r\n",
            "EHLO" | "HELO" => b"250 localhost\r\n",
            "STARTTLS" if offer_starttls => {
                reader
                    .get_mut()
                    .write_all(b"220 ready for TLS\r\n")
                    .await
                    .ok()?;
                return Some(reader.into_inner());
            }
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
                reader.get_mut().write_all(b"354 go ahead\r\n").await.ok()?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).await.ok()? == 0 {
                        return None;
                    }
                    if l.trim_end_matches(['\r', '\n']) == "." {
                        break;
                    }
                    data.push_str(&l);
                }
                received.lock().unwrap().push(Mail {
                    to: to.clone(),
                    data,
                    tls: secure,
                });
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = reader.get_mut().write_all(b"221 bye\r\n").await;
                return None;
            }
            _ => b"250 OK\r\n",
        };
        reader.get_mut().write_all(reply).await.ok()?;
    }
}
