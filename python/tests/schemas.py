"""Schemas the Spark tests share."""

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
