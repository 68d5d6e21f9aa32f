"""Django adapters: refresh sessions (token families) in the database."""
