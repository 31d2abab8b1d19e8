//! rustls client configurations (ring provider), built once per distinct
//! `tls` options + ALPN choice and cached by the client.

use super::options::{HttpVersionPref, TlsOptions, TlsVersion};
use crate::error::{Error, ErrorKind};
use once_cell::sync::Lazy;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: Lazy<Arc<CryptoProvider>> =
        Lazy::new(|| Arc::new(rustls::crypto::ring::default_provider()));
    PROVIDER.clone()
}

/// System roots, or the bundled Mozilla roots when the system has none.
fn base_roots() -> RootCertStore {
    static ROOTS: Lazy<RootCertStore> = Lazy::new(|| {
        let mut store = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            // A malformed system certificate is skipped, not fatal.
            let _ = store.add(cert);
        }
        if store.is_empty() {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        store
    });
    ROOTS.clone()
}

/// Accepts any certificate: `insecure_skip_verify` is for tests only.
#[derive(Debug)]
struct SkipVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for SkipVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn versions(tls: &TlsOptions) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, Error> {
    let min = tls.min_version.unwrap_or(TlsVersion::V1_2);
    let max = tls.max_version.unwrap_or(TlsVersion::V1_3);
    if min > max {
        return Err(Error::invalid("tls: min_version is above max_version"));
    }
    let mut out = Vec::new();
    if min <= TlsVersion::V1_2 && max >= TlsVersion::V1_2 {
        out.push(&rustls::version::TLS12);
    }
    if max >= TlsVersion::V1_3 {
        out.push(&rustls::version::TLS13);
    }
    Ok(out)
}

/// Build a configuration for these options and ALPN preference.
pub(crate) fn build(tls: &TlsOptions, alpn: HttpVersionPref) -> Result<Arc<ClientConfig>, Error> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions(tls)?)
        .map_err(|e| Error::invalid(format!("tls: {e}")))?;
    let builder = if tls.insecure_skip_verify.unwrap_or(false) {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(SkipVerify(provider)))
    } else {
        let mut roots = base_roots();
        if let Some(pem) = &tls.ca_pem {
            let mut added = 0;
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| {
                    Error::invalid(format!("tls.ca_pem: not a PEM certificate: {e}"))
                })?;
                roots.add(cert).map_err(|e| {
                    Error::invalid(format!("tls.ca_pem: unusable certificate: {e}"))
                })?;
                added += 1;
            }
            if added == 0 {
                return Err(Error::invalid("tls.ca_pem: no CERTIFICATE block found"));
            }
        }
        builder.with_root_certificates(roots)
    };
    let mut config = match (&tls.client_cert_pem, &tls.client_key_pem) {
        (Some(cert), Some(key)) => {
            let chain: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(cert.as_bytes())
                    .collect::<Result<_, _>>()
                    .map_err(|e| Error::invalid(format!("tls.client_cert_pem: {e}")))?;
            if chain.is_empty() {
                return Err(Error::invalid(
                    "tls.client_cert_pem: no CERTIFICATE block found",
                ));
            }
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes())
                .map_err(|e| Error::invalid(format!("tls.client_key_pem: {e}")))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| Error::invalid(format!("tls: client certificate/key: {e}")))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(Error::invalid(
                "tls: client_cert_pem and client_key_pem must be given together",
            ))
        }
    };
    config.alpn_protocols = match alpn {
        HttpVersionPref::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        HttpVersionPref::Http1 => vec![b"http/1.1".to_vec()],
        HttpVersionPref::Http2 => vec![b"h2".to_vec()],
    };
    Ok(Arc::new(config))
}

/// Turn a handshake failure into a message naming the reason.
pub(crate) fn handshake_error(err: &std::io::Error, host: &str) -> Error {
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    let message = match inner {
        Some(rustls::Error::InvalidCertificate(cert)) => {
            use rustls::CertificateError as C;
            let why = match cert {
                C::UnknownIssuer => "certificate is not trusted".to_string(),
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    format!("certificate is not valid for {host}")
                }
                C::Expired | C::ExpiredContext { .. } => "certificate has expired".to_string(),
                C::NotValidYet | C::NotValidYetContext { .. } => {
                    "certificate is not valid yet".to_string()
                }
                C::Revoked => "certificate was revoked".to_string(),
                _ => "certificate was rejected".to_string(),
            };
            format!(
                "TLS: {why} ({cert:?}); pass the CA in tls.ca_pem or set tls.insecure_skip_verify for tests"
            )
        }
        Some(other) => format!("TLS: handshake with {host} failed: {other}"),
        None => format!("TLS: handshake with {host} failed: {err}"),
    };
    Error::new(ErrorKind::Tls, message)
}
