"""A throwaway test PKI (never a real Peppol certificate). Writes PEM files into a directory:
  root-ca.pem / root-ca.key            "Test Root CA"          (self-signed)
  ap-ca.pem   / ap-ca.key              "Test AP CA"            (intermediate, signed by root)
  POP000001.pem / POP000001.key        AP1 leaf, CN=POP000001  (signed by AP CA)
  POP000002.pem / POP000002.key        AP2 leaf, CN=POP000002  (signed by AP CA)
  rogue-root.pem / rogue-root.key      an unrelated root
  rogue-POP000001.pem / .key           leaf with CN=POP000001 signed by the rogue root (untrusted)
  expired-POP000001.pem / .key         leaf under the real AP CA, already expired
All RSA 2048; validity 1 year (except the expired one).
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ONE_YEAR = timedelta(days=365)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, ou: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kyte Test PKI"),
    ]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def make_cert(
    subject,
    subject_key,
    issuer_name,
    issuer_key,
    *,
    ca: bool,
    path_len=None,
    not_before=None,
    not_after=None,
    issuer_cert=None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    not_before = not_before or now - timedelta(minutes=5)
    not_after = not_after or now + ONE_YEAR
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), critical=False
        )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=True,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def write(outdir: Path, stem: str, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> None:
    (outdir / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (outdir / f"{stem}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


def generate(outdir: Path, seats=("POP000001", "POP000002")) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    root_key = _key()
    root_name = _name("Kyte TEST Root CA")
    root = make_cert(root_name, root_key, root_name, root_key, ca=True, path_len=1)
    write(outdir, "root-ca", root, root_key)

    ap_ca_key = _key()
    ap_ca_name = _name("Kyte TEST AP CA")
    ap_ca = make_cert(ap_ca_name, ap_ca_key, root_name, root_key, ca=True, path_len=0, issuer_cert=root)
    write(outdir, "ap-ca", ap_ca, ap_ca_key)

    for seat in seats:
        key = _key()
        cert = make_cert(
            _name(seat, "PEPPOL TEST AP"), key, ap_ca_name, ap_ca_key, ca=False, issuer_cert=ap_ca
        )
        write(outdir, seat, cert, key)

    key = _key()  # the SMP's signing certificate, under the same test root
    write(
        outdir,
        "smp",
        make_cert(_name("Kyte TEST SMP"), key, root_name, root_key, ca=False, issuer_cert=root),
        key,
    )

    # Negative-case material
    rogue_key = _key()
    rogue_name = _name("Rogue Root CA")
    rogue = make_cert(rogue_name, rogue_key, rogue_name, rogue_key, ca=True, path_len=1)
    write(outdir, "rogue-root", rogue, rogue_key)
    key = _key()
    write(
        outdir,
        "rogue-smp",
        make_cert(_name("Rogue SMP"), key, rogue_name, rogue_key, ca=False, issuer_cert=rogue),
        key,
    )
    key = _key()
    cert = make_cert(
        _name(seats[0], "PEPPOL TEST AP"), key, rogue_name, rogue_key, ca=False, issuer_cert=rogue
    )
    write(outdir, f"rogue-{seats[0]}", cert, key)

    key = _key()
    now = datetime.now(UTC)
    cert = make_cert(
        _name(seats[0], "PEPPOL TEST AP"),
        key,
        ap_ca_name,
        ap_ca_key,
        ca=False,
        issuer_cert=ap_ca,
        not_before=now - timedelta(days=400),
        not_after=now - timedelta(days=35),
    )
    write(outdir, f"expired-{seats[0]}", cert, key)
    return outdir


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def load_key(path: Path):
    return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
