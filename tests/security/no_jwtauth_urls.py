"""A URLconf without jwtauth (for the W109 check)."""

urlpatterns: list[object] = []
