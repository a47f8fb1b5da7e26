//! TLS options (`--cacert`, `--insecure`, `--servername`, `--cert`, `--key`) for `https://`
//! and `grpcs://`, their files, and certificate problems put into words. TLS itself is
//! rustls (ureq's for HTTPS), compiled in only with the `tls` feature; without it every
//! option here is a configuration error.

use std::fmt;

/// The TLS options as given, before any file is read.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub cacert: Option<String>,
    pub insecure: bool,
    pub servername: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
}

/// TLS ready to use: ureq's configuration with every file loaded.
#[derive(Clone)]
pub struct Tls {
    #[cfg(feature = "tls")]
    pub config: ureq::tls::TlsConfig,
    pub insecure: bool,
    pub servername: Option<String>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("Tls")
            .field("insecure", &self.insecure)
            .field("servername", &self.servername)
            .finish_non_exhaustive()
    }
}

/// Loads the options for the run's `https://` targets. `Ok(None)` when there is none
/// (an option given then is already refused by `cli`'s rule of which targets it is for).
pub fn load(options: &TlsOptions, https: bool) -> Result<Option<Tls>, String> {
    if !https {
        return Ok(None);
    }
    if options.insecure && options.cacert.is_some() {
        return Err("--insecure and --cacert contradict each other; choose one".to_string());
    }
    if options.cert.is_some() != options.key.is_some() {
        return Err("--cert and --key go together".to_string());
    }
    if let Some(name) = &options.servername {
        let valid = !name.is_empty()
            && name.len() <= 253
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'));
        if !valid {
            return Err(format!(
                "--servername: {:?} is not a host name",
                crate::sanitize::excerpt(name, 100)
            ));
        }
    }
    build(options).map(Some)
}

#[cfg(not(feature = "tls"))]
fn build(_: &TlsOptions) -> Result<Tls, String> {
    // Target parsing already refuses https:// without the feature.
    Err("https:// targets need a build with the `tls` feature".to_string())
}

#[cfg(feature = "tls")]
fn build(options: &TlsOptions) -> Result<Tls, String> {
    use ureq::tls::{Certificate, ClientCert, PemItem, RootCerts, TlsConfig, parse_pem};

    // A CA bundle (Debian's holds ~150 certificates in ~220 KB) fits many times over.
    const MAX_PEM: u64 = 1 << 20;
    let read = |flag: &str, path: &str| {
        crate::sys::file::read_limited(path, MAX_PEM).map_err(|e| format!("{flag}: {e}"))
    };
    let pem_items = |flag: &str, path: &str| -> Result<Vec<PemItem<'static>>, String> {
        parse_pem(&read(flag, path)?)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{flag}: {path:?} is not PEM ({e})"))
    };
    let certificates = |flag: &str, path: &str| -> Result<Vec<Certificate<'static>>, String> {
        let certs: Vec<_> = pem_items(flag, path)?
            .into_iter()
            .filter_map(|item| match item {
                PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(format!("{flag}: {path:?} holds no certificate"));
        }
        Ok(certs)
    };
    let mut builder = TlsConfig::builder().disable_verification(options.insecure);
    if let Some(path) = &options.cacert {
        builder = builder.root_certs(RootCerts::new_with_certs(&certificates("--cacert", path)?));
    }
    if let (Some(cert), Some(key)) = (&options.cert, &options.key) {
        let chain = certificates("--cert", cert)?;
        let key = pem_items("--key", key)?
            .into_iter()
            .find_map(|item| match item {
                PemItem::PrivateKey(k) => Some(k),
                _ => None,
            })
            .ok_or_else(|| format!("--key: {key:?} holds no private key"))?;
        builder = builder.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    Ok(Tls {
        config: builder.build(),
        insecure: options.insecure,
        servername: options.servername.clone(),
    })
}

/// The rustls configuration of a `grpcs://` call, made from the same options as
/// ureq's (roots, `--insecure`, client certificate), offering ALPN `h2`: ureq speaks
/// HTTP/1.1 and offers none, and gRPC servers refuse a TLS client that does not offer it.
#[cfg(feature = "tls")]
pub fn h2_config(tls: &Tls) -> Result<std::sync::Arc<rustls::ClientConfig>, String> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;
    use ureq::tls::RootCerts;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| format!("TLS: {e}"))?;
    let config = &tls.config;
    let builder = if config.disable_verification() {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
    } else {
        let mut roots = rustls::RootCertStore::empty();
        match config.root_certs() {
            RootCerts::Specific(certs) => {
                roots
                    .add_parsable_certificates(certs.iter().map(|c| CertificateDer::from(c.der())));
            }
            _ => roots.roots = webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }
        builder.with_root_certificates(roots)
    };
    let mut h2 = match config.client_cert() {
        Some(client) => {
            let chain = (client.certs().iter())
                .map(|c| CertificateDer::from(c.der()).into_owned())
                .collect();
            let key = PrivateKeyDer::try_from(client.private_key().der())
                .map_err(|e| format!("--key: {e}"))?
                .clone_key();
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("--cert/--key: {e}"))?
        }
        None => builder.with_no_client_auth(),
    };
    h2.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(h2))
}

/// `--insecure`: any certificate is accepted; the handshake's signatures are still
/// checked, so the session is at least with the holder of the certificate shown.
#[cfg(feature = "tls")]
#[derive(Debug)]
struct Unverified(std::sync::Arc<rustls::crypto::CryptoProvider>);

#[cfg(feature = "tls")]
impl rustls::client::danger::ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Puts a TLS failure into words, when `error` is one.
#[cfg(feature = "tls")]
pub fn describe(error: &(dyn std::error::Error + 'static), peer: &str) -> Option<String> {
    use rustls::{CertificateError, Error};

    // rustls's error may sit under an io::Error or two: walk the chain.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let tls = loop {
        let current = cause?;
        if let Some(tls) = current.downcast_ref::<Error>() {
            break tls;
        }
        cause = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    };
    Some(match tls {
        Error::InvalidCertificate(cert) => match cert {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                format!("the certificate of {peer} has expired")
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                format!("the certificate of {peer} is not valid yet")
            }
            CertificateError::UnknownIssuer => {
                format!(
                    "the certificate of {peer} has an unknown issuer (trust its CA with --cacert)"
                )
            }
            CertificateError::NotValidForNameContext {
                expected,
                presented,
            } => {
                // The name checked (the target's host, or --servername) and the names the
                // server's certificate holds (server text: escaped, and only a few).
                let presented: Vec<String> = presented
                    .iter()
                    .take(4)
                    .map(|name| {
                        // rustls writes each as `DnsName("api.internal")` or `IpAddress(…)`.
                        let inner = name
                            .split_once('(')
                            .and_then(|(_, rest)| rest.strip_suffix(')'))
                            .unwrap_or(name);
                        crate::sanitize::printable(inner.trim_matches('"').as_bytes(), 80)
                    })
                    .collect();
                let expected = crate::sanitize::printable(expected.to_str().as_bytes(), 200);
                format!(
                    "the certificate of {peer} is not valid for {expected} (it names {}; \
                     see --servername)",
                    if presented.is_empty() {
                        "no name".to_string()
                    } else {
                        presented.join(", ")
                    }
                )
            }
            CertificateError::NotValidForName => {
                format!(
                    "the certificate of {peer} is not valid for the name asked for (see --servername)"
                )
            }
            other => format!("the certificate of {peer} is not accepted ({other:?})"),
        },
        Error::AlertReceived(alert) => {
            format!("the TLS handshake with {peer} failed: the server sent {alert:?}")
        }
        other => format!("the TLS handshake with {peer} failed ({other})"),
    })
}
