"""What several test files (and the Spark benches) share: the five-field
schema, a model's coefficients' bits, and the package README as a user has it."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# A five-field schema with real-valued fields: reals with many digits, so the bits say something.
FIVE = {
    "fields": [
        {"name": "call_attempts_24h", "type": "count"},
        {"name": "verified_business", "type": "bool"},
        {"name": "has_consent", "type": "bool"},
        {"name": "stir_attestation", "type": "real"},
        {"name": "tenure_log_days", "type": "real"},
    ],
    "features": [
        {"name": "call_attempts_24h", "field": "call_attempts_24h"},
        {"name": "verified_business", "field": "verified_business"},
        {"name": "no_consent", "field": "has_consent", "invert": True},
        {"name": "stir_attestation", "field": "stir_attestation"},
        {"name": "tenure_log_days", "field": "tenure_log_days"},
    ],
}


def bits(model):
    """The coefficients and the intercept as their little-endian bytes."""
    return [struct.pack("<d", v) for v in model.coefficients + [model.intercept]]


def readme():
    """The checkout's python/README.md, or (CALLRISK_INSTALLED=1) the README the installed wheel carries."""
    if os.environ.get("CALLRISK_INSTALLED"):
        from importlib.metadata import metadata

        return metadata("callrisk").get_payload()
    with open(os.path.join(HERE, "..", "README.md"), encoding="utf-8") as f:
        return f.read()
