//! TLS for client connections (rustls, ring provider): the server context built from the
//! `tls-*` parameters, its reload on CONFIG SET, and encrypted reads and writes over a
//! non-blocking socket for the `mio` loop (see [`crate::conn::Conn`]).
//!
//! What rustls cannot do (documented in the README): TLS 1.0/1.1, CBC and non-ECDHE
//! cipher suites, encrypted private keys (`tls-key-file-pass`), DH parameters.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::sync::Arc;

use cinder_core::config::Config;
use mio::net::TcpStream;
use rustls::crypto::CryptoProvider;
use rustls::server::{ServerSessionMemoryCache, WebPkiClientVerifier};
use rustls::{RootCertStore, ServerConfig, ServerConnection, SupportedCipherSuite};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

thread_local! {
    /// The context new TLS connections use (`None` until TLS is configured).
    static CURRENT: RefCell<Option<Arc<ServerConfig>>> = const { RefCell::new(None) };
    /// The port the TLS listeners are bound to (0: none).
    static BOUND_PORT: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    /// Listeners bound by CONFIG SET tls-port, for the loop to take (empty: close them).
    static NEW_LISTENERS: RefCell<Option<Vec<mio::net::TcpListener>>> = const { RefCell::new(None) };
}

/// Records the TLS port bound at start.
pub fn set_bound_port(port: i64) {
    BOUND_PORT.with(|b| b.set(port));
}

/// The listeners a CONFIG SET tls-port bound since the last call (`Some(empty)`: the
/// TLS port was turned off).
pub fn take_new_listeners() -> Option<Vec<mio::net::TcpListener>> {
    NEW_LISTENERS.with(|n| n.borrow_mut().take())
}

/// CONFIG SET of a `tls-*` parameter (the engine's `HostInfo::tls_apply`): rebuilds the
/// context (certificates are read again) and re-listens when `tls-port` changed, like
/// Redis's `applyTlsCfg` and `applyTLSPort`.
pub fn apply(cfg: &Config) -> Result<(), String> {
    configure(cfg)?;
    let port = cfg.tls.port;
    if port == BOUND_PORT.with(|b| b.get()) {
        return Ok(());
    }
    let listeners = if port == 0 {
        Vec::new()
    } else {
        let bound = crate::listen::bind_all(&cfg.bind, port as u16, cfg.tcp_backlog).map_err(|e| {
            crate::log::warning(&e);
            "Unable to listen on this port. Check server logs.".to_string()
        })?;
        bound.into_iter().map(|(l, _)| l).collect()
    };
    BOUND_PORT.with(|b| b.set(port));
    NEW_LISTENERS.with(|n| *n.borrow_mut() = Some(listeners));
    Ok(())
}

