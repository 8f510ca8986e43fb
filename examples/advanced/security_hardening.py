# %% [markdown]
# # Security hardening (安全加固)
#
# Companion script of chapter A.3: redacting span attributes with an allow-list, blocked
# keys and encoding-aware detection; why a keyed hash and not a bare one; auditing
# Collector configurations; and the STRIDE threat model of a pipeline.

# %%
import hashlib

from otlpkb import datasets
from otlpkb.advanced.security import (
    Redactor,
    audit_config,
    detect,
    keyed_hash,
    threat_model,
)

# %% [markdown]
# ## Redaction: allow-list, blocked keys, values in any encoding

# %%
redactor = Redactor(
    allowed_keys=["http.route", "user.note", "client.address", "http.request.header"],
    hash_key=b"rotate-me-from-a-secret-store",
)
attributes = {
    "http.route": "/checkout",
    "user.note": "card 4111-1111-1111-1111, mail ALICE%40EXAMPLE.COM",
    "client.address": "2001:db8::7",
    "http.request.header": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.sig",
    "session.token": "d1c2a3",
    "enduser.id": "alice",
}
result = redactor.redact(attributes)
for key, value in result.attributes.items():
    print(f"{key:22} {value}")
print("removed (not allowed):", result.removed)
print("kinds found:", sorted(result.kinds))
print("hidden in base64:", detect("bWFpbCBib2JAZXhhbXBsZS5vcmc="))

# %% [markdown]
# ## A bare hash of an IP address is reversed by trying them all

# %%
ip = "10.0.37.201"
bare = hashlib.sha256(ip.encode()).hexdigest()
found = next(
    f"10.0.{a}.{b}"
    for a in range(256)
    for b in range(256)
    if hashlib.sha256(f"10.0.{a}.{b}".encode()).hexdigest() == bare
)
print("bare SHA-256 reversed in one /16 sweep:", found)
print("keyed token (HMAC-SHA-256):", keyed_hash(ip, b"rotate-me-from-a-secret-store"))

# %% [markdown]
# ## Auditing Collector configurations

# %%
for name in ("bad_everything.yaml", "good_gateway.yaml"):
    text = datasets.path(f"collector_configs/{name}").read_text()
    findings = audit_config(text, source=name)
    print(f"{name}: {len(findings)} findings")
    for f in findings:
        print(f"  line {f.line:3} {f.severity:6} {f.rule}")

# %% [markdown]
# ## STRIDE threats and their status for the bad configuration

# %%
bad = audit_config(datasets.path("collector_configs/bad_everything.yaml").read_text())
for t in threat_model(bad):
    print(f"{t.component:14} {t.category:23} {t.status:8} {t.rule}")
