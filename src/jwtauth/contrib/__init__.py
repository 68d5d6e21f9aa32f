"""Optional integrations built on jwtauth (resource server, OpenAPI); each may need its own extra."""
