//! Signing keys, the JWKS document and RS256 JWT signing.
//!
//! Signing uses ring's RSA (the tree's one crypto provider; constant-time, and the fastest RSA
//! in our tree: see `bench/emulator.sh` and `cargo bench --bench rsa_sign`). Keys are embedded
//! test keys by default, for a fast start and stable snapshots; `--generate-keys` makes fresh
//! ones with the `rsa` crate (ring cannot generate RSA keys). As on Entra, `kid` equals `x5t`
//! (the base64url SHA-1 thumbprint of the key's certificate) and every JWK carries an `issuer`:
//! <https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-signing-key-issuer>

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

/// Which issuers a key signs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRole {
    /// Work and school tenants (JWK `issuer` templated with `{tenantid}`).
    Org,
    /// Personal accounts (JWK `issuer` is the consumers tenant's, concrete).
    Msa,
    /// The key of the `key-rotation` fault: listed only from the second JWKS fetch on.
    Rotated,
}

/// One RSA signing key.
#[derive(Debug)]
pub(crate) struct SigningKey {
    pub(crate) kid: String,
    pub(crate) role: KeyRole,
    pair: RsaKeyPair,
    n: String,
    e: String,
    x5c: String,
}

/// Why key material could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("bad key material for {0}")]
    Material(&'static str),
    #[error("cannot generate a key: {0}")]
    Generate(String),
}

impl SigningKey {
    /// A key from a PKCS#8 private key and its certificate (both DER).
    pub(crate) fn from_der(
        role: KeyRole,
        pkcs8: &[u8],
        cert: &[u8],
        what: &'static str,
    ) -> Result<Self, KeyError> {
        let pair = RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| KeyError::Material(what))?;
        let thumb = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert);
        let components: ring::rsa::PublicKeyComponents<Vec<u8>> =
            ring::signature::KeyPair::public_key(&pair).into();
        Ok(Self {
            kid: URL_SAFE_NO_PAD.encode(thumb.as_ref()),
            role,
            n: URL_SAFE_NO_PAD.encode(&components.n),
            e: URL_SAFE_NO_PAD.encode(&components.e),
            x5c: STANDARD.encode(cert),
            pair,
        })
    }

    fn from_pem(
        role: KeyRole,
        key: &str,
        cert: &str,
        what: &'static str,
    ) -> Result<Self, KeyError> {
        let key = PrivatePkcs8KeyDer::from_pem_slice(key.as_bytes())
            .map_err(|_| KeyError::Material(what))?;
        let cert = CertificateDer::from_pem_slice(cert.as_bytes())
            .map_err(|_| KeyError::Material(what))?;
        Self::from_der(role, key.secret_pkcs8_der(), &cert, what)
    }

    /// The JWK as Entra publishes it, with `issuer`.
    pub(crate) fn jwk(&self, issuer: &str) -> serde_json::Value {
        serde_json::json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": self.n,
            "e": self.e,
            "x5c": [self.x5c],
            "issuer": issuer,
        })
    }

    /// RS256 over `signing_input` (`base64url(header).base64url(claims)`), base64url.
    pub(crate) fn sign(&self, rng: &SystemRandom, signing_input: &[u8]) -> String {
        let mut sig = vec![0; self.pair.public().modulus_len()];
        // Fails only for a wrong buffer length, which the line above rules out.
        if self
            .pair
            .sign(&RSA_PKCS1_SHA256, rng, signing_input, &mut sig)
            .is_err()
        {
            sig.clear();
        }
        URL_SAFE_NO_PAD.encode(sig)
    }
}

/// The emulator's keys: two org keys (the first signs), one MSA key, one rotation key.
#[derive(Debug)]
pub(crate) struct KeySet {
    pub(crate) keys: Vec<SigningKey>,
}

impl KeySet {
    /// The embedded test keys.
    pub(crate) fn embedded() -> Result<Self, KeyError> {
        macro_rules! key {
            ($role:expr, $name:literal) => {
                SigningKey::from_pem(
                    $role,
                    include_str!(concat!("keys/", $name, ".key.pem")),
                    include_str!(concat!("keys/", $name, ".crt.pem")),
                    $name,
                )?
            };
        }
        Ok(Self {
            keys: vec![
                key!(KeyRole::Org, "org-1"),
                key!(KeyRole::Org, "org-2"),
                key!(KeyRole::Msa, "msa-1"),
                key!(KeyRole::Rotated, "org-rotated"),
            ],
        })
    }