/// OpenSSL names of the TLS 1.2 suites rustls has, for `tls-ciphers`.
const TLS12_NAMES: &[(&str, &str)] = &[
    ("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    ("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    ("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    ("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
];

/// The IANA name of a suite (`TLS13_AES_128_GCM_SHA256`, `TLS_ECDHE_RSA_WITH_...`).
fn suite_name(s: &SupportedCipherSuite) -> String {
    format!("{:?}", s.suite())
}

/// Whether TLS is wanted at all (Redis configures it when any TLS use is on).
pub fn wanted(cfg: &Config) -> bool {
    cfg.tls.port != 0 || cfg.tls.replication || cfg.tls.cluster
}

/// Builds the server context from the `tls-*` parameters; `Err` is what Redis would log.
pub fn build(cfg: &Config) -> Result<Arc<ServerConfig>, String> {
    let t = &cfg.tls;
    if t.cert_file.is_empty() {
        return Err("No tls-cert-file configured!".into());
    }
    if t.key_file.is_empty() {
        return Err("No tls-key-file configured!".into());
    }
    let auth = t.auth_clients.as_str();
    if auth != "no" && t.ca_cert_file.is_empty() && t.ca_cert_dir.is_empty() {
        return Err("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!".into());
    }
    if !t.key_file_pass.is_empty() {
        return Err(format!("Failed to load private key: {}: encrypted keys are not supported", t.key_file));
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&t.cert_file)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("Failed to load certificate: {}: {}", t.cert_file, e))?;
    if certs.is_empty() {
        return Err(format!("Failed to load certificate: {}: no certificate found", t.cert_file));
    }
    let key = PrivateKeyDer::from_pem_file(&t.key_file)
        .map_err(|e| format!("Failed to load private key: {}: {}", t.key_file, e))?;

    let versions = protocol_versions(&t.protocols)?;
    #[allow(deprecated)] // the only constructor of the ring provider with its private tables
    let mut provider: CryptoProvider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = select_suites(&provider.cipher_suites, &t.ciphers, &t.ciphersuites)?;
    let provider = Arc::new(provider);
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("Failed to configure protocols: {}", e))?;
    let builder = if auth == "no" {
        builder.with_no_client_auth()
    } else {
        let roots = Arc::new(load_roots(&t.ca_cert_file, &t.ca_cert_dir)?);
        let mut vb = WebPkiClientVerifier::builder_with_provider(roots, provider);
        if auth == "optional" {
            vb = vb.allow_unauthenticated();
        }
        builder
            .with_client_cert_verifier(vb.build().map_err(|e| format!("Failed to configure CA certificate(s): {}", e))?)
    };
    let mut sc = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("Private key does not match the public certificate: {}", e))?;
    sc.ignore_client_order = t.prefer_server_ciphers;
    sc.session_storage = if t.session_caching {
        ServerSessionMemoryCache::new(t.session_cache_size.max(1) as usize)
    } else {
        Arc::new(rustls::server::NoServerSessionStorage {})
    };
    Ok(Arc::new(sc))
}

/// `tls-protocols`: Redis's words; rustls has only TLS 1.2 and 1.3.
fn protocol_versions(text: &str) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, String> {
    if text.trim().is_empty() {
        return Ok(vec![&rustls::version::TLS13, &rustls::version::TLS12]);
    }
    let mut out = Vec::new();
    for w in text.split_whitespace() {
        match w.to_ascii_lowercase().as_str() {
            "tlsv1.2" => out.push(&rustls::version::TLS12),
            "tlsv1.3" => out.push(&rustls::version::TLS13),
            "tlsv1" | "tlsv1.1" => {}
            _ => return Err(
                "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."
                    .into(),
            ),
        }
    }
    if out.is_empty() {
        return Err("Failed to configure protocols: only TLSv1.2 and TLSv1.3 are supported".into());
    }
    Ok(out)
}

/// The suites allowed by `tls-ciphers` (TLS 1.2, OpenSSL list syntax: names, `DEFAULT`,
/// `HIGH`, `ALL`, `!`/`-` to remove) and `tls-ciphersuites` (TLS 1.3 names), in the
/// provider's order. Names rustls lacks are skipped; a list that keeps none is an error.
fn select_suites(
    all: &[SupportedCipherSuite],
    ciphers: &str,
    ciphersuites: &str,
) -> Result<Vec<SupportedCipherSuite>, String> {
    let is13 = |s: &SupportedCipherSuite| matches!(s, SupportedCipherSuite::Tls13(_));
    let mut keep12: Vec<String> = all.iter().filter(|s| !is13(s)).map(suite_name).collect();
    if !ciphers.trim().is_empty() {
        keep12.clear();
        for tok in ciphers.split([':', ',', ' ']).filter(|t| !t.is_empty()) {
            let (remove, name) = match tok.strip_prefix(['!', '-']) {
                Some(rest) => (true, rest),
                None => (false, tok.strip_prefix('+').unwrap_or(tok)),
            };
            let matched: Vec<String> = match name.to_ascii_uppercase().as_str() {
                "DEFAULT" | "ALL" | "HIGH" | "ECDHE" | "EECDH" | "AESGCM" => {
                    all.iter().filter(|s| !is13(s)).map(suite_name).collect()
                }
                up => TLS12_NAMES
                    .iter()
                    .filter(|(openssl, iana)| openssl.eq_ignore_ascii_case(up) || iana.eq_ignore_ascii_case(up))
                    .map(|(_, iana)| iana.to_string())
                    .collect(),
            };
            for m in matched {
                if remove {
                    keep12.retain(|k| *k != m);
                } else if !keep12.contains(&m) {
                    keep12.push(m);
                }
            }
        }
        if keep12.is_empty() {
            return Err(format!("Failed to configure ciphers: {}", ciphers));
        }
    }
    let mut keep13: Vec<String> = all.iter().filter(|s| is13(s)).map(suite_name).collect();
    if !ciphersuites.trim().is_empty() {
        keep13 = ciphersuites
            .split(':')
            .filter_map(|n| {
                let n = n.trim().to_ascii_uppercase();
                let iana = n.replacen("TLS_", "TLS13_", 1);
                all.iter().filter(|s| is13(s)).map(suite_name).find(|s| *s == n || *s == iana)
            })
            .collect();
        if keep13.is_empty() {
            return Err(format!("Failed to configure ciphersuites: {}", ciphersuites));
        }
    }
    Ok(all.iter().filter(|s| keep12.contains(&suite_name(s)) || keep13.contains(&suite_name(s))).cloned().collect())
}

