"""Advanced topics: chaos engineering, multi-cloud management and security hardening."""