    /// The first key of a role.
    pub(crate) fn by_role(&self, role: KeyRole) -> &SigningKey {
        self.keys
            .iter()
            .find(|k| k.role == role)
            .unwrap_or(&self.keys[0])
    }
}

/// Encodes and signs a JWT; `header_for_signature` differs from `header` only for Graph tokens,
/// whose signature covers a hashed `nonce` (see `mint.rs`).
pub(crate) fn encode_jwt(
    key: &SigningKey,
    rng: &SystemRandom,
    header: &serde_json::Value,
    header_for_signature: Option<&serde_json::Value>,
    claims: &serde_json::Value,
) -> String {
    let b64 =
        |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default());
    let claims = b64(claims);
    let signed_header = b64(header_for_signature.unwrap_or(header));
    let sig = key.sign(rng, format!("{signed_header}.{claims}").as_bytes());
    format!("{}.{claims}.{sig}", b64(header))
}

/// ring's system RNG for the `rsa` crate, which generates keys (ring cannot).
struct RingRng(SystemRandom);

impl rand_core::RngCore for RingRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // The OS entropy source does not fail once the process runs; zeros are never kept
        // because try_fill_bytes is what the key generator calls.
        let _ = self.try_fill_bytes(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        ring::rand::SecureRandom::fill(&self.0, dest).map_err(|_| {
            rand_core::Error::from(
                std::num::NonZeroU32::new(rand_core::Error::CUSTOM_START)
                    .unwrap_or(std::num::NonZeroU32::MIN),
            )
        })
    }
}

impl rand_core::CryptoRng for RingRng {}

impl KeySet {
    /// Fresh RSA-2048 keys and self-signed certificates (`--generate-keys`); slower to start.
    pub(crate) fn generate() -> Result<Self, KeyError> {
        use rsa::pkcs8::EncodePrivateKey;
        let mut rng = RingRng(SystemRandom::new());
        let roles = [
            (KeyRole::Org, "generated org key 1"),
            (KeyRole::Org, "generated org key 2"),
            (KeyRole::Msa, "generated msa key"),
            (KeyRole::Rotated, "generated rotation key"),
        ];
        let mut keys = Vec::new();
        for (role, what) in roles {
            let gen_err = |e: &dyn std::fmt::Display| KeyError::Generate(format!("{what}: {e}"));
            let private = rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| gen_err(&e))?;
            let pkcs8 = private.to_pkcs8_der().map_err(|e| gen_err(&e))?;
            let der = PrivatePkcs8KeyDer::from(pkcs8.as_bytes().to_vec());
            let pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256)
                .map_err(|e| gen_err(&e))?;
            let mut params =
                rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| gen_err(&e))?;
            params.distinguished_name.push(
                rcgen::DnType::CommonName,
                format!("oauth-preflight emulator {what}"),
            );
            let cert = params.self_signed(&pair).map_err(|e| gen_err(&e))?;
            keys.push(SigningKey::from_der(
                role,
                der.secret_pkcs8_der(),
                cert.der(),
                "generated key",
            )?);
        }
        Ok(Self { keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_keys_load_with_distinct_thumbprint_kids() {
        let set = KeySet::embedded().unwrap();
        assert_eq!(set.keys.len(), 4);
        let mut kids: Vec<&str> = set.keys.iter().map(|k| k.kid.as_str()).collect();
        kids.dedup();
        assert_eq!(kids.len(), 4);
        assert_eq!(set.keys[0].kid.len(), 27, "base64url of a 20-byte SHA-1");
        let jwk = set.keys[0].jwk("https://x/{tenantid}/v2.0");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["x5t"], jwk["kid"]);
    }

    #[test]
    fn signatures_verify_with_the_public_key() {
        let set = KeySet::embedded().unwrap();
        let key = &set.keys[0];
        let rng = SystemRandom::new();
        let sig = URL_SAFE_NO_PAD.decode(key.sign(&rng, b"a.b")).unwrap();
        let public = ring::signature::RsaPublicKeyComponents {
            n: URL_SAFE_NO_PAD.decode(&key.n).unwrap(),
            e: URL_SAFE_NO_PAD.decode(&key.e).unwrap(),
        };
        public
            .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, b"a.b", &sig)
            .unwrap();
    }
}