/// The client-certificate roots from `tls-ca-cert-file` and every certificate file in
/// `tls-ca-cert-dir`.
fn load_roots(file: &str, dir: &str) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    if !file.is_empty() {
        files.push(file.into());
    }
    if !dir.is_empty() {
        let rd = std::fs::read_dir(dir)
            .map_err(|e| format!("Failed to configure CA certificate(s) file/directory: {}", e))?;
        files.extend(rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()));
    }
    for f in files {
        let certs = CertificateDer::pem_file_iter(&f)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("Failed to configure CA certificate(s) file/directory: {}: {}", f.display(), e))?;
        for c in certs {
            roots.add(c).map_err(|e| format!("Failed to configure CA certificate(s) file/directory: {}", e))?;
        }
    }
    if roots.is_empty() {
        return Err("Failed to configure CA certificate(s) file/directory: no certificate found".into());
    }
    Ok(roots)
}

/// Builds and installs the context (start-up and CONFIG SET: Redis's `tlsConfigure`).
/// Failures are logged, as Redis does, and returned with CONFIG SET's text.
pub fn configure(cfg: &Config) -> Result<(), String> {
    if !wanted(cfg) {
        return Ok(());
    }
    match build(cfg) {
        Ok(sc) => {
            CURRENT.with(|c| *c.borrow_mut() = Some(sc));
            Ok(())
        }
        Err(e) => {
            crate::log::warning(&e);
            Err("Unable to update TLS configuration. Check server logs.".into())
        }
    }
}

/// A TLS session for a connection accepted on the TLS port (`None`: no context).
pub fn accept() -> Option<Box<TlsSession>> {
    let sc = CURRENT.with(|c| c.borrow().clone())?;
    let conn = ServerConnection::new(sc).ok()?;
    Some(Box::new(TlsSession { conn, spoke_tls: false, failed: false }))
}

