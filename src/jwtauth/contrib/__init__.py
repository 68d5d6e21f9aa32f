"""Optional integrations built on jwtauth (resource servers, ...)."""
