//! TLS client configuration for PostgreSQL (rustls), with libpq's sslmode semantics:
//! `prefer`/`require` encrypt without verifying (as libpq does), `verify-ca` checks the chain,
//! `verify-full` checks the chain and the host name. Roots: `sslrootcert`, else the Mozilla set.

use std::sync::Arc;

use anyhow::{Context, Result};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::target::{Target, TlsMode};

pub fn client_config(target: &Target) -> Result<ClientConfig> {
    let provider = Arc::new(provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("setting up TLS")?;
    let verifier: Arc<dyn ServerCertVerifier> = match target.tls {
        TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => Arc::new(NoVerification(provider)),
        TlsMode::VerifyCa | TlsMode::VerifyFull => {
            let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots(target)?), provider)
                .build()
                .context("setting up TLS certificate verification")?;
            if target.tls == TlsMode::VerifyCa {
                Arc::new(ChainOnly(inner))
            } else {
                inner
            }
        }
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// ring's algorithms with P-256 offered first. The client sends a key share for its first group
/// only; PostgreSQL up to 17 accepts only `ssl_ecdh_curve` (prime256v1 by default), so a share
/// for X25519 first costs a HelloRetryRequest and a second key exchange on every connection.
/// PostgreSQL 18 (`ssl_groups`, X25519:prime256v1) and MySQL/MariaDB take P-256 too.
fn provider() -> CryptoProvider {
    use rustls::crypto::ring::kx_group::{SECP256R1, SECP384R1, X25519};
    CryptoProvider {
        kx_groups: vec![SECP256R1, X25519, SECP384R1],
        ..rustls::crypto::ring::default_provider()
    }
}

fn roots(target: &Target) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match &target.root_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .with_context(|| format!("reading sslrootcert {}: expected PEM certificates", path.display()))?;
            let (added, _) = store.add_parsable_certificates(certs);
            anyhow::ensure!(added > 0, "sslrootcert {} holds no usable certificate", path.display());
        }
        None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(store)
}

/// `sslmode=require`: encrypted, server identity not checked; handshake signatures still are.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must lead to a trusted root; the host name is not compared.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