/// Makes the coming close of `sock` abortive (RST), as a peer whose bytes OpenSSL left
/// unread sees it: clients report an I/O error rather than an empty reply.
fn abort_on_close(sock: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: setsockopt reads `linger` (of the size passed) on a socket we own.
    unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// Plaintext fed to rustls per call while writing (it encrypts as it goes).
const WRITE_PIECE: usize = 64 * 1024;

/// One connection's TLS state.
pub struct TlsSession {
    conn: ServerConnection,
    /// A valid TLS record arrived (before that, a failure is answered with a reset).
    spoke_tls: bool,
    /// The session failed: nothing more is written.
    failed: bool,
}

/// What a TLS read produced.
pub enum TlsRead {
    /// Plaintext bytes were placed in the buffer.
    Data(usize),
    /// Nothing more until the socket is readable again.
    WouldBlock,
    /// The peer closed.
    Eof,
}

impl TlsSession {
    /// Reads plaintext into `buf`, pulling and decrypting records from `sock` as needed
    /// (handshake records are answered through [`TlsSession::flush`]).
    pub fn read(&mut self, sock: &mut TcpStream, buf: &mut [u8]) -> io::Result<TlsRead> {
        loop {
            match self.conn.reader().read(buf) {
                Ok(0) => return Ok(TlsRead::Eof),
                Ok(n) => return Ok(TlsRead::Data(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            match self.conn.read_tls(sock) {
                Ok(0) => return Ok(TlsRead::Eof),
                Ok(_) => {
                    if let Err(e) = self.conn.process_new_packets() {
                        self.failed = true;
                        // Send the alert, then give up on the connection; a peer whose
                        // first bytes are not TLS (plain RESP) gets a reset, as with
                        // Redis's OpenSSL.
                        if !self.spoke_tls {
                            abort_on_close(sock);
                        } else {
                            let _ = self.conn.write_tls(sock);
                        }
                        return Err(io::Error::new(io::ErrorKind::InvalidData, e));
                    }
                    self.spoke_tls = true;
                    if self.conn.wants_write() {
                        self.flush(sock)?;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(TlsRead::WouldBlock),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes pending TLS records; `Ok(true)` when none is left.
    pub fn flush(&mut self, sock: &mut TcpStream) -> io::Result<bool> {
        if self.failed {
            return Err(io::ErrorKind::InvalidData.into());
        }
        while self.conn.wants_write() {
            match self.conn.write_tls(sock) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Encrypts and writes `data[*pos..]`, advancing `pos`; `Ok(true)` when all of it
    /// and every pending record are on the socket.
    pub fn write(&mut self, sock: &mut TcpStream, data: &[u8], pos: &mut usize) -> io::Result<bool> {
        loop {
            if !self.flush(sock)? {
                return Ok(false);
            }
            if *pos >= data.len() {
                return Ok(true);
            }
            let end = data.len().min(*pos + WRITE_PIECE);
            let n = self.conn.writer().write(&data[*pos..end])?;
            if n == 0 && !self.conn.wants_write() {
                // Still handshaking: the plaintext waits for the peer.
                return Ok(false);
            }
            *pos += n;
        }
    }

    /// Whether encrypted bytes wait for the socket.
    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(deprecated)]
    fn suites() -> Vec<SupportedCipherSuite> {
        rustls::crypto::ring::default_provider().cipher_suites
    }

    #[test]
    fn cipher_lists() {
        let all = suites();
        let names = |v: Vec<SupportedCipherSuite>| v.iter().map(suite_name).collect::<Vec<_>>();
        assert_eq!(select_suites(&all, "", "").unwrap().len(), all.len());
        let v = names(select_suites(&all, "DEFAULT:!ECDHE-RSA-AES128-GCM-SHA256", "").unwrap());
        assert!(!v.contains(&"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string()));
        assert!(v.contains(&"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".to_string()));
        let v = names(select_suites(&all, "ECDHE-RSA-AES256-GCM-SHA384", "TLS_AES_128_GCM_SHA256").unwrap());
        assert_eq!(v, vec!["TLS13_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]);
        assert!(select_suites(&all, "AES128-SHA256", "").is_err(), "CBC suites are not in rustls");
        assert!(select_suites(&all, "", "TLS_NOPE").is_err());
    }

    #[test]
    fn protocols() {
        assert_eq!(protocol_versions("").unwrap().len(), 2);
        assert_eq!(protocol_versions("TLSv1.2").unwrap().len(), 1);
        assert_eq!(protocol_versions("TLSv1.1 TLSv1.3").unwrap().len(), 1);
        assert!(protocol_versions("TLSv1").is_err());
        assert!(protocol_versions("SSLv3").unwrap_err().starts_with("Invalid tls-protocols"));
    }

    #[test]
    fn build_reports_missing_files() {
        let mut c = Config::default();
        c.tls.port = 1;
        assert_eq!(build(&c).unwrap_err(), "No tls-cert-file configured!");
        c.tls.cert_file = "/nonexistent.crt".into();
        c.tls.key_file = "/nonexistent.key".into();
        assert!(build(&c).unwrap_err().starts_with("Either tls-ca-cert-file"));
        c.tls.auth_clients = "no".into();
        assert!(build(&c).unwrap_err().starts_with("Failed to load certificate"));
    }
}
