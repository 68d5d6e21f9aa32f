"""A custom user model with a UUID primary key and email login (used by some tests
through a second settings module is overkill; instead the model exists here and the
custom-user tests swap AUTH_USER_MODEL in a subprocess-free way: see tests/api/test_custom_user.py)."""
